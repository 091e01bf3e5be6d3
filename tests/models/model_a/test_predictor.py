"""Model A end to end on the synthetic league: fit, predict, checkpoint, config mismatch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from truestrength.base.config import Config, ModelASection
from truestrength.base.errors import NotFittedError, RunError
from truestrength.features.roster import build_snapshots
from truestrength.models.model_a.predictor import FittedModelA, ModelA

torch.set_num_threads(1)
FAST = Config(model_a=ModelASection(epochs=3, threads=1, refit_on_all=False))


@pytest.fixture(scope="module")
def fitted(synth_league):
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    return ModelA(FAST).fit(train)


def test_predict_scores_every_team_from_games_before_the_date(fitted, synth_league):
    season = synth_league.seasons[2]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    as_of = pd.Timestamp(dates[40])
    pred = fitted.predict(synth_league.before(as_of), season, as_of)
    assert sorted(pred.scores.index) == synth_league.teams_of_season(season)
    assert np.isfinite(pred.scores).all() and pred.scores.std() > 0
    p = pred.win_prob(np.array(pred.scores.index[:3]), np.array(pred.scores.index[3:6]),
                      np.zeros(3, bool))
    assert ((p > 0) & (p < 1)).all()
    # the same call on the full data gives the same answer: nothing after as_of is used
    again = fitted.predict(synth_league, season, as_of)
    pd.testing.assert_series_equal(pred.scores, again.scores)


def test_checkpoint_round_trip_and_config_mismatch(fitted, synth_league, tmp_path):
    path = fitted.fitted_.save(tmp_path / "model_a.pt")
    loaded = FittedModelA.load(path, expect=FAST)
    season = synth_league.seasons[1]
    snaps = build_snapshots(synth_league, [season])
    a, _ = fitted.fitted_.score(snaps)
    b, _ = loaded.score(snaps)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert loaded.vocab == fitted.fitted_.vocab
    assert loaded.train_seasons == synth_league.seasons[:2]
    other = Config(model_a=ModelASection(epochs=3, threads=1, refit_on_all=False,
                                         hidden_dim=64))
    with pytest.raises(RunError, match="model_a.hidden_dim: trained 32 vs config 64"):
        FittedModelA.load(path, expect=other)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(RunError, match="not a readable Model A checkpoint"):
        FittedModelA.load(bad)


def test_predict_before_fit_is_an_error(synth_league):
    with pytest.raises(NotFittedError, match="fit"):
        ModelA(FAST).predict(synth_league, synth_league.seasons[-1], pd.Timestamp("2018-01-01"))
