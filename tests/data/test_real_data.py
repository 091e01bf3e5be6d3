"""The whole of ../shared/data ingested: the facts DATA.md and basketball history fix."""

from __future__ import annotations

import pytest

from truestrength.base.targets import standings

pytestmark = pytest.mark.realdata

REGULAR_GAMES = {"2010-11": 1230, "2011-12": 990, "2012-13": 1229, "2013-14": 1230,
                 "2014-15": 1230, "2015-16": 1230, "2016-17": 1230, "2017-18": 1230,
                 "2018-19": 1230, "2019-20": 1059, "2020-21": 1080, "2021-22": 1230,
                 "2022-23": 1230, "2023-24": 1230}
CHAMPIONS = {"2015-16": "CLE", "2016-17": "GSW", "2017-18": "GSW", "2018-19": "TOR",
             "2019-20": "LAL", "2020-21": "MIL", "2021-22": "GSW", "2022-23": "DEN",
             "2023-24": "BOS"}


def test_games_per_season_match_data_md(real_store):
    got = real_store.query("SELECT season, count(*) AS n FROM games WHERE kind = 'regular' "
                           "GROUP BY season").set_index("season")["n"].to_dict()
    assert got == REGULAR_GAMES
    cup = real_store.query("SELECT kind, count(*) AS n, bool_and(counts_for_standings) AS c "
                           "FROM games WHERE is_cup GROUP BY kind ORDER BY kind")
    assert cup.to_dict("list") == {"kind": ["cup_final", "regular"], "n": [1, 2],
                                   "c": [False, True]}


def test_player_rows_per_season(real_store):
    got = real_store.query("SELECT season, count(*) AS n FROM player_game_logs GROUP BY season"
                           ).set_index("season")["n"].to_dict()
    assert got["2022-23"] == 25895 and got["2019-20"] == 22393 and len(got) == 9
    # every player-log game is a games-file game (no game known from player logs only)
    assert set(real_store.query("SELECT DISTINCT source FROM games")["source"]) == {"games_file"}


@pytest.mark.parametrize("season,n", [(s, 82) for s in ("2015-16", "2016-17", "2017-18",
                                      "2018-19", "2021-22", "2022-23", "2023-24")]
                         + [("2020-21", 72)])
def test_every_team_plays_its_standings_games(real_league, season, n):
    table = standings(real_league, season)
    assert len(table) == 30
    assert set(table["games"]) == {n}


def test_2022_23_conference_leaders(real_league):
    table = standings(real_league, "2022-23")
    first = table[table["conference_rank"] == 1].set_index("conference")
    assert (first.loc["E", "abbreviation"], first.loc["E", "wins"],
            first.loc["E", "losses"]) == ("MIL", 58, 24)
    assert (first.loc["W", "abbreviation"], first.loc["W", "wins"],
            first.loc["W", "losses"]) == ("DEN", 53, 29)


def test_playoffs_sixteen_teams_fifteen_series_and_champions(real_store):
    series = real_store.query("""
        SELECT s.season, s.round, s.team_a, s.team_b, s.wins_a, s.wins_b, t.abbreviation AS w
        FROM playoff_series s JOIN team_seasons t ON t.team_id = s.winner_id
                                                 AND t.season = s.season""")
    for season, champ in CHAMPIONS.items():
        sub = series[series["season"] == season]
        assert len(sub) == 15, season
        assert sub.groupby("round").size().to_dict() == {1: 8, 2: 4, 3: 2, 4: 1}, season
        assert len(set(sub["team_a"]) | set(sub["team_b"])) == 16, season
        assert (sub[["wins_a", "wins_b"]].max(axis=1) == 4).all(), season
        assert sub.loc[sub["round"] == 4, "w"].item() == champ, season


def test_conferences_and_renames(real_store):
    ts = real_store.query("SELECT season, abbreviation, conference FROM team_seasons")
    assert (ts.groupby(["season", "conference"]).size() == 15).all()
    nets = ts[ts["abbreviation"].isin(["NJN", "BKN"])].set_index("season")["abbreviation"]
    assert nets["2011-12"] == "NJN" and nets["2012-13"] == "BKN"


def test_bubble_games_are_neutral(real_store):
    g = real_store.query("""SELECT game_date >= DATE '2020-07-30' AS bubble, kind,
                                   bool_and(neutral_site) AS all_n, bool_or(neutral_site) AS any_n
                            FROM games WHERE season = '2019-20' GROUP BY ALL ORDER BY ALL""")
    assert (g["bubble"] == g["all_n"]).all() and (g["bubble"] == g["any_n"]).all()
    assert set(g.loc[g["bubble"], "kind"]) == {"regular", "play_in", "playoff"}
