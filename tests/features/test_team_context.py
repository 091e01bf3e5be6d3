"""Team-context features: known answers on a hand-made league, zero-game priors, leakage,
agreement with the reference ratings code, and the real build's speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.league_factory import make_league, random_league
from truestrength.base import ratings
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.features.team_context import (
    CONTINUITY_FALLBACK,
    FEATURE_NAMES,
    LEAGUE_FALLBACK,
    REST_CAP_DAYS,
    SCHEDULE_FEATURES,
    TeamContext,
    build_team_context,
    check_finite,
)

from helpers import tiny_league

S0, S1 = "2029-30", "2030-31"
TEAMS = [(1, "AAA", "E"), (2, "BBB", "E"), (3, "CCC", "W"), (4, "DDD", "W")]
ABBR = {t[0]: t[1] for t in TEAMS}


def g(season, n, date, h, r, hp, rp):
    prefix = "00229" if season == S0 else "00230"
    return (f"{prefix}{n:05d}", date, season, "regular_season", h, ABBR[h], r, ABBR[r], hp, rp)


@pytest.fixture
def tiny(tmp_path) -> LeagueData:
    # helpers.write_games: fgm = fga = pts // 2, ftm = fta = pts % 2, every other count 0.
    games = [
        g(S0, 1, "2029-10-20", 1, 2, 100, 90),  # A beats B
        g(S0, 2, "2029-10-20", 3, 4, 95, 105),  # D beats C
        g(S1, 1, "2030-10-20", 1, 2, 100, 90),  # A beats B
        g(S1, 2, "2030-10-20", 3, 4, 100, 95),  # C beats D
        g(S1, 3, "2030-10-21", 2, 3, 110, 101),  # B beats C: both on a back-to-back
        g(S1, 4, "2030-10-23", 4, 1, 99, 98),  # D beats A
        g(S1, 5, "2030-10-25", 1, 3, 120, 100),  # A beats C
        g(S1, 6, "2030-10-25", 2, 4, 90, 100),  # D beats B
    ]
    return tiny_league(tmp_path, TEAMS, games, [S0, S1])


def _at(ctx: TeamContext, date: str) -> pd.DataFrame:
    rows = (ctx.keys["date"] == pd.Timestamp(date)).to_numpy()
    return ctx.X[rows].set_index(ctx.keys.loc[rows, "team_id"].to_numpy())


def test_known_answers_on_a_tiny_league(tiny):
    ctx = build_team_context(tiny, [S1], schedule="data")
    dates = sorted(ctx.keys["date"].unique())
    assert [pd.Timestamp(d).strftime("%m-%d") for d in dates] == [
        "10-20", "10-21", "10-23", "10-25", "10-26"]
    x = _at(ctx, "2030-10-23")  # games before: S1 n1, n2, n3
    assert x["games_played"].to_dict() == {1: 1, 2: 2, 3: 2, 4: 1}
    assert x["win_pct"].to_dict() == {1: 1.0, 2: 0.5, 3: 0.5, 4: 0.0}
    assert x.loc[2, "margin_pg"] == pytest.approx((-10 + 9) / 2)
    assert x["rest_days"].to_dict() == {1: 3.0, 2: 2.0, 3: 2.0, 4: 3.0}
    assert x["b2b_last10"].to_dict() == {1: 0.0, 2: 1.0, 3: 1.0, 4: 0.0}
    # all shots are made twos (eFG 1) and made free throws; no turnovers or rebounds
    assert x["efg"].tolist() == [1.0] * 4
    assert x.loc[3, "ft_rate"] == pytest.approx(1 / 100)  # 100 (50 FGA) and 101 (50 FGA, 1 FT)
    assert x.loc[2, "opp_ft_rate"] == pytest.approx(1 / 100)
    assert x["tov_pct"].tolist() == [0.0] * 4
    # ORB% has a zero denominator in this league, and in the previous one: the fallback
    assert x["orb_pct"].tolist() == [LEAGUE_FALLBACK["orb_pct"]] * 4
    assert x.loc[3, "pace"] == pytest.approx((50 + 50 + 0.44) / 2)
    assert x.loc[2, "net_rating"] == pytest.approx(100 * (200 / 100 - 201 / (50 + 50.44)))
    assert x.loc[2, "last10_margin"] == pytest.approx(-0.5)
    # remaining schedule from the data: A still plays D (10-23) and C (10-25)
    assert x["games_remaining"].to_dict() == {1: 2, 2: 1, 3: 1, 4: 2}
    before = tiny.games[(tiny.games["season"] == S1)
                        & (tiny.games["game_date"] < pd.Timestamp("2030-10-23"))]
    srs = ratings.srs(before)
    assert x["srs"].to_numpy() == pytest.approx(srs.reindex([1, 2, 3, 4]).to_numpy())
    assert x.loc[1, "sos_remaining_srs"] == pytest.approx((srs[4] + srs[3]) / 2)
    # previous season: A and D won their only game
    assert x["prev_win_pct"].to_dict() == {1: 1.0, 2: 0.0, 3: 0.0, 4: 1.0}
    assert x["continuity"].tolist() == [CONTINUITY_FALLBACK] * 4  # no player rows at all


def test_zero_game_rows_take_the_documented_priors(tiny):
    x = _at(build_team_context(tiny, [S1]), "2030-10-20")
    assert (x["games_played"] == 0).all()
    assert (x["win_pct"] == 0.5).all() and (x["last10_win_pct"] == 0.5).all()
    for name in ("margin_pg", "srs", "net_rating", "last10_margin", "b2b_last10"):
        assert (x[name] == 0.0).all(), name
    assert (x["rest_days"] == REST_CAP_DAYS).all()
    # four factors and pace: the previous season's league values
    assert (x["efg"] == 1.0).all()
    assert x["ft_rate"].to_numpy() == pytest.approx([2 / 194] * 4)  # 95 and 105 give 1 FT each
    assert x["pace"].to_numpy() == pytest.approx([(194 + 0.88) / 4] * 4)
    assert (x["games_remaining"] == 82).all()  # expected schedule: planned length
    prev = ratings.srs(tiny.games[tiny.games["season"] == S0])
    assert x["prev_srs"].to_numpy() == pytest.approx(prev.reindex([1, 2, 3, 4]).to_numpy())
    assert np.isfinite(x.to_numpy()).all()


def test_first_season_without_any_history_is_finite(tiny):
    ctx = build_team_context(tiny, [S0])
    x = _at(ctx, "2029-10-20")
    assert (x["efg"] == LEAGUE_FALLBACK["efg"]).all() and (x["prev_win_pct"] == 0.5).all()
    assert (x["elo"] == ratings.EloSection().initial).all()


def test_dates_inside_the_previous_season_are_refused(tiny):
    with pytest.raises(DataError, match="is not after the last game of 2029-30"):
        build_team_context(tiny, [S1], dates=[pd.Timestamp("2029-10-20")])


def test_check_finite_names_team_date_and_feature(tiny):
    ctx = build_team_context(tiny, [S1])
    x = ctx.X.copy()
    x.iloc[7, FEATURE_NAMES.index("pace")] = np.inf
    bad = TeamContext(ctx.keys, x, ctx.feature_names)
    k = ctx.keys.iloc[7]
    with pytest.raises(ValueError, match=rf"'pace' = inf for team {k['team_id']}, date "
                                         rf"{pd.Timestamp(k['date']).date()}"):
        check_finite(bad)


def test_srs_and_elo_agree_with_the_reference_ratings(synth_league):
    season = synth_league.seasons[1]
    ctx = build_team_context(synth_league, [season])
    hist = ratings.elo_history(synth_league.games)
    dates = sorted(ctx.keys["date"].unique())
    for d in (dates[3], dates[60], dates[-1]):
        d = pd.Timestamp(d)
        x = _at(ctx, d)
        games = synth_league.games
        before = games[(games["season"] == season) & games["counts_for_standings"]
                       & (games["game_date"] < d)]
        srs = ratings.srs(before)
        np.testing.assert_allclose(x.loc[srs.index, "srs"], srs, atol=1e-9)
        elo = ratings.elo_ratings_from_history(hist, d, season)
        np.testing.assert_allclose(x.loc[elo.index, "elo"], elo, atol=1e-9)
        wp = ratings.win_pct(before)
        np.testing.assert_allclose(x.loc[wp.index, "win_pct"], wp)


def test_continuity_matches_a_direct_count():
    games, dates2 = random_league(seed=3)
    league = make_league(games)
    ctx = build_team_context(league, ["2022-23"])
    logs = league.player_logs
    prev = set(map(tuple, logs.loc[logs["season"] == "2021-22", ["team_id", "player_id"]]
                   .to_numpy()))
    for d in (dates2[1], dates2[5], dates2[-1]):
        x = _at(ctx, d)
        cur = logs[(logs["season"] == "2022-23") & (logs["game_date"] < pd.Timestamp(d))]
        for team, rows in cur.groupby("team_id"):
            ret = [(team, p) in prev for p in rows["player_id"]]
            want = rows["minutes"][ret].sum() / rows["minutes"].sum()
            assert x.loc[team, "continuity"] == pytest.approx(want), (d, team)
    # player 13 moved from team 1 to team 3: his minutes for 3 are not returning minutes
    late = _at(ctx, dates2[-1])
    assert late.loc[3, "continuity"] < 1.0


def _frames(league: LeagueData) -> dict[str, pd.DataFrame]:
    return {n: getattr(league, n).copy() for n in
            ("games", "team_games", "player_logs", "team_seasons", "playoff_series")}


def _altered(league: LeagueData, cut: pd.Timestamp, remove: bool) -> LeagueData:
    """Games on or after ``cut`` removed, or their results flipped (scores swapped: no tie is
    created) and their box counts and minutes shuffled."""
    f = _frames(league)
    rng = np.random.default_rng(1)
    swaps = {"games": ("home_pts", "road_pts"), "team_games": ("pts", "opp_pts")}
    for name in ("games", "team_games", "player_logs"):
        df = f[name]
        late = (df["game_date"] >= cut).to_numpy()
        if remove:
            f[name] = df[~late].reset_index(drop=True)
            continue
        if name in swaps:
            a, b = swaps[name]
            df.loc[late, [a, b]] = df.loc[late, [b, a]].to_numpy()
        if "won" in df:
            df.loc[late, "won"] = ~df.loc[late, "won"]
        box = [c for c in df.columns if df[c].dtype.kind in "iuf" and not c.endswith("_id")
               and c not in (*swaps.get(name, ()), "player_id")]
        for c in box:
            vals = df[c].to_numpy().copy()
            vals[late] = rng.permutation(vals[late])
            df[c] = vals
    return LeagueData(f, "altered")


@pytest.mark.parametrize("remove", [False, True])
def test_games_on_or_after_the_date_do_not_change_its_features(synth_league, remove):
    season = synth_league.seasons[1]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    cut = pd.Timestamp(dates[50])
    upto = [pd.Timestamp(d) for d in dates[:51:5]] + [cut]
    altered = _altered(synth_league, cut, remove)
    for schedule in ("expected", "data"):
        a = build_team_context(synth_league, [season], upto, schedule=schedule)
        b = build_team_context(altered, [season], upto, schedule=schedule)
        pd.testing.assert_frame_equal(a.keys, b.keys)
        keep = list(FEATURE_NAMES)
        if schedule == "data" and remove:
            # who plays whom later is gone from the data: only the schedule features move
            keep = [f for f in FEATURE_NAMES if f not in SCHEDULE_FEATURES]
            assert not np.allclose(a.X["games_remaining"], b.X["games_remaining"])
        pd.testing.assert_frame_equal(a.X[keep], b.X[keep])


def test_a_predictors_view_gives_the_same_rows_as_the_full_data(synth_league):
    season = synth_league.seasons[2]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    d = pd.Timestamp(dates[30])
    a = build_team_context(synth_league.before(d), [season], [d])
    b = build_team_context(synth_league, [season], [d])
    pd.testing.assert_frame_equal(a.X, b.X)
    assert sorted(a.keys["team_id"]) == synth_league.teams_of_season(season)


def test_default_dates_match_the_roster_snapshot_convention(synth_league):
    season = synth_league.seasons[0]
    ctx = build_team_context(synth_league, [season])
    g = synth_league.games
    days = sorted(g.loc[(g["season"] == season) & g["counts_for_standings"],
                        "game_date"].unique())
    want = [pd.Timestamp(d) for d in days] + [pd.Timestamp(days[-1]) + pd.Timedelta(days=1)]
    assert [pd.Timestamp(d) for d in sorted(ctx.keys["date"].unique())] == want
    assert len(ctx) == len(want) * len(synth_league.teams_of_season(season))


@pytest.mark.realdata
def test_all_real_seasons_build_finite(real_league):
    ctx = build_team_context(real_league)
    seasons = sorted(real_league.player_logs["season"].unique())
    assert sorted(ctx.keys["season"].unique()) == seasons
    assert np.isfinite(ctx.X.to_numpy()).all()
    # every team of every season at every date
    per = ctx.keys.groupby(["season", "date"]).size()
    assert (per == 30).all()
