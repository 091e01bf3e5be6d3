"""The RAPM ridge (features.player_rapm.fit_rapm) on a league whose margins are made exactly
from chosen player values and a home edge, with minutes that vary from game to game so that
teammates separate: a tiny penalty must give back those values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from features.rapm_league import HOME, league
from truestrength.base.config import RapmSection
from truestrength.features.player_rapm import fit_rapm, refit_date


def test_ridge_recovers_the_player_values_and_home_edge_margins_were_made_from():
    data, value = league()
    at = data.games["game_date"].max() + pd.Timedelta(days=1)
    fit = fit_rapm(data.games, data.player_logs, at, RapmSection(alpha=1e-4))
    assert fit.n_games == len(data.games)
    # Adding the same number to every player moves no margin (each side's shares sum to 5),
    # so values are known only up to the league's level: the ridge puts its mean at 0.
    coef = fit.coef.reindex(value.index).to_numpy()
    assert abs(coef.mean()) < 1e-3 < abs(value.mean())
    np.testing.assert_allclose(coef, value.to_numpy() - value.mean(), atol=1e-3)
    assert fit.home == pytest.approx(HOME, abs=1e-3)


def test_a_strong_penalty_shrinks_values_towards_zero_but_keeps_their_order():
    data, value = league(noise=6.0)
    at = data.games["game_date"].max() + pd.Timedelta(days=1)
    weak = fit_rapm(data.games, data.player_logs, at, RapmSection(alpha=1.0))
    strong = fit_rapm(data.games, data.player_logs, at, RapmSection(alpha=30.0))
    assert np.abs(strong.coef).sum() < 0.6 * np.abs(weak.coef).sum()
    # The order survives noise of half an NBA margin's spread.
    rho = pd.Series(strong.coef).reindex(value.index).rank().corr(value.rank())
    assert rho > 0.75
    # Home court is not penalised: it stays near the truth however strong the penalty.
    assert strong.home == pytest.approx(HOME, abs=0.5)


def test_ridge_equals_sklearn_ridge_with_the_decay_as_sample_weight():
    # All neutral: no home column, so sklearn's Ridge (which would penalise it) is the same
    # problem; the weights must be 0.5 ** (age / half-life).
    data, _ = league(neutral_rate=1.0, noise=8.0, days=20)
    at = data.games["game_date"].max() + pd.Timedelta(days=3)
    section = RapmSection(alpha=7.0, half_life_years=0.5)
    fit = fit_rapm(data.games, data.player_logs, at, section)
    logs = data.player_logs
    team_min = logs.groupby(["game_id", "team_id"])["minutes"].transform("sum")
    home = logs["team_id"].to_numpy() == data.games.set_index("game_id").loc[
        logs["game_id"], "home_team_id"].to_numpy()
    x = (5 * logs["minutes"] / team_min * np.where(home, 1, -1)).to_numpy()
    X = pd.DataFrame({"g": logs["game_id"], "p": logs["player_id"], "x": x}).pivot_table(
        index="g", columns="p", values="x", fill_value=0.0).reindex(data.games["game_id"])
    age = (at - data.games["game_date"]).dt.days.to_numpy()
    ridge = Ridge(alpha=7.0, fit_intercept=False).fit(
        X.to_numpy(), (data.games["home_pts"] - data.games["road_pts"]).to_numpy(),
        sample_weight=0.5 ** (age / (365.25 * 0.5)))
    np.testing.assert_allclose(fit.coef.reindex(X.columns).to_numpy(), ridge.coef_, atol=1e-8)
    assert fit.home == 0.0


def test_refits_on_the_monday_of_each_week():
    assert refit_date(pd.Timestamp("2018-10-16"), 7) == pd.Timestamp("2018-10-15")  # Tue
    assert refit_date(pd.Timestamp("2018-10-21"), 7) == pd.Timestamp("2018-10-15")  # Sun
    assert refit_date(pd.Timestamp("2018-10-22"), 7) == pd.Timestamp("2018-10-22")  # Mon
    assert refit_date(pd.Timestamp("2018-10-21"), 1) == pd.Timestamp("2018-10-21")


def _with_box(data, value: pd.Series):
    """The league with a box score in which a player's assists per 36 minutes are exactly
    5 + his value, and every other stat is 0."""
    logs = data.player_logs.copy()
    for c in ("pts", "fga", "fgm", "fta", "ftm", "fg3m", "oreb", "dreb", "stl", "blk", "tov",
              "pf"):
        logs[c] = 0.0
    logs["ast"] = (5 + value.reindex(logs["player_id"]).to_numpy()) * logs["minutes"] / 36
    return logs


def test_the_box_prior_carries_what_the_box_score_says_through_a_strong_penalty():
    data, value = league(noise=6.0)
    logs = _with_box(data, value)
    at = data.games["game_date"].max() + pd.Timedelta(days=1)
    plain = fit_rapm(data.games, logs, at, RapmSection(alpha=1000.0, box_prior=False))
    prior = fit_rapm(data.games, logs, at,
                     RapmSection(alpha=1000.0, box_prior=True, box_prior_minutes=0.0))
    truth = value.to_numpy() - value.mean()
    # shrunk to 0 by the penalty without it; with it, the box score's line is fitted free
    assert np.abs(plain.coef.reindex(value.index)).max() < 0.5 * np.abs(truth).max()
    slope, _ = np.polyfit(truth, prior.coef.reindex(value.index).to_numpy(), 1)
    assert slope == pytest.approx(1.0, abs=0.05)
    assert np.corrcoef(truth, prior.coef.reindex(value.index))[0, 1] > 0.99
    assert prior.home == pytest.approx(HOME, abs=0.5)
    # off, the box score is not read: the same fit as on rows without it
    again = fit_rapm(data.games, data.player_logs.drop(columns="ast"), at,
                     RapmSection(alpha=1000.0, box_prior=False))
    np.testing.assert_array_equal(plain.coef.to_numpy(), again.coef.to_numpy())


def test_the_box_prior_names_a_box_score_it_cannot_read():
    from truestrength.base.errors import DataError

    data, value = league()
    at = data.games["game_date"].max() + pd.Timedelta(days=1)
    with pytest.raises(DataError, match=r"box-score prior needs .*'ast'"):
        fit_rapm(data.games, _with_box(data, value).drop(columns="ast"), at,
                 RapmSection(box_prior=True))
    logs = _with_box(data, value)
    logs.loc[logs.index[3], "tov"] = np.nan
    with pytest.raises(DataError, match=f"game {logs.loc[logs.index[3], 'game_id']} player .*"
                                        "field tov is nan"):
        fit_rapm(data.games, logs, at, RapmSection(box_prior=True))
