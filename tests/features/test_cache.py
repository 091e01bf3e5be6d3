"""load_or_build: a hit loads without building; any input that matters misses."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import truestrength.features.cache as cache
from features.league_factory import make_league, random_league
from truestrength.base.config import RosterSection
from truestrength.features.roster import build_snapshots


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counting(*args, **kwargs):
        calls.append(1)
        return build_snapshots(*args, **kwargs)

    monkeypatch.setattr(cache, "build_snapshots", counting)
    return calls


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.keys, b.keys)
    for name in ("x", "player_ids", "minutes", "mask"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.feature_names == b.feature_names


def test_second_call_loads_and_inputs_that_matter_miss(tmp_path, counted) -> None:
    games, dates2 = random_league(0, n_dates=5)
    league = make_league(games, data_hash="h1")
    first = cache.load_or_build(league, None, RosterSection(), tmp_path)
    assert len(counted) == 1
    second = cache.load_or_build(league, None, RosterSection(), tmp_path)
    assert len(counted) == 1  # loaded, not built
    same(first, second)

    cache.load_or_build(league, None, RosterSection(prior_games=5.0), tmp_path)
    assert len(counted) == 2
    cache.load_or_build(make_league(games, data_hash="h2"), None, RosterSection(), tmp_path)
    assert len(counted) == 3
    cache.load_or_build(league.before(pd.Timestamp(dates2[2])), None, RosterSection(), tmp_path)
    assert len(counted) == 4
    cache.load_or_build(league, ["2022-23"], RosterSection(), tmp_path)
    assert len(counted) == 5
    cache.load_or_build(league, None, RosterSection(), tmp_path, dates=[dates2[3]])
    assert len(counted) == 6
    cache.load_or_build(league, None, RosterSection(), tmp_path)
    assert len(counted) == 6


def test_damaged_entry_is_rebuilt(tmp_path, counted) -> None:
    games, _ = random_league(0, n_dates=4)
    league = make_league(games)
    first = cache.load_or_build(league, None, RosterSection(), tmp_path)
    (npz,) = tmp_path.glob("*.npz")
    npz.write_bytes(b"not a zip file")
    again = cache.load_or_build(league, None, RosterSection(), tmp_path)
    assert len(counted) == 2
    same(first, again)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.realdata
def test_real_cache_hit_is_much_faster_than_a_build(real_league, tmp_path) -> None:
    t0 = time.perf_counter()
    built = cache.load_or_build(real_league, None, RosterSection(), tmp_path)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    loaded = cache.load_or_build(real_league, None, RosterSection(), tmp_path)
    t_load = time.perf_counter() - t0
    same(built, loaded)
    assert t_load < t_build / 2, (t_load, t_build)
