"""Out-of-fold folds: fold k is fitted on the seasons before k only and scores all of k."""

from __future__ import annotations

import numpy as np
import pytest

from truestrength.base.config import Config, ModelASection, ModelBSection
from truestrength.base.errors import DataError
from truestrength.models.model_b import ModelB
from truestrength.training import folds
from truestrength.training.folds import out_of_fold, out_of_fold_model_b

FAST = ModelBSection(n_estimators=60, early_stopping_rounds=10, trees_without_holdout=20)
FAST_A = Config(model_a=ModelASection(epochs=2, threads=1, refit_on_all=False,
                                      epochs_without_holdout=2))


def test_out_of_fold_never_trains_on_the_fold_season(synth_league, monkeypatch):
    seen: list[tuple[list[str], list[str]]] = []
    real_fit = ModelB.fit

    def spy(self, history, *, context=None, features=None):
        seen.append((list(history.seasons), sorted(context.keys["season"].unique())))
        return real_fit(self, history, context=context, features=features)

    monkeypatch.setattr(ModelB, "fit", spy)
    oof = out_of_fold_model_b(synth_league, FAST)
    seasons = synth_league.seasons
    assert sorted(oof["season"].unique()) == seasons[1:]
    assert [s for s, _ in seen] == [seasons[:1], seasons[:2]]
    for k, (hist_seasons, ctx_seasons) in enumerate(seen, start=1):
        assert seasons[k] not in hist_seasons and seasons[k] not in ctx_seasons
        assert oof.loc[oof["season"] == seasons[k], "fold"].eq(k).all()
    assert oof.attrs["train_seasons"] == {seasons[1]: seasons[:1], seasons[2]: seasons[:2]}
    assert list(oof.columns) == ["season", "date", "team_id", "conference", "score", "fold"]
    assert np.isfinite(oof["score"]).all()
    # every (team, date) of each scored season
    per = oof.groupby(["season", "date"]).size()
    assert (per == 30).all()


def test_model_a_folds_train_on_earlier_seasons_and_score_every_snapshot(synth_league,
                                                                         monkeypatch):
    seen: list[tuple[list[str], list[str]]] = []
    real_fit = folds.fit_model_a

    def spy(history, config, *, progress=False, console=None, snapshots=None):
        seen.append((list(history.seasons), sorted(snapshots.keys["season"].unique())))
        return real_fit(history, config, progress=progress, console=console,
                        snapshots=snapshots)

    monkeypatch.setattr(folds, "fit_model_a", spy)
    result = out_of_fold(synth_league, FAST_A)
    seasons = synth_league.seasons
    # two folds, then the final model on every season
    assert seen == [(seasons[:1], seasons[:1]), (seasons[:2], seasons[:2]),
                    (seasons, seasons)]
    oof = result.scores
    assert sorted(oof["season"].unique()) == seasons[1:]
    assert oof.groupby("season")["fold"].unique().map(list).to_dict() == {
        seasons[1]: [1], seasons[2]: [2]}
    assert list(oof.columns) == ["season", "date", "team_id", "conference", "score", "fold"]
    assert np.isfinite(oof["score"]).all()
    assert (oof.groupby(["season", "date"]).size() == 30).all()
    assert result.final.train_seasons == seasons


def test_one_season_has_no_folds(synth_league):
    one = synth_league.restrict_seasons(synth_league.seasons[:1])
    with pytest.raises(DataError, match="at least two seasons"):
        out_of_fold_model_b(one, FAST)
    with pytest.raises(DataError, match="at least two seasons"):
        out_of_fold(one, FAST_A)
