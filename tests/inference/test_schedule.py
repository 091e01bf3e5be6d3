"""The expected schedule of a season still under way keeps the NBA's structure: each team's
remaining games exactly, intra-/inter-conference games in the right numbers, home and road
balanced; compared with the synthetic league's real remaining games (its generator uses the
NBA's 82-game structure, ``data.synth._regular_pairs``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.base import seasons
from truestrength.inference import schedule as sched_mod
from truestrength.inference.schedule import expected_schedule, games_left, pair_targets


def _cut(league, season: str, frac: float) -> pd.Timestamp:
    g = league.standings_games(season).sort_values("game_date")
    return pd.Timestamp(g["game_date"].iloc[int(frac * len(g))])


def _intra_share(games: pd.DataFrame, conf: pd.Series) -> float:
    return float((games["home_team_id"].map(conf).to_numpy()
                  == games["road_team_id"].map(conf).to_numpy()).mean())


def _season_home(known, season, sched, teams) -> pd.Series:
    tg = known.standings_team_games(season)
    return (tg.groupby("team_id")["is_home"].sum().reindex(teams, fill_value=0)
            + sched["home_team_id"].value_counts().reindex(teams, fill_value=0))


def _counts(sched: pd.DataFrame, teams) -> pd.Series:
    return (pd.concat([sched["home_team_id"], sched["road_team_id"]]).value_counts()
            .reindex(teams, fill_value=0))


@pytest.mark.parametrize("frac", [0.25, 0.5, 0.75])
def test_expected_schedule_keeps_the_nba_structure(synth_league, frac):
    season = synth_league.seasons[-1]
    date = _cut(synth_league, season, frac)
    known = synth_league.before(date)
    conf = synth_league.conference_of(season)
    left = games_left(known, season)
    assert (left > 0).all() and left.sum() % 2 == 0
    sched = expected_schedule(known, season, seed=0)
    assert list(sched.columns) == ["home_team_id", "road_team_id", "neutral_site"]
    assert not sched["neutral_site"].any()
    assert (sched["home_team_id"] != sched["road_team_id"]).all()
    # every team's remaining games, exactly
    pd.testing.assert_series_equal(_counts(sched, left.index).astype(int), left.astype(int),
                                   check_names=False)
    # the intra-conference share of the real remaining games (about 63% in this league)
    g = synth_league.standings_games(season)
    real = g[g["game_date"] >= date]
    assert len(real) == len(sched)
    real_share, share = _intra_share(real, conf), _intra_share(sched, conf)
    print(f"\n{season} at {frac:.0%}: intra share real {real_share:.3f} expected {share:.3f}")
    assert abs(share - real_share) < 0.05
    # home and road: every team hosts exactly half of its 82 games
    assert (_season_home(known, season, sched, left.index) == 41).all()
    pd.testing.assert_frame_equal(sched, expected_schedule(known, season, seed=0))
    other = expected_schedule(known, season, seed=1)
    assert not sched.equals(other) and len(other) == len(sched)


def test_pairs_keep_their_season_counts_and_even_splits(synth_league):
    season = synth_league.seasons[-1]
    date = _cut(synth_league, season, 0.5)
    known = synth_league.before(date)
    conf = synth_league.conference_of(season)
    played = known.standings_games(season)[["home_team_id", "road_team_id"]]
    sched = expected_schedule(known, season, seed=0)
    both = pd.concat([played, sched[["home_team_id", "road_team_id"]]])
    lo = np.minimum(both["home_team_id"], both["road_team_id"])
    hi = np.maximum(both["home_team_id"], both["road_team_id"])
    total = both.groupby([lo, hi]).size()
    lo_home = (both["home_team_id"] == lo).groupby([lo, hi]).sum()
    same = np.array([conf[a] == conf[b] for a, b in total.index])
    # the NBA's structure: 2 per other-conference pair, 3 or 4 per conference pair
    # (a pair or two may end one game off when the last games leave no other choice)
    assert (total[~same] == 2).mean() > 0.97
    assert total[same].isin([3, 4]).mean() > 0.97 and (total[same] == 4).sum() > 140
    # each pair's home split over the season as even as the games already played allow
    imbalance = (2 * lo_home - total).abs()
    assert (imbalance <= 1).mean() > 0.97


def test_pair_targets_follow_the_82_game_structure_and_scale():
    conf = np.array(["E"] * 15 + ["W"] * 15)
    t = pair_targets(conf, 82, seasons.inter_conference_games_per_pair("2022-23"))
    same = conf[:, None] == conf[None, :]
    np.testing.assert_allclose(t.sum(axis=1), 82)
    assert (t[~same] == 2).all() and np.allclose(t[same & ~np.eye(30, dtype=bool)], 52 / 14)
    assert (np.diag(t) == 0).all()
    # a planned length without a structure of its own scales the 82-game one
    short = pair_targets(conf, 70, 2 * 70 / 82)
    np.testing.assert_allclose(short.sum(axis=1), 70)
    np.testing.assert_allclose(short[0, 1], (70 - 15 * 2 * 70 / 82) / 14)
    # the shortened seasons' own structures: 2020-21 3 and 2, 2011-12 18 of 66 inter
    assert seasons.inter_conference_games_per_pair("2020-21") == 2
    t21 = pair_targets(conf, seasons.planned_games("2020-21"), 2.0)
    assert np.allclose(t21[same & ~np.eye(30, dtype=bool)], 3) and (t21[~same] == 2).all()
    t12 = pair_targets(conf, 66, seasons.inter_conference_games_per_pair("2011-12"))
    np.testing.assert_allclose(t12[~same].reshape(30, 15).sum(axis=1), 18)
    np.testing.assert_allclose(t12.sum(axis=1), 66)
    assert seasons.inter_conference_games_per_pair("1999-00") == 2  # none recorded, 82 games


def test_a_shortened_season_is_scaled(synth_league, monkeypatch):
    season = synth_league.seasons[-1]
    monkeypatch.setitem(seasons.PLANNED_GAMES, season, 66)
    known = synth_league.before(_cut(synth_league, season, 0.25))  # ~20 games each
    left = games_left(known, season)
    played = known.standings_team_games(season).groupby("team_id").size()
    assert ((played + left) == 66).all()
    sched = expected_schedule(known, season, seed=3)
    assert (_counts(sched, left.index) == left).all()
    assert (_season_home(known, season, sched, left.index) == 33).all()
    conf = synth_league.conference_of(season)
    both = pd.concat([known.standings_games(season)[["home_team_id", "road_team_id"]], sched])
    inter = (both["home_team_id"].map(conf).to_numpy()
             != both["road_team_id"].map(conf).to_numpy())
    per_team = pd.concat([both.loc[inter, "home_team_id"], both.loc[inter, "road_team_id"]]
                         ).value_counts().reindex(left.index, fill_value=0)
    # 2 * 66 / 82 per other-conference pair: 24.1 of each team's 66 games
    assert (per_team - 15 * 2 * 66 / 82).abs().max() <= 2


def test_place_games_keeps_every_count_when_one_team_is_left_alone():
    # The greedy would place (0, 1) twice first, leaving team 2 with 4 games and no partner;
    # each placed (0, 1) is then swapped for (2, 0) and (2, 1).
    want = np.zeros((3, 3))
    want[0, 1] = want[1, 0] = 5
    placed = sched_mod._place_games(want, np.array([2, 2, 4]), np.random.default_rng(0))
    np.testing.assert_array_equal(placed.sum(axis=1), [2, 2, 4])
    assert placed[2, 0] == placed[2, 1] == 2 and placed[0, 1] == 0


@pytest.mark.realdata
@pytest.mark.parametrize("season", ["2011-12", "2020-21", "2022-23"])
def test_real_seasons_at_mid_season(real_league, season):
    date = _cut(real_league, season, 0.5)
    known = real_league.before(date)
    conf = real_league.conference_of(season)
    left = games_left(known, season)
    sched = expected_schedule(known, season, seed=0)
    assert (_counts(sched, left.index) == left).all()
    g = real_league.standings_games(season)
    real = g[g["game_date"] >= date]
    assert len(real) == len(sched)
    real_share, share = _intra_share(real, conf), _intra_share(sched, conf)
    print(f"\n{season} at 50%: intra share real {real_share:.3f} expected {share:.3f}")
    assert abs(share - real_share) < 0.05
    half = seasons.planned_games(season) / 2
    assert (_season_home(known, season, sched, left.index) - half).abs().max() <= 1


def test_no_games_left_after_the_regular_season(synth_league):
    season = synth_league.seasons[-1]
    g = synth_league.games
    end = g.loc[(g["season"] == season) & g["counts_for_standings"], "game_date"].max()
    known = synth_league.before(end + pd.Timedelta(days=1))
    assert (games_left(known, season) == 0).all()
    assert expected_schedule(known, season).empty
