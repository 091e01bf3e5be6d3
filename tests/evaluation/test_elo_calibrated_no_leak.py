"""elo_calibrated in the backtest: its refit sees no game of the season it predicts.

A spy on the refit records every games frame it was handed; the probabilities the backtest
scored on a test season's first days must be those of a refit on the earlier seasons alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.app.predictors import predictor_factories
from truestrength.base import ratings
from truestrength.base.config import BacktestSection, Config, EloSection, SimulationSection
from truestrength.evaluation.backtest import backtest
from truestrength.models import baselines


def test_refit_never_sees_the_test_season(synth_league, monkeypatch):
    data = synth_league
    test = data.seasons[-1]
    prior = data.seasons_before(test)
    start = data.games.loc[data.games["season"] == test, "game_date"].min()
    seen = []
    real = baselines.calibrate_elo

    def spy(games, seasons, config=None):
        seen.append((set(games["season"]), games["game_date"].max(), list(seasons)))
        return real(games, seasons, config)

    monkeypatch.setattr(baselines, "calibrate_elo", spy)
    result = backtest(data, predictor_factories(["elo_calibrated"], Config()),
                      BacktestSection(test_seasons=[test], n_boot=100),
                      SimulationSection(n_sims=200), progress=False)
    assert len(seen) == 1
    seasons, last_date, fit_on = seen[0]
    assert test not in seasons and seasons == set(prior)
    assert last_date < start
    assert fit_on == prior[-2:]

    # The first week's probabilities: the refit on earlier seasons only, applied to Elo
    # ratings from games before each date.
    model = real(data.restrict_seasons(prior).games, prior[-2:])
    scored = result.games[result.games["predictor"] == "elo_calibrated"]
    week = data.games[(data.games["season"] == test)
                      & (data.games["game_date"] < start + pd.Timedelta(days=7))]
    assert len(week) > 20
    expected = []
    for date, day in week.groupby("game_date", sort=True):
        r = ratings.elo_ratings_before(data.games, date, test).reindex(
            data.teams_of_season(test)).fillna(EloSection().initial)
        diff = r.reindex(day["home_team_id"]).to_numpy() - r.reindex(day["road_team_id"]).to_numpy()
        expected.append(pd.Series(model.predict_proba(diff, day["neutral_site"].to_numpy()),
                                  index=day["game_id"].to_numpy()))
    want = pd.concat(expected)
    got = scored.set_index("game_id")["p_home"].reindex(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
