"""cache.snapshots: a hit loads without building; any input that matters misses."""

from __future__ import annotations

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
    here = RosterSection(cache_dir=str(tmp_path))
    games, dates2 = random_league(0, n_dates=5)
    league = make_league(games, data_hash="h1")
    first = cache.snapshots(league, None, here)
    assert len(counted) == 1
    second = cache.snapshots(league, None, here)
    assert len(counted) == 1  # loaded, not built
    same(first, second)

    cache.snapshots(league, None, here.model_copy(update={'prior_games': 5.0}))
    assert len(counted) == 2
    cache.snapshots(make_league(games, data_hash="h2"), None, here)
    assert len(counted) == 3
    cache.snapshots(league.before(pd.Timestamp(dates2[2])), None, here)
    assert len(counted) == 4
    cache.snapshots(league, ["2022-23"], here)
    assert len(counted) == 5
    cache.snapshots(league, None, here, dates=[dates2[3]])
    assert len(counted) == 6
    cache.snapshots(league, None, here)
    assert len(counted) == 6


def test_damaged_entry_is_rebuilt(tmp_path, counted) -> None:
    here = RosterSection(cache_dir=str(tmp_path))
    games, _ = random_league(0, n_dates=4)
    league = make_league(games)
    first = cache.snapshots(league, None, here)
    (npz,) = tmp_path.glob("*.npz")
    npz.write_bytes(b"not a zip file")
    again = cache.snapshots(league, None, here)
    assert len(counted) == 2
    same(first, again)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.realdata
def test_real_cache_hit_equals_the_build(real_league, tmp_path) -> None:
    here = RosterSection(cache_dir=str(tmp_path))
    built = cache.snapshots(real_league, None, here)
    loaded = cache.snapshots(real_league, None, here)
    same(built, loaded)


def test_changed_code_misses_and_the_same_code_hits(tmp_path, counted, monkeypatch) -> None:
    here = RosterSection(cache_dir=str(tmp_path))
    games, _ = random_league(0, n_dates=4)
    league = make_league(games)
    first = cache.snapshots(league, None, here)
    cache.snapshots(league, None, here)
    assert len(counted) == 1  # same code: a hit
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited-feature-code")
    rebuilt = cache.snapshots(league, None, here)
    assert len(counted) == 2  # the entry from before the change is not served
    same(first, rebuilt)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    cache.snapshots(league, None, here)
    assert len(counted) == 2  # and the new code's entry is then a hit


def test_code_fingerprint_follows_source_bytes_and_version(tmp_path, monkeypatch) -> None:
    import truestrength

    assert {"truestrength.features.roster", "truestrength.features.player_stats",
            "truestrength.features.cache"} <= set(cache.FINGERPRINT_MODULES)
    module = tmp_path / "fp_probe_module.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "FINGERPRINT_MODULES",
                        (*cache.FINGERPRINT_MODULES, "fp_probe_module"))

    def fresh() -> str:
        cache.code_fingerprint.cache_clear()
        return cache.code_fingerprint()

    try:
        base = fresh()
        assert cache.code_fingerprint() == base  # once per process: the cached value
        module.write_text("X = 2\n")  # an edit, as a developer's
        assert cache.code_fingerprint() == base  # not re-read within the process...
        edited = fresh()
        assert edited != base  # ...but a new process sees new bytes
        monkeypatch.setattr(truestrength, "__version__", "9.9.9")
        assert fresh() not in (base, edited)
    finally:
        monkeypatch.undo()
        cache.code_fingerprint.cache_clear()
