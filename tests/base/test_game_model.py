"""The game-probability model's fallback when ratings cannot order teams."""

from __future__ import annotations

import numpy as np
import pytest

from truestrength.base.game_model import fit_logistic_win_model, fit_win_model_or_home_edge


def test_no_rating_spread_learns_only_the_home_edge():
    won = np.array([1, 1, 1, 0, 1, 0])
    neutral = np.array([False, False, False, False, True, True])
    m = fit_win_model_or_home_edge(np.zeros(6), won, neutral)
    assert m.slope == 0.0 and m.n_games == 6
    assert m.home_advantage == pytest.approx(np.log(0.75 / 0.25))  # 3 of 4 home games won
    assert fit_win_model_or_home_edge(np.zeros(2), [1, 0], [True, True]).home_advantage == 0.0


def test_with_spread_it_is_the_logistic_fit():
    rng = np.random.default_rng(0)
    d = rng.normal(size=400)
    won = rng.uniform(size=400) < 1 / (1 + np.exp(-(0.3 + d)))
    neutral = np.zeros(400, bool)
    assert fit_win_model_or_home_edge(d, won, neutral) == fit_logistic_win_model(d, won, neutral)
