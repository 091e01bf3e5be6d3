"""The RAPM roster features (roster.rapm_feature, features.player_rapm): known answers and no
leakage. The ridge itself is tested against known player values in tests/models/test_rapm.py.

A row at date d must carry the coefficient of the refit in force at d (the ridge on the games
strictly before refit_date(d) <= d), 0 and 0 for a player that refit never saw, must not move
when games on or after d change (and must move when a game before the refit date changes, so
the test can fail), and with the flag off the arrays are exactly the old ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import RapmSection, RosterSection
from truestrength.features.cache import cache_key
from truestrength.features.game_rosters import build_game_rosters
from truestrength.features.player_rapm import (
    RAPM_FEATURES,
    RapmValues,
    fit_rapm,
    refit_date,
    refit_days_of,
)
from truestrength.features.player_stats import FEATURE_NAMES
from truestrength.features.roster import build_snapshots

from .league_factory import Game, Line, make_league, random_league

S2 = "2022-23"
OFF = RosterSection(cache_dir=None)
ON = RosterSection(cache_dir=None, rapm_feature=True)
NF = len(FEATURE_NAMES)


def _changed_from(games: list[Game], day: str) -> list[Game]:
    """Every game on or after ``day`` with other points and minutes, and a new player."""
    out = []
    for g in games:
        if pd.Timestamp(g.date) < pd.Timestamp(day):
            out.append(g)
            continue
        lines = tuple(dataclasses.replace(ln, pts=(ln.pts * 3 + 7) if ln.team == g.home else 0,
                                          min=40.0 - ln.min) for ln in g.lines)
        out.append(dataclasses.replace(g, lines=lines + (Line(999, g.home, min=30.0, pts=9),)))
    return out


def _rapm_cols(snaps) -> np.ndarray:
    assert snaps.feature_names[NF:] == RAPM_FEATURES
    return snaps.x[..., NF:]


@pytest.mark.parametrize("refit_days", [1, 7])
@pytest.mark.parametrize("k", [1, 4, 8])
def test_the_feature_at_d_ignores_games_on_or_after_d(refit_days: int, k: int) -> None:
    games, dates2 = random_league(0)
    day = dates2[k]
    rapm = RapmSection(refit_days=refit_days)
    base = build_snapshots(make_league(games), [S2], ON, dates=[day], rapm=rapm)
    changed = build_snapshots(make_league(_changed_from(games, day), data_hash="changed"),
                              [S2], ON, dates=[day], rapm=rapm)
    np.testing.assert_array_equal(base.player_ids, changed.player_ids)
    np.testing.assert_array_equal(_rapm_cols(base), _rapm_cols(changed))
    # The control: a change from the last game day before the refit date on moves it.
    at = refit_date(pd.Timestamp(day), refit_days)
    before = max(g.date for g in games if pd.Timestamp(g.date) < at)
    moved = build_snapshots(make_league(_changed_from(games, before), data_hash="moved"),
                            [S2], ON, dates=[day], rapm=rapm)
    assert not np.allclose(_rapm_cols(moved)[base.mask], _rapm_cols(base)[base.mask])


def test_the_feature_is_the_coefficient_and_evidence_of_the_refit_in_force() -> None:
    games, dates2 = random_league(1)
    data = make_league(games)
    rapm = RapmSection(alpha=3.0, half_life_years=0.5)
    day = pd.Timestamp(dates2[5])  # 2022-10-30, a Sunday: the refit is Monday 10-24's
    at = refit_date(day, rapm.refit_days)
    assert at == pd.Timestamp("2022-10-24") < day
    snaps = build_snapshots(data, [S2], ON, dates=[day], rapm=rapm)
    fit = fit_rapm(data.games, data.player_logs, at, rapm)
    assert fit.n_games == int((data.games["game_date"] < at).sum())
    pids = snaps.player_ids[snaps.mask]
    cols = _rapm_cols(snaps)[snaps.mask]
    np.testing.assert_allclose(cols[:, 0], fit.coef.reindex(pids).to_numpy(), rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_allclose(cols[:, 1], np.log1p(fit.evidence.reindex(pids).to_numpy()),
                               rtol=1e-6)
    # Evidence by hand for one player: sum over his games of the decay weight x his share of
    # the five floor slots (5 x minutes / team minutes).
    pl = data.player_logs[(data.player_logs["game_date"] < at)
                          & (data.player_logs["minutes"] > 0)]
    team_min = pl.groupby(["game_id", "team_id"])["minutes"].transform("sum")
    share = 5 * pl["minutes"] / team_min
    age = (at - pl["game_date"]).dt.days
    w = 0.5 ** (age / (365.25 * rapm.half_life_years))
    mine = (pl["player_id"] == 10).to_numpy()
    assert fit.evidence.loc[10] == pytest.approx(float((w * share)[mine].sum()), rel=1e-9)
    # Every player of the snapshot has played before the refit date: evidence > 0.
    assert (cols[:, 1] > 0).all()


def test_a_player_the_refit_never_saw_gets_zero_and_zero_evidence() -> None:
    games, dates2 = random_league(2)
    # Player 77 first plays for team 1 on Tuesday 2022-11-01; the snapshot on Thursday 11-03
    # holds him, but the refit in force (Monday 10-31) is from before his first game.
    games = [dataclasses.replace(g, lines=g.lines + (Line(77, 1, min=25.0),))
             if g.date >= "2022-11-01" and 1 in (g.home, g.road) else g for g in games]
    day = "2022-11-03"
    assert "2022-11-01" in dates2 and day in dates2
    snaps = build_snapshots(make_league(games), [S2], ON, dates=[day])
    r = np.flatnonzero(snaps.keys["team_id"].to_numpy() == 1)[0]
    slot = list(snaps.player_ids[r]).index(77)
    np.testing.assert_array_equal(_rapm_cols(snaps)[r, slot], [0.0, 0.0])
    # ... and once a refit has seen him (Monday 11-07's), he has a value and evidence.
    later = build_snapshots(make_league(games), [S2], ON, dates=["2022-11-07"])
    r = np.flatnonzero(later.keys["team_id"].to_numpy() == 1)[0]
    slot = list(later.player_ids[r]).index(77)
    assert _rapm_cols(later)[r, slot, 1] > 0 and _rapm_cols(later)[r, slot, 0] != 0
    # Unknown ids straight from the lookup: 0 and 0.
    vals = RapmValues(make_league(games), RapmSection()).features(
        np.array([123456]), refit_days_of(np.array([19300]), 7))
    assert vals["rapm_value"][0] == 0.0 and vals["rapm_weight_log1p"][0] == 0.0


def test_flag_off_gives_exactly_the_features_without_it_and_on_only_appends() -> None:
    games, _ = random_league(3)
    data = make_league(games)
    off = build_snapshots(data, [S2], OFF)
    on = build_snapshots(data, [S2], ON)
    assert off.feature_names == FEATURE_NAMES
    assert on.feature_names == FEATURE_NAMES + RAPM_FEATURES
    np.testing.assert_array_equal(on.x[..., :NF], off.x)
    for name in ("player_ids", "minutes", "mask"):
        np.testing.assert_array_equal(getattr(on, name), getattr(off, name))
    assert not on.x[..., NF:][~on.mask].any()  # padding stays zero
    g_off, g_on = build_game_rosters(data, [S2], OFF), build_game_rosters(data, [S2], ON)
    assert g_off.sides.feature_names == FEATURE_NAMES
    np.testing.assert_array_equal(g_on.sides.x[..., :NF], g_off.sides.x)
    np.testing.assert_array_equal(g_on.sides.mask, g_off.sides.mask)


def test_game_rosters_carry_the_snapshot_values_at_the_game_date() -> None:
    games, dates2 = random_league(4)
    data = make_league(games)
    gr = build_game_rosters(data, [S2], ON)
    snaps = build_snapshots(data, [S2], ON, dates=sorted(set(dates2)))
    checked = 0
    for side in range(len(gr.sides)):
        k = gr.sides.keys.iloc[side]
        srow = np.flatnonzero((snaps.keys["date"] == k["date"]).to_numpy()
                              & (snaps.keys["team_id"] == k["team_id"]).to_numpy())[0]
        for slot in np.flatnonzero(gr.sides.mask[side]):
            pid = gr.sides.player_ids[side, slot]
            hit = np.flatnonzero(snaps.player_ids[srow] == pid)
            if len(hit):
                np.testing.assert_array_equal(gr.sides.x[side, slot, NF:],
                                              snaps.x[srow, hit[0], NF:])
                checked += 1
    assert checked > 100


def test_cache_key_holds_the_flag_and_the_rapm_settings_only_when_on() -> None:
    data = make_league(random_league(0)[0])
    key = lambda cfg, rapm: cache_key(data, [S2], cfg, rapm=rapm)  # noqa: E731
    assert key(OFF, RapmSection()) != key(ON, RapmSection())
    assert key(ON, RapmSection()) != key(ON, RapmSection(alpha=3.0))
    assert key(ON, RapmSection()) != key(ON, RapmSection(refit_days=1))
    assert key(OFF, RapmSection()) == key(OFF, RapmSection(alpha=3.0))
