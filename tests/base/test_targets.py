"""Targets and as-of points: hand-made league with known answers, and 2022-23 for real."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.base.targets import (
    as_of_points,
    playoff_finish_rank,
    playoff_finish_tier,
    rest_of_season_win_pct,
    standings,
    team_targets,
)

from helpers import tiny_league

S = "2030-31"
TEAMS = [(1, "AAA", "E"), (2, "BBB", "E"), (3, "CCC", "W"), (4, "DDD", "W")]


def g(n, date, h, r, hp, rp, kind="regular_season"):
    prefix = {"regular_season": "00230", "playoffs": "00430", "play_in": "00530"}[kind]
    abbr = {t[0]: t[1] for t in TEAMS}
    return (f"{prefix}{n:05d}", date, S, kind, h, abbr[h], r, abbr[r], hp, rp)


@pytest.fixture
def league(tmp_path):
    games = [
        g(1, "2030-10-20", 1, 2, 100, 90),  # A beats B
        g(2, "2030-10-20", 3, 4, 100, 95),  # C beats D
        g(3, "2030-10-22", 2, 3, 110, 100),  # B beats C
        g(4, "2030-10-22", 4, 1, 99, 98),  # D beats A
        g(5, "2030-10-25", 1, 3, 120, 100),  # A beats C
        g(6, "2030-10-25", 2, 4, 90, 100),  # D beats B
    ]
    return tiny_league(tmp_path, TEAMS, games, [S])


def test_standings_with_margin_tie_break(league):
    t = standings(league, S).set_index("abbreviation")
    # A 2-1 (+29), D 2-1 (+6), B 1-2 (-10), C 1-2 (-25)
    assert t.loc[["AAA", "DDD", "BBB", "CCC"], "league_rank"].tolist() == [1, 2, 3, 4]
    assert t.loc["AAA", "point_diff_per_game"] == pytest.approx(29 / 3)
    assert t.loc[["AAA", "BBB", "DDD", "CCC"], "conference_rank"].tolist() == [1, 2, 1, 2]


def test_standings_before_a_date_sees_only_earlier_games(league):
    t = standings(league, S, before=pd.Timestamp("2030-10-22")).set_index("abbreviation")
    assert t["games"].tolist() == [1, 1, 1, 1]
    assert t.loc["AAA", "wins"] == 1 and t.loc["BBB", "wins"] == 0


def test_rest_of_season_win_pct_counts_from_the_date_on(league):
    ros = rest_of_season_win_pct(league, S, pd.Timestamp("2030-10-22"))
    # from 10-22 on: A 1-1, B 1-1, C 0-2, D 2-0
    assert ros.to_dict() == {1: 0.5, 2: 0.5, 3: 0.0, 4: 1.0}


def test_as_of_points_are_first_dates_median_team_reached_n_games(league):
    # tiny league: 3 games each, so only "end" exists (no team reaches 10 games)
    pts = as_of_points(league, S)
    assert [p.label for p in pts] == ["end"]
    assert pts[0].date == pd.Timestamp("2030-10-26")


@pytest.mark.realdata
def test_as_of_points_real(real_league):
    pts = {p.label: p.date for p in as_of_points(real_league, "2022-23")}
    assert list(pts) == ["g10", "g20", "g41", "g61", "end"]
    tg = real_league.team_games
    tg = tg[(tg["season"] == "2022-23") & tg["counts_for_standings"]]
    for n in (10, 20, 41, 61):
        d = pts[f"g{n}"]
        played = tg[tg["game_date"] < d].groupby("team_id").size()
        day_before = tg[tg["game_date"] < d - pd.Timedelta(days=1)].groupby("team_id").size()
        assert played.median() >= n
        assert day_before.reindex(played.index, fill_value=0).median() < n
    assert pts["end"] == pd.Timestamp("2023-04-10")


@pytest.mark.realdata
def test_playoff_finish_rank_2022_23(real_league):
    rank = playoff_finish_rank(real_league, "2022-23")
    ts = real_league.team_seasons
    abbr = ts[ts["season"] == "2022-23"].set_index("team_id")["abbreviation"]
    by = {abbr[t]: r for t, r in rank.items()}
    assert by["DEN"] == 1 and by["MIA"] == 2
    assert {by["BOS"], by["LAL"]} == {3, 4}
    assert by["BOS"] == 3  # better regular-season record than LAL
    assert sorted(rank.index) == sorted(abbr.index)
    assert sorted(rank.to_numpy()) == list(range(1, 31))
    # play-in losers missed the playoffs: MIN and MIA went through; CHI, OKC, NOP, TOR did not
    assert all(by[t] >= 17 for t in ("CHI", "OKC", "NOP", "TOR"))
    assert by["MIN"] <= 16


@pytest.mark.realdata
def test_playoff_finish_tier_2022_23_is_the_round_each_team_went_out_in(real_league):
    tier = playoff_finish_tier(real_league, "2022-23")
    ts = real_league.team_seasons
    abbr = ts[ts["season"] == "2022-23"].set_index("team_id")["abbreviation"]
    by = {abbr[t]: v for t, v in tier.items()}
    assert by["DEN"] == 0 and by["MIA"] == 1 and by["BOS"] == by["LAL"] == 2
    assert by["CHI"] == 5 and by["MIN"] == 4  # a play-in loser missed the playoffs
    assert tier.value_counts().sort_index().tolist() == [1, 1, 2, 4, 8, 14]
    # the finish rank orders the tiers and, within one, the regular-season record
    rank = playoff_finish_rank(real_league, "2022-23")
    assert (tier.reindex(rank.sort_values().index).diff().dropna() >= 0).all()


@pytest.mark.realdata
def test_team_targets_agree_with_the_standings_they_are_defined_by(real_league):
    """Each training target for 2022-23 snapshot keys: rest_win_pct is the rest-of-season
    win% from the key's date on (NaN once the team has no standings game left), final_rank
    and playoff_rank minus the final and playoff-finish ranks."""
    season = "2022-23"
    dates = [pd.Timestamp("2022-11-15"), pd.Timestamp("2023-03-01"), pd.Timestamp("2023-04-11")]
    teams = sorted(playoff_finish_rank(real_league, season).index)
    keys = pd.DataFrame([(season, d, t) for d in dates for t in teams],
                        columns=["season", "date", "team_id"])
    rest = team_targets(real_league, keys, "rest_win_pct")
    for d in dates[:2]:
        want = rest_of_season_win_pct(real_league, season, d)
        got = pd.Series(rest[(keys["date"] == d).to_numpy()], index=teams)
        pd.testing.assert_series_equal(got, want.reindex(teams).astype(float),
                                       check_names=False)
    assert np.isnan(rest[(keys["date"] == dates[2]).to_numpy()]).all()  # season over 04-09
    final = team_targets(real_league, keys, "final_rank")
    table = standings(real_league, season).set_index("team_id")["league_rank"]
    assert (final == -keys["team_id"].map(table).to_numpy(float)).all()
    po = team_targets(real_league, keys, "playoff_rank")
    assert (po == -keys["team_id"].map(playoff_finish_rank(real_league, season))
            .to_numpy(float)).all()
    with pytest.raises(ValueError, match="unknown target"):
        team_targets(real_league, keys, "wins")
