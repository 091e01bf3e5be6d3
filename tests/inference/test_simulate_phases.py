"""The simulator's per-game probabilities and separate postseason model (strengths that
change during the season): defaults keep today's results, and each input does what it says.
The spreading of an expected schedule's games over the days left."""

from __future__ import annotations

import numpy as np
import pandas as pd

from inference.test_simulate import TEAMS, mid_state, random_model
from truestrength.base.config import SimulationSection
from truestrength.inference.predict import spread_dates
from truestrength.inference.simulate import simulate_outcomes

CFG = SimulationSection(n_sims=2000, seed=3)


def test_the_model_own_probabilities_give_the_same_outcomes():
    state, wp = mid_state(), random_model()
    rem = state.remaining
    p = wp(rem["home_team_id"].to_numpy(), rem["road_team_id"].to_numpy(),
           rem["neutral_site"].to_numpy())
    a = simulate_outcomes(state, wp, CFG)
    b = simulate_outcomes(state, wp, CFG, remaining_p=p, postseason_win_prob=wp)
    for name in ("wins", "seed", "reached"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_remaining_p_decides_the_regular_season_and_the_other_model_the_postseason():
    state, wp = mid_state(), random_model()
    rem = state.remaining
    home_wins = simulate_outcomes(state, wp, CFG, remaining_p=np.ones(len(rem)))
    want = state.wins + np.bincount(np.searchsorted(TEAMS, rem["home_team_id"]), minlength=30)
    assert (home_wins.wins == want).all()
    # the postseason model alone: a team that wins every postseason game wins every title
    best = TEAMS[4]

    def post(home, road, neutral, b2b=None):
        return np.where(home == best, 1.0, np.where(road == best, 0.0, 0.5))

    got = simulate_outcomes(state, wp, CFG, postseason_win_prob=post)
    made = got.reached[:, 4] >= 1
    assert made.any()
    assert (got.reached[made, 4] == 5).all()
    np.testing.assert_array_equal(got.wins, simulate_outcomes(state, wp, CFG).wins)


def test_expected_schedule_dates_are_spread_evenly_in_order():
    d = spread_dates(10, pd.Timestamp("2031-02-01"), pd.Timestamp("2031-02-05"))
    assert d.min() == pd.Timestamp("2031-02-01") and d.max() <= pd.Timestamp("2031-02-05")
    assert d.is_monotonic_increasing
    assert pd.Series(d).value_counts().tolist() == [2] * 5
    assert len(spread_dates(0, pd.Timestamp("2031-02-01"), pd.Timestamp("2031-02-01"))) == 0


def test_expected_season_end_is_last_seasons_end_a_year_on_else_the_setting():
    from features.league_factory import Game, Line, make_league
    from truestrength.base.config import AvailabilitySection
    from truestrength.inference.predict import expected_season_end

    lg = make_league([Game("2021-10-20", 1, 2, (Line(1, 1), Line(2, 2))),
                      Game("2022-04-10", 1, 2, (Line(1, 1), Line(2, 2)))])
    cfg = AvailabilitySection()
    assert expected_season_end(lg, "2022-23", pd.Timestamp("2023-01-10"), cfg) == pd.Timestamp(
        "2023-04-10")
    assert expected_season_end(lg, "2020-21", pd.Timestamp("2021-01-10"), cfg) == pd.Timestamp(
        "2021-04-12")
    # never before the prediction date
    assert expected_season_end(lg, "2022-23", pd.Timestamp("2023-04-20"), cfg) == pd.Timestamp(
        "2023-04-20")
