"""LeagueData: back-to-backs marked on the games; derived state computed once per view and
key, a bounded number kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.base.league import LeagueData, back_to_backs


def test_derived_state_is_built_once_per_key_and_the_oldest_is_dropped():
    data = LeagueData({}, "hash")
    calls: list[str] = []

    def build(name: str):
        def make() -> str:
            calls.append(name)
            return name.upper()
        return make

    assert data.derived("a", build("a")) == "A"
    assert data.derived("a", build("a")) == "A"
    assert calls == ["a"]
    data.derived("b", build("b"))
    data.derived("a", build("a"))  # a used last: b is the oldest now
    data.derived("c", build("c"))  # over DERIVED_MAX = 2: b goes
    assert calls == ["a", "b", "c"]
    data.derived("a", build("a"))
    assert calls == ["a", "b", "c"]
    data.derived("b", build("b"))
    assert calls == ["a", "b", "c", "b"]
    # another view of the same store derives its own
    other = data.before(pd.Timestamp("2020-01-01"))
    other.derived("a", build("a"))
    assert calls[-1] == "a"


def _games(rows):
    return pd.DataFrame(rows, columns=["game_date", "home_team_id", "road_team_id"]).assign(
        game_date=lambda d: pd.to_datetime(d["game_date"]))


def test_back_to_backs_are_games_the_day_after_the_team_played():
    g = _games([("2030-11-01", 1, 2), ("2030-11-02", 3, 1), ("2030-11-02", 2, 4),
                ("2030-11-04", 1, 3), ("2030-11-05", 4, 1)])
    home, road = back_to_backs(g)
    # team 1 on 11-02 (played 11-01) and 11-05 (played 11-04); team 2 on 11-02; 3 and 4 never
    np.testing.assert_array_equal(home, [False, False, True, False, False])
    np.testing.assert_array_equal(road, [False, True, False, False, True])
    # a schedule's first night reads the eve from the games already played
    later = g.iloc[[3, 4]]
    home, road = back_to_backs(later.assign(game_date=later["game_date"] - pd.Timedelta(days=1)),
                               earlier=g.iloc[:3])
    np.testing.assert_array_equal(home, [True, False])  # team 1 on 11-03 after 11-02
    np.testing.assert_array_equal(road, [True, True])  # team 3 after 11-02, 1 after 11-03


def test_league_games_carry_back_to_back_flags_in_every_view():
    g = _games([("2030-11-01", 1, 2), ("2030-11-02", 2, 1)]).assign(
        season="2030-31", game_id=["a", "b"])
    data = LeagueData({"games": g}, "hash")
    assert data.games["road_b2b"].tolist() == [False, True]
    assert data.games["home_b2b"].tolist() == [False, True]
    # a view cut before the second game still sees the first's flags unchanged
    assert data.before(pd.Timestamp("2030-11-02")).games["home_b2b"].tolist() == [False]
