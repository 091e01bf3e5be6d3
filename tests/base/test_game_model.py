"""The game-probability model's fallback when ratings cannot order teams."""

from __future__ import annotations

import numpy as np
import pytest

from truestrength.base.game_model import (
    LogisticWinModel,
    fit_logistic_win_model,
    fit_win_model_or_home_edge,
)


def test_no_rating_spread_learns_only_the_home_edge():
    won = np.array([1, 1, 1, 0, 1, 0])
    neutral = np.array([False, False, False, False, True, True])
    m = fit_win_model_or_home_edge(np.zeros(6), won, neutral)
    assert m.slope == 0.0 and m.n_games == 6
    # 3 of 4 home games won (a logistic fit now, to the solver's tolerance)
    assert m.home_advantage == pytest.approx(np.log(0.75 / 0.25), abs=1e-3)
    assert fit_win_model_or_home_edge(np.zeros(2), [1, 0], [True, True]).home_advantage == 0.0


def test_no_rating_spread_still_learns_back_to_backs():
    # Home teams win 3 of 4 rested and 1 of 4 on the second night of a back-to-back.
    won = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    b2b = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    m = fit_win_model_or_home_edge(np.zeros(8), won, np.zeros(8, bool), b2b)
    assert m.slope == 0.0
    assert m.home_advantage == pytest.approx(np.log(3), abs=1e-3)
    assert m.home_advantage + m.back_to_back == pytest.approx(np.log(1 / 3), abs=1e-3)


def test_with_spread_it_is_the_logistic_fit():
    rng = np.random.default_rng(0)
    d = rng.normal(size=400)
    won = rng.uniform(size=400) < 1 / (1 + np.exp(-(0.3 + d)))
    neutral = np.zeros(400, bool)
    assert fit_win_model_or_home_edge(d, won, neutral) == fit_logistic_win_model(d, won, neutral)


def test_the_back_to_back_term_is_fitted_and_applied():
    rng = np.random.default_rng(0)
    n = 40_000
    diff = rng.normal(size=n)
    b2b = rng.choice([-1, 0, 0, 1], n)
    z = 0.3 + 0.8 * diff - 0.25 * b2b
    won = rng.random(n) < 1 / (1 + np.exp(-z))
    m = fit_logistic_win_model(diff, won, np.zeros(n, bool), b2b)
    assert m.back_to_back == pytest.approx(-0.25, abs=0.04)
    assert m.slope == pytest.approx(0.8, abs=0.04)
    p_rested, p_tired = m.predict_proba([0.0, 0.0], [False, False], [0, 1])
    assert p_tired < p_rested == pytest.approx(1 / (1 + np.exp(-m.home_advantage)))
    # no back-to-back anywhere: the term is 0, not fitted on a constant column
    assert fit_logistic_win_model(diff, won, None, np.zeros(n)).back_to_back == 0.0
    # a model saved before the term existed loads without it
    old = {"home_advantage": 0.3, "slope": 0.8, "n_games": 10}
    assert LogisticWinModel.from_dict(old).back_to_back == 0.0
    assert LogisticWinModel.from_dict(m.to_dict()) == m
