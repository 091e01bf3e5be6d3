"""rapm: plain player RAPM (models.rapm); the ridge itself is tested in
tests/features/test_rapm_fit.py on the same league (features/rapm_league.py). The forecast
at a date must not move when anything on or after that date changes, and must move when a
game before it does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.rapm_league import N_TEAMS, SEASONS, league
from truestrength.app.predictors import predictor_factories
from truestrength.base.config import BacktestSection, Config, RapmSection, SimulationSection
from truestrength.base.errors import DataError, NotFittedError
from truestrength.base.league import LeagueData
from truestrength.evaluation.backtest import backtest
from truestrength.models.baselines import BASELINES, make_baseline
from truestrength.models.rapm import (
    Rapm,
    available,
    fit_rapm,
    latest_shares,
    refit_date,
    rotation_states,
)


def test_rotation_is_the_share_of_the_last_five_games_minutes_times_five():
    data, _ = league(days=10)
    logs = data.player_logs
    states, shares = rotation_states(logs, 5)
    sums = shares.groupby(["team_id", "state"])["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 5.0)
    team = 100
    mine = logs[logs["team_id"] == team]
    last5 = mine["game_id"].drop_duplicates().iloc[-5:]
    want = mine[mine["game_id"].isin(last5)].groupby("player_id")["minutes"].sum()
    want = 5 * want / want.sum()
    got = latest_shares(logs, 5).query("team_id == @team").set_index("player_id")["share"]
    np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy())
    # the newest state of the full history is the same rotation
    newest = states[states["team_id"] == team]["state"].max()
    full = shares[(shares["team_id"] == team) & (shares["state"] == newest)]
    np.testing.assert_allclose(full.set_index("player_id")["share"].reindex(want.index),
                               want.to_numpy())


def _fitted(data: LeagueData, section: RapmSection | None = None) -> Rapm:
    return Rapm(section or RapmSection(alpha=1.0)).fit(data.restrict_seasons(
        list(SEASONS[:2])))


def _changed_from(data: LeagueData, date: pd.Timestamp) -> LeagueData:
    """``data`` with every game from ``date`` on turned round and its minutes reshuffled."""
    g = data.games.copy()
    later = (g["game_date"] >= date).to_numpy()
    g.loc[later, ["home_pts", "road_pts"]] = g.loc[later, ["road_pts", "home_pts"]].to_numpy() \
        + [[40.0, 0.0]]
    pl = data.player_logs.copy()
    pl_later = (pl["game_date"] >= date).to_numpy()
    pl.loc[pl_later, "minutes"] = pl.loc[pl_later, "minutes"].to_numpy()[::-1]
    return LeagueData({"games": g, "player_logs": pl, "team_seasons": data.team_seasons},
                      "changed")


def test_the_forecast_at_a_date_uses_only_games_before_it():
    data, _ = league(noise=6.0)
    model = _fitted(data)
    dates = sorted(data.games.loc[data.games["season"] == SEASONS[2], "game_date"].unique())
    d = pd.Timestamp(dates[20])
    base = model.predict(data.before(d), SEASONS[2], d)
    # Everything on and after d changed, and handed over uncut: the forecast at d is the same.
    other = _fitted(data)
    changed = other.predict(_changed_from(data, d), SEASONS[2], d)
    pd.testing.assert_series_equal(changed.scores, base.scores)
    home, road = np.array([100, 102]), np.array([101, 103])
    np.testing.assert_array_equal(changed.win_prob(home, road, np.zeros(2, bool)),
                                  base.win_prob(home, road, np.zeros(2, bool)))
    # The control: changing the games from the day before moves it, so the test can fail.
    moved = _fitted(data).predict(_changed_from(data, pd.Timestamp(dates[19])), SEASONS[2], d)
    assert not np.allclose(moved.scores.to_numpy(), base.scores.to_numpy())


def test_every_date_at_once_is_each_dates_forecast_from_the_games_before_it():
    data, _ = league(noise=6.0)
    model = _fitted(data)
    days = sorted(data.games.loc[data.games["season"] == SEASONS[2], "game_date"].unique())
    # the season's first day (rotations from last season), two in one refit week, the last
    dates = [pd.Timestamp(d) for d in (days[0], days[9], days[10], days[-1])]
    batched = model.predict_dates(data, SEASONS[2], dates)
    for d, got in zip(dates, batched, strict=True):
        want = model.predict(data.before(d), SEASONS[2], d)
        pd.testing.assert_series_equal(got.scores, want.scores, rtol=0, atol=1e-12)
    # The control: the next game day's forecast differs from this one's, so a batch that
    # read a date's own games would fail the equality above.
    assert not np.allclose(batched[1].scores.to_numpy(), batched[2].scores.to_numpy())


def test_a_player_out_leaves_his_minutes_to_the_rest_and_a_traded_one_takes_his_along():
    shares = pd.DataFrame({"team_id": [1, 1, 1, 2, 2, 3], "player_id": [10, 11, 12, 20, 21, 30],
                           "share": [2.5, 1.5, 1.0, 4.0, 1.0, 5.0]})
    got = available(shares, frozenset({10, 21}))
    # team 1: 1.5 and 1.0 scaled to 5 slots; team 2: only 20 left, all 5; team 3 untouched
    assert got["player_id"].tolist() == [11, 12, 20, 30]
    np.testing.assert_allclose(got["share"], [3.0, 2.0, 5.0, 5.0])
    # a team whose whole rotation is out has no row (rated as the league average)
    assert 2 not in available(shares, frozenset({20, 21}))["team_id"].tolist()
    assert available(shares) is shares
    # 11 traded to team 3: team 1 keeps 10 and 12 (3.5 -> 5), team 3 has 30 and 11 (6.5 -> 5)
    got = available(shares, moved={11: 3}).set_index(["team_id", "player_id"])["share"]
    np.testing.assert_allclose([got[(1, 10)], got[(1, 12)]], [5 * 2.5 / 3.5, 5 * 1.0 / 3.5])
    np.testing.assert_allclose([got[(3, 30)], got[(3, 11)]], [5 * 5.0 / 6.5, 5 * 1.5 / 6.5])
    assert got[(2, 20)] == 4.0 and got[(2, 21)] == 1.0
    assert (1, 11) not in got.index


def test_a_rating_without_a_player_is_the_rest_of_the_rotation_rescaled():
    data, _ = league(noise=6.0)
    model = _fitted(data)
    d = pd.Timestamp(data.games.loc[data.games["season"] == SEASONS[2], "game_date"].max())
    known = data.before(d)
    full = model.ratings(known, d)
    shares = latest_shares(known.player_logs, model.section.minutes_games)
    team = 100
    mine = shares[shares["team_id"] == team].set_index("player_id")["share"]
    coef = model.fit_at(known, d).coef.reindex(mine.index).fillna(0.0)
    star = int(coef.idxmax())
    got = model.ratings(known, d, frozenset({star}))
    rest = mine.drop(star)
    want = float((coef.drop(star) * rest * 5.0 / rest.sum()).sum())
    assert got.loc[team] == pytest.approx(want, abs=1e-12)
    assert got.loc[team] < full.loc[team]  # his best player out: the team is weaker
    others = full.index.drop(team)
    pd.testing.assert_series_equal(got.loc[others], full.loc[others])


def test_the_win_model_is_fitted_on_the_last_training_seasons_and_orders_teams():
    data, value = league(noise=6.0)
    model = _fitted(data)
    assert model.win_model.n_games == len(data.games[data.games["season"].isin(SEASONS[:2])])
    assert model.win_model.slope > 0 and model.win_model.home_advantage > 0
    d = data.games.loc[data.games["season"] == SEASONS[2], "game_date"].max()
    pred = model.predict(data.before(d), SEASONS[2], d)
    assert sorted(pred.scores.index) == list(range(100, 100 + N_TEAMS))
    best, worst = pred.scores.idxmax(), pred.scores.idxmin()
    p = pred.win_prob(np.array([best]), np.array([worst]), np.array([True]))
    assert p[0] > 0.5


def test_unseen_players_count_zero_and_a_team_with_no_games_scores_zero():
    data, _ = league(days=5)
    model = _fitted(data)
    first = data.games.loc[data.games["season"] == SEASONS[1], "game_date"].min()
    at = refit_date(first, 7)
    fit = fit_rapm(data.games, data.player_logs, at, model.section)
    assert fit.team_ratings(pd.DataFrame({"team_id": [7], "player_id": [99999],
                                          "share": [5.0]})).loc[7] == 0.0
    ts = pd.concat([data.team_seasons, pd.DataFrame({"season": [SEASONS[2]],
                                                     "team_id": [999]})])
    grown = LeagueData({"games": data.games, "player_logs": data.player_logs,
                        "team_seasons": ts}, "grown")
    d = data.games.loc[data.games["season"] == SEASONS[2], "game_date"].max()
    assert model.predict(grown.before(d), SEASONS[2], d).scores.loc[999] == 0.0


def test_bad_minutes_are_named_and_predict_needs_fit():
    data, _ = league(days=5)
    with pytest.raises(NotFittedError):
        Rapm().predict(data, SEASONS[1], pd.Timestamp("2016-11-05"))
    pl = data.player_logs.copy()
    pl.loc[3, "minutes"] = np.nan
    bad = LeagueData({"games": data.games, "player_logs": pl,
                      "team_seasons": data.team_seasons}, "bad")
    with pytest.raises(DataError, match=r"game g\d+ player \d+: field minutes"):
        Rapm().fit(bad)


def test_rapm_is_a_backtest_predictor_configured_from_the_config(synth_league):
    assert "rapm" in BASELINES
    config = Config.model_validate({"rapm": {"alpha": 12.0, "half_life_years": 1.0}})
    made = predictor_factories(["rapm"], config)["rapm"]()
    assert isinstance(made, Rapm) and made.section.alpha == 12.0
    assert isinstance(make_baseline("rapm"), Rapm)
    data = synth_league
    test = data.seasons[-1]
    # Games are scored below on a month only, to keep the test short; the backtest scores
    # the rankings at its as-of points.
    result = backtest(data, predictor_factories(["rapm"], config),
                      BacktestSection(test_seasons=[test], n_boot=100),
                      SimulationSection(n_sims=200), score_games=False, progress=False)
    s = result.scores.set_index(["point", "metric"])["value"]
    assert s.loc[("g41", "ros_spearman")] > 0.3  # the synthetic players are real signal
    model = Rapm(config.rapm).fit(data.restrict_seasons(data.seasons_before(test)))
    g = data.games[data.games["season"] == test]
    month = g[g["game_date"] < g["game_date"].min() + pd.Timedelta(days=60)]
    month = month[month["game_date"] >= month["game_date"].min() + pd.Timedelta(days=30)]
    p, won = [], []
    for date, day in month.groupby("game_date"):
        pred = model.predict(data.before(date), test, pd.Timestamp(date))
        p.append(pred.win_prob(day["home_team_id"].to_numpy(), day["road_team_id"].to_numpy(),
                               day["neutral_site"].to_numpy(bool)))
        won.append((day["home_pts"] > day["road_pts"]).to_numpy(float))
    p, won = np.concatenate(p), np.concatenate(won)
    log_loss = -np.mean(won * np.log(p) + (1 - won) * np.log(1 - p))
    assert len(p) > 200 and log_loss < np.log(2) - 0.02
