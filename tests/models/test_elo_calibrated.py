"""elo_calibrated: Elo's logit slope and home edge refitted on the seasons before.

Known answers: games drawn from a logistic model of the pre-game Elo difference with a chosen
slope and home edge, away from Elo's own (ln 10 / 400 per point, 100 points at home); the refit
must find the chosen ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from truestrength.base import ratings
from truestrength.base.config import BacktestSection, Config, EloSection
from truestrength.base.errors import DataError, ModelError, NotFittedError
from truestrength.models.baselines import (
    BASELINES,
    Elo,
    EloCalibrated,
    calibrate_elo,
    make_baseline,
)

SEASONS = ("2010-11", "2011-12", "2012-13")
ELO_SLOPE = math.log(10) / 400  # Elo's own log-odds per rating point
ELO_HOME = 100 * ELO_SLOPE


def simulate(home: float, slope: float, *, seed: int = 0, neutral_rate: float = 0.05,
             n_teams: int = 30, days: int = 150, per_day: int = 14) -> pd.DataFrame:
    """A games frame whose home team wins with sigmoid(home * (not neutral) + slope * d), d the
    pre-game Elo difference. Elo is updated online here exactly as ``ratings.elo_history``
    does it (checked in the test), so d is the difference the refit will read."""
    rng = np.random.default_rng(seed)
    c = EloSection()
    r = np.full(n_teams, c.initial)
    rows = []
    for si, season in enumerate(SEASONS):
        if si:
            r = c.mean + c.carryover * (r - c.mean)
        start = pd.Timestamp(f"{2010 + si}-10-20")
        for day in range(days):
            teams = rng.permutation(n_teams)[: 2 * per_day]
            for h, t in zip(teams[::2], teams[1::2], strict=True):
                neutral = bool(rng.random() < neutral_rate)
                d = r[h] - r[t]
                won = rng.random() < 1 / (1 + math.exp(-(home * (not neutral) + slope * d)))
                m = int(rng.integers(1, 25)) * (1 if won else -1)
                e = d + (0.0 if neutral else c.home_advantage)
                p_elo = 1 / (1 + 10 ** (-e / 400))
                mult = (abs(m) + 3) ** 0.8 / (7.5 + 0.006 * (e if m > 0 else -e))
                delta = c.k * mult * (float(m > 0) - p_elo)
                rows.append((f"g{len(rows):06d}", season, start + pd.Timedelta(days=day),
                             "regular", 100 + int(h), 100 + int(t), 100 + max(m, 0),
                             100 + max(-m, 0), neutral, True, d))
                r[h] += delta
                r[t] -= delta
    return pd.DataFrame(rows, columns=["game_id", "season", "game_date", "kind", "home_team_id",
                                       "road_team_id", "home_pts", "road_pts", "neutral_site",
                                       "counts_for_standings", "elo_diff"])


@pytest.mark.parametrize(("home", "slope", "neutral_rate"), [
    (0.30, 0.0035, 0.05),   # flatter than Elo, a smaller home edge
    (0.80, 0.0080, 0.05),   # steeper than Elo, a larger home edge
    (0.30, 0.0035, 0.50),   # half the games neutral: they must carry no home edge
])
def test_refit_recovers_the_slope_and_home_edge_games_were_drawn_with(home, slope,
                                                                      neutral_rate):
    games = simulate(home, slope, neutral_rate=neutral_rate)
    hist = ratings.elo_history(games, EloSection()).set_index("game_id").loc[games["game_id"]]
    # the simulation's differences are the ones Elo itself computes from these games
    np.testing.assert_allclose((hist["elo_home"] - hist["elo_road"]).to_numpy(),
                               games["elo_diff"].to_numpy(), atol=1e-6)
    model = calibrate_elo(games.drop(columns="elo_diff"), list(SEASONS[1:]))
    assert model.n_games == (games["season"] != SEASONS[0]).sum()
    # ~4 standard errors at these sample sizes (0.0004 and 0.04 over eight seeds), and in
    # every case further than that from Elo's own slope and home edge
    assert model.slope == pytest.approx(slope, abs=0.0015)
    assert model.home_advantage == pytest.approx(home, abs=0.15)
    assert abs(ELO_SLOPE - slope) > 0.0015 and abs(ELO_HOME - home) > 0.15


def test_only_the_named_seasons_are_fitted_on():
    # The first season's games drawn with another model: fitting on the last two must not
    # notice them, fitting on all three must.
    late = simulate(0.30, 0.0035)
    early = simulate(0.80, 0.0120, seed=1)
    games = pd.concat([early[early["season"] == SEASONS[0]], late[late["season"] != SEASONS[0]]])
    games = games.drop(columns="elo_diff").reset_index(drop=True)
    two = calibrate_elo(games, list(SEASONS[1:]))
    assert two.n_games == (games["season"] != SEASONS[0]).sum()
    alone = calibrate_elo(games[games["season"] != SEASONS[0]], list(SEASONS[1:]))
    # Elo still runs from the first season (ratings settle), so the two fits differ a little
    assert two.slope != alone.slope
    with pytest.raises(ModelError, match="no games in the fit seasons"):
        calibrate_elo(games, ["2030-31"])


def test_a_team_twice_on_one_date_is_a_data_error():
    games = simulate(0.3, 0.0035, days=3).drop(columns="elo_diff")
    dup = games.iloc[[0]].assign(game_id="dup", home_team_id=games["home_team_id"].iloc[0],
                                 road_team_id=games["road_team_id"].iloc[1])
    with pytest.raises(DataError, match="plays twice"):
        calibrate_elo(pd.concat([games, dup], ignore_index=True), list(SEASONS))


def test_predictor_scores_are_elos_and_probabilities_the_refit_logistic(synth_league):
    data = synth_league
    test = data.seasons[-1]
    history = data.restrict_seasons(data.seasons_before(test))
    calibrated = make_baseline("elo_calibrated", Config())
    assert isinstance(calibrated, EloCalibrated)
    with pytest.raises(NotFittedError):
        calibrated.predict(data.before(pd.Timestamp("2030-01-01")), test,
                           pd.Timestamp("2030-01-01"))
    calibrated.fit(history)
    model = calibrated.win_model
    assert model == calibrate_elo(history.games, history.seasons[-2:])
    day = data.games[data.games["season"] == test]["game_date"].sort_values().iloc[200]
    known = data.before(day)
    got = calibrated.predict(known, test, day)
    plain = Elo().predict(known, test, day)
    pd.testing.assert_series_equal(got.scores, plain.scores.rename("elo_calibrated"))
    home, road = got.scores.index[:2]
    d = got.scores[home] - got.scores[road]
    p = got.win_prob(np.array([home, home]), np.array([road, road]), np.array([False, True]))
    np.testing.assert_allclose(p, [1 / (1 + math.exp(-(model.home_advantage + model.slope * d))),
                                   1 / (1 + math.exp(-model.slope * d))])
    assert not np.allclose(p, plain.win_prob(np.array([home, home]), np.array([road, road]),
                                             np.array([False, True])))


def test_it_is_a_default_baseline_of_the_backtest():
    assert "elo_calibrated" in BASELINES
    assert "elo_calibrated" in BacktestSection().predictors


@pytest.mark.parametrize("name", ["elo", "elo_calibrated"])
def test_every_date_at_once_is_each_dates_prediction_from_the_games_before_it(synth_league,
                                                                              name):
    season = synth_league.seasons[2]
    elo = make_baseline(name, Config()).fit(synth_league.restrict_seasons(
        synth_league.seasons[:2]))
    g = synth_league.games[synth_league.games["season"] == season]
    dates = [pd.Timestamp(d) for d in sorted(g["game_date"].unique())[::15]]
    for date, got in zip(dates, elo.predict_dates(synth_league, season, dates), strict=True):
        want = elo.predict(synth_league.before(date), season, date)
        pd.testing.assert_series_equal(got.scores, want.scores, check_exact=True)
        day = g[g["game_date"] == date]
        args = (day["home_team_id"].to_numpy(), day["road_team_id"].to_numpy(),
                day["neutral_site"].to_numpy(bool))
        np.testing.assert_array_equal(got.win_prob(*args), want.win_prob(*args))
