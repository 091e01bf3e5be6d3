"""Game rosters: who played each game, by minutes played, with features from before the game."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import RosterSection
from truestrength.base.errors import DataError
from truestrength.features.game_rosters import build_game_rosters
from truestrength.features.roster import build_snapshots

from .league_factory import Game, Line, make_league

S1, S2 = "2021-22", "2022-23"
CFG = RosterSection(cache_dir=None)


def _two_seasons() -> list[Game]:
    s1 = [Game("2021-10-20", 1, 2, (Line(1, 1, min=30, pts=20), Line(2, 1, min=20),
                                    Line(3, 2, min=35), Line(4, 2, min=10))),
          Game("2021-10-21", 3, 4, (Line(5, 3), Line(6, 4))),
          Game("2021-10-24", 2, 1, (Line(1, 1, min=32, pts=30), Line(2, 1, min=12),
                                    Line(3, 2, min=30), Line(4, 2, min=25))),
          Game("2021-10-25", 1, 3, (Line(1, 1, min=36), Line(5, 3, min=30)))]
    s2 = [Game("2022-10-20", 1, 2, (Line(1, 1, min=34), Line(9, 1, min=20),  # 9: rookie
                                    Line(3, 2, min=30))),
          Game("2022-10-22", 3, 1, (Line(5, 3, min=30), Line(2, 3, min=25),  # 2: traded
                                    Line(1, 1, min=30), Line(9, 1, min=22)))]
    return s1 + s2


def _side(gr, game: int, home: bool):
    return 2 * game + (0 if home else 1)


def test_sides_are_who_played_by_minutes_with_margin_and_keys() -> None:
    gr = build_game_rosters(make_league(_two_seasons()), [S1], CFG)
    g = gr.games
    # 10-20 (1 v 2) and 10-21 (3 v 4), first games of the first season: nobody has a game
    # before them, so no side has a player with pre-game features -> dropped.
    assert gr.dropped_games == 2
    assert g["game_id"].tolist() == sorted(g["game_id"]) and len(g) == 2
    r = gr.sides
    i = _side(gr, 0, home=True)  # 2021-10-24, home team 2
    assert r.keys.loc[i, "team_id"] == 2 and g.loc[0, "home_id"] == 2
    # By minutes played in that game (30, 25), not by earlier minutes (35, 10).
    assert r.player_ids[i][:2].tolist() == [3, 4]
    np.testing.assert_allclose(r.minutes[i][:2], [30, 25])
    assert not r.mask[i][2:].any()


@pytest.mark.parametrize("cfg", [CFG, RosterSection(cache_dir=None, recent_games=1)])
def test_features_equal_the_forecast_snapshot_on_the_game_date(cfg) -> None:
    league = make_league(_two_seasons())
    gr = build_game_rosters(league, [S1], cfg)
    snaps = build_snapshots(league, [S1], cfg, dates=["2021-10-24", "2021-10-25"])
    for gi in range(len(gr)):
        date, home = gr.games.loc[gi, "date"], gr.games.loc[gi, "home_id"]
        srow = np.flatnonzero((snaps.keys["date"] == date) & (snaps.keys["team_id"] == home))[0]
        side = _side(gr, gi, True)
        for slot, pid in enumerate(gr.sides.player_ids[side]):
            if not gr.sides.mask[side, slot]:
                continue
            s = list(snaps.player_ids[srow]).index(pid)
            np.testing.assert_array_equal(gr.sides.x[side, slot], snaps.x[srow, s])


def test_the_game_itself_and_later_games_do_not_enter_its_features() -> None:
    games = _two_seasons()
    base = build_game_rosters(make_league(games), [S1], CFG)
    changed = list(games)
    # Game 2 (2021-10-24) and everything after it: different box scores.
    for k in (2, 3):
        changed[k] = dataclasses.replace(games[k], lines=tuple(
            dataclasses.replace(ln, pts=ln.pts + 17, ast=ln.ast + 5) for ln in games[k].lines))
    other = build_game_rosters(make_league(changed), [S1], CFG)
    i = _side(base, 0, True)
    np.testing.assert_array_equal(base.sides.x[i], other.sides.x[i])
    # Two lines a side, +17 points each: the margin itself is unchanged.
    assert other.games.loc[0, "margin"] == base.games.loc[0, "margin"]


def test_traded_player_rookie_and_previous_season_features() -> None:
    league = make_league(_two_seasons())
    gr = build_game_rosters(league, [S2], CFG)
    assert gr.dropped_games == 0 and len(gr) == 2
    # 2022-10-20, team 1: player 1 from his previous-season features; rookie 9 has no
    # pre-game information and is left out.
    i = _side(gr, 0, True)
    assert gr.sides.player_ids[i][gr.sides.mask[i]].tolist() == [1]
    assert bool(gr.sides.keys.loc[i, "from_previous_season"])
    prev_end = build_snapshots(league, [S1], CFG, dates=["2021-10-26"])
    prow = np.flatnonzero(prev_end.keys["team_id"] == 1)[0]
    np.testing.assert_array_equal(
        gr.sides.x[i, 0], prev_end.x[prow, list(prev_end.player_ids[prow]).index(1)])
    # 2022-10-22, team 3 at home: player 2 (team 1 last season, no 2022-23 game yet) carries
    # his previous-season features; the rookie now has one game and is in team 1's set.
    j = _side(gr, 1, True)
    assert sorted(gr.sides.player_ids[j][gr.sides.mask[j]].tolist()) == [2, 5]
    assert 9 in gr.sides.player_ids[_side(gr, 1, False)]
    tk = gr.team_keys()
    assert tk.loc[j, "team_id"] == 3 and tk.loc[j, "opponent"] == 1 and tk.loc[j, "is_home"]
    assert tk.loc[j + 1, "margin"] == -tk.loc[j, "margin"]


def test_margin_sign_and_back_to_backs() -> None:
    gr = build_game_rosters(make_league(_two_seasons()), [S1], CFG)
    g = gr.games.set_index("game_id")
    league = make_league(_two_seasons())
    sg = league.standings_games(S1).set_index("game_id")
    for gid, row in g.iterrows():
        assert row["margin"] == sg.loc[gid, "home_pts"] - sg.loc[gid, "road_pts"]
    # 2021-10-24 (2 v 1): both teams last played 10-20; 2021-10-25 (1 v 3): team 1 played
    # the night before (back-to-back), team 3 on 10-21. The flags are LeagueData's own.
    assert g["home_b2b"].tolist() == [False, True]
    assert g["road_b2b"].tolist() == [False, False]
    assert g["home_b2b"].tolist() == sg.loc[g.index, "home_b2b"].tolist()


def test_on_court_is_plus_minus_beyond_the_share_of_the_margin() -> None:
    # 2021-10-24, team 2 at home beats team 1 by 4 (2 lines a side: 10 + 10 v 10 + ... ):
    # player 3 (30 of team 2's 55 minutes) is +14, player 4 (25) is +6: shares of 5 * 4 = 20
    # are 10.909 and 9.091, so he is +3.091 beyond his share and player 4 -3.091.
    g = [Game("2021-10-20", 1, 2, (Line(1, 1, min=30), Line(3, 2, min=30))),
         Game("2021-10-24", 2, 1, (Line(1, 1, min=40, pts=16, pm=-12),
                                   Line(2, 1, min=8, pts=0, pm=-8),
                                   Line(3, 2, min=30, pts=10, pm=14),
                                   Line(4, 2, min=25, pts=10, pm=6)))]
    gr = build_game_rosters(make_league(g), [S1], CFG)
    assert len(gr) == 1 and gr.games.loc[0, "margin"] == 4
    home, road = gr.on_court[0], gr.on_court[1]
    # Player 4 and player 2 have no game before: out of the sets, but their minutes still
    # count in the side's total.
    assert gr.sides.player_ids[0][gr.sides.mask[0]].tolist() == [3]
    np.testing.assert_allclose(home[gr.sides.mask[0]], [14 - 20 * 30 / 55], rtol=1e-6)
    np.testing.assert_allclose(road[gr.sides.mask[1]], [-12 + 20 * 40 / 48], rtol=1e-6)
    assert not home[~gr.sides.mask[0]].any()
    sub = gr.select(np.array([0]))
    np.testing.assert_array_equal(sub.on_court, gr.on_court)


def test_top_players_by_minutes_only() -> None:
    lines = tuple(Line(p, 1, min=float(p)) for p in range(1, 8)) + (Line(20, 2),)
    games = [Game("2021-10-20", 1, 2, lines), Game("2021-10-22", 1, 2, lines)]
    gr = build_game_rosters(make_league(games), [S1], RosterSection(cache_dir=None,
                                                                     max_players=3))
    assert gr.sides.player_ids[0].tolist() == [7, 6, 5]
    np.testing.assert_allclose(gr.sides.minutes[0], [7, 6, 5])


def test_no_game_with_players_is_a_clear_error() -> None:
    games = [Game("2021-10-20", 1, 2, (Line(1, 1), Line(2, 2)))]
    with pytest.raises(DataError, match="no standings game"):
        build_game_rosters(make_league(games), [S1], CFG)


def test_select_keeps_home_and_road_together() -> None:
    gr = build_game_rosters(make_league(_two_seasons()), [S2], CFG)
    sub = gr.select(np.array([1]))
    assert len(sub) == 1 and len(sub.sides) == 2
    np.testing.assert_array_equal(sub.sides.x, gr.sides.x[2:4])
    assert sub.games.loc[0, "game_id"] == gr.games.loc[1, "game_id"]
    assert isinstance(sub.games, pd.DataFrame)
