"""Model B on the synthetic league: forbidden features, objective selection, prediction;
and one real-data check of rest-of-season ranking quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from truestrength.base.errors import ModelError
from truestrength.base.targets import as_of_points, rest_of_season_win_pct
from truestrength.features.team_context import FEATURE_NAMES, build_team_context
from truestrength.models import model_b as mb
from truestrength.models.model_b import ModelB, ModelBSection

FAST = ModelBSection(n_estimators=60, early_stopping_rounds=10, trees_without_holdout=20)


@pytest.fixture(scope="module")
def history(synth_league):
    return synth_league.restrict_seasons(synth_league.seasons[:2])


@pytest.fixture(scope="module")
def context(history):
    return build_team_context(history, history.seasons)


@pytest.fixture(scope="module")
def fitted(history, context):
    return ModelB(FAST).fit(history, context=context)


def _mid_date(league, season, i=40):
    dates = sorted(league.games.loc[league.games["season"] == season, "game_date"].unique())
    return pd.Timestamp(dates[i])


def test_auto_selection_records_both_objectives(fitted, history):
    sel = fitted.selection
    assert sel.holdout_season == history.seasons[1]
    for obj in ("rank", "regression"):
        assert np.isfinite(sel.trials[obj].val_spearman)
        assert FAST.min_trees <= sel.trials[obj].n_trees <= FAST.n_estimators
    best = max(("rank", "regression"), key=lambda o: sel.trials[o].val_spearman)
    assert sel.chosen == best == fitted.objective
    assert fitted.n_trees == sel.trials[best].n_trees == sel.n_trees
    assert fitted.train_seasons == history.seasons


def test_default_pipeline_never_hands_the_forbidden_feature_to_the_booster(fitted):
    names = fitted.booster.feature_names
    assert "net_rating" not in names
    assert set(names) == set(FEATURE_NAMES) - {"net_rating"}
    imp = fitted.feature_importance()
    assert list(imp.index) != [] and set(imp.index) == set(names)
    assert (imp >= 0).all() and imp.max() > 0


def test_asking_for_a_forbidden_feature_raises_with_its_name(history, context):
    with pytest.raises(ModelError, match="feature 'net_rating' is forbidden by "
                                         "model_b.forbidden_features"):
        ModelB(FAST).fit(history, context=context, features=["elo", "net_rating"])
    # the guard also sits where the matrix is handed to XGBoost
    rows = mb._rows(context, history, "final_rank", ["elo", "net_rating"], 5)
    with pytest.raises(ModelError, match="feature 'net_rating' is forbidden"):
        mb._train(FAST, "regression", rows, None, n_trees=2)
    # the list is configurable, and the builder's columns are dropped by it
    custom = ModelB(FAST.model_copy(update={"forbidden_features": ["elo", "net_rating"],
                                            "objective": "regression"}))
    custom.fit(history, context=context)
    assert "elo" not in custom.booster.feature_names


def test_predict_scores_every_team_from_games_before_the_date(fitted, synth_league):
    season = synth_league.seasons[2]
    as_of = _mid_date(synth_league, season)
    pred = fitted.predict(synth_league.before(as_of), season, as_of)
    assert list(pred.scores.index) == synth_league.teams_of_season(season)
    assert np.isfinite(pred.scores).all() and pred.scores.std() > 0
    again = fitted.predict(synth_league, season, as_of)  # later games present but unused
    pd.testing.assert_series_equal(pred.scores, again.scores)
    teams = np.array(pred.scores.index)
    p = pred.win_prob(teams[:4], teams[4:8], np.zeros(4, bool))
    assert ((p > 0) & (p < 1)).all()
    # the stronger side is the favourite
    wm = fitted.win_model
    assert wm.slope > 0 and wm.n_games > 1000


def test_predict_on_opening_day_uses_priors_and_carry_over(fitted, synth_league):
    season = synth_league.seasons[2]
    first = _mid_date(synth_league, season, 0)
    pred = fitted.predict(synth_league.before(first), season, first)
    assert list(pred.scores.index) == synth_league.teams_of_season(season)
    assert np.isfinite(pred.scores).all() and pred.scores.nunique() > 1  # Elo carried over


def test_explicit_objective_and_single_season_fit(synth_league):
    one = synth_league.restrict_seasons(synth_league.seasons[:1])
    m = ModelB(FAST).fit(one)
    assert m.selection.holdout_season is None
    assert m.n_trees == FAST.trees_without_holdout
    assert m.objective == FAST.objective_without_holdout
    two = synth_league.restrict_seasons(synth_league.seasons[:2])
    r = ModelB(FAST.model_copy(update={"objective": "regression"})).fit(two)
    assert set(r.selection.trials) == {"regression"} and r.selection.chosen == "regression"


def test_fit_refuses_a_context_holding_other_seasons(synth_league, history):
    ctx = build_team_context(synth_league, synth_league.seasons)
    with pytest.raises(ValueError, match="context seasons"):
        ModelB(FAST).fit(history, context=ctx)


@pytest.mark.realdata
def test_real_rest_of_season_ranking_at_mid_season(real_league):
    test = "2022-23"
    train = [s for s in real_league.seasons if s < test]
    model = ModelB().fit(real_league.restrict_seasons(train))
    assert model.train_seasons == [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2022)]
    point = next(p for p in as_of_points(real_league, test) if p.label == "g41")
    pred = model.predict(real_league.before(point.date), test, point.date)
    ros = rest_of_season_win_pct(real_league, test, point.date)
    rho = spearmanr(pred.scores.reindex(ros.index), ros).statistic
    assert rho > 0.5, f"rest-of-season Spearman at g41 of {test}: {rho:.3f}"
