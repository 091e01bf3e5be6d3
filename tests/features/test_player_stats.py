"""SeasonIndex lookups: strictly before the day, team windows, league-state ids."""

from __future__ import annotations

import numpy as np

from features.league_factory import Game, Line, make_league
from truestrength.base.seasons import to_days
from truestrength.features.player_stats import C, SeasonIndex, regular_player_logs


def _index() -> SeasonIndex:
    games = [Game("2021-10-20", 1, 2, (Line(1, 1, min=30, pts=10), Line(2, 2))),
             Game("2021-10-22", 1, 2, (Line(1, 1, min=20, pts=4), Line(2, 2))),
             Game("2021-10-23", 1, 3, (Line(4, 1), Line(3, 3))),
             Game("2021-10-24", 1, 2, (Line(5, 1), Line(1, 2, min=10, pts=30), Line(2, 2)))]
    league = make_league(games)
    return SeasonIndex("2021-22", regular_player_logs(league.player_logs, league.games))


def test_player_state_is_strictly_before_the_day() -> None:
    idx = _index()
    days = to_days(["2021-10-20", "2021-10-22", "2021-10-23", "2021-10-24", "2021-10-25"])
    st = idx.player_state(np.full(5, 1), days, recent_games=1)
    assert st.n.tolist() == [0, 1, 2, 2, 3]
    assert st.season[:, C["pts"]].tolist() == [0, 10, 14, 14, 44]
    assert st.recent[:, C["pts"]].tolist() == [0, 10, 4, 4, 30]
    assert st.team.tolist() == [-1, 1, 1, 1, 2]  # moved to team 2 on the 24th
    unknown = idx.player_state(np.array([99]), days[-1:], 1)
    assert unknown.n.tolist() == [0] and unknown.team.tolist() == [-1]


def test_team_games_and_player_team_window() -> None:
    idx = _index()
    g, total, recent = idx.team_games(np.array([1, 1, 2]), to_days(
        ["2021-10-23", "2021-10-25", "2021-10-25"]), window=2)
    assert g.tolist() == [2, 4, 3]
    # Team minutes per game are the players' minutes floored at 240.
    assert total.tolist() == [480.0, 960.0, 720.0] and recent.tolist() == [480.0, 480.0, 480.0]
    n, minutes = idx.player_team_window(np.array([1, 1]), np.array([1, 2]), np.array([1, 1]),
                                        np.array([3, 3]))
    assert n.tolist() == [1, 1] and minutes.tolist() == [20.0, 10.0]


def test_rows_before_identifies_league_states() -> None:
    idx = _index()
    states = idx.rows_before(to_days(["2021-10-20", "2021-10-21", "2021-10-22", "2021-10-30"]))
    assert states.tolist() == [0, 2, 2, 9]
