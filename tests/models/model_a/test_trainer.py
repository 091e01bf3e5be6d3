"""The trainer learns when there is something to learn, and stops loudly when there is not."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import torch

from truestrength.base.config import ModelASection
from truestrength.base.errors import ModelError
from truestrength.features.scaling import FeatureScaler
from truestrength.models.model_a.diagnostics import NotLearningError, PlateauGuard
from truestrength.models.model_a.listmle import log_factorial
from truestrength.models.model_a.lists import ListSet
from truestrength.models.model_a.predictor import _skip_init
from truestrength.models.model_a.trainer import TensorData, make_model, train_ranker
from truestrength.models.model_a.vocab import PlayerVocab

torch.set_num_threads(1)


def toy(n_lists=24, teams=15, players=10, features=6, *, constant=False, random_target=False,
        seed=0):
    """Lists of teams whose strength is the minutes-weighted mean of feature 0.

    ``random_target``: the relevance is drawn independently of the rosters instead, so there
    is nothing to learn that carries over to other lists."""
    rng = np.random.default_rng(seed)
    s = n_lists * teams
    x = rng.normal(size=(s, players, features)).astype(np.float32)
    minutes = rng.uniform(5, 36, size=(s, players)).astype(np.float32)
    mask = np.ones((s, players), dtype=bool)
    mask[:, 8:] = rng.random((s, 2)) < 0.5  # some short rosters
    if constant:
        x[:] = 0.0
        minutes[:] = 0.0
    strength = (x[..., 0] * minutes * mask).sum(1) / np.maximum((minutes * mask).sum(1), 1)
    data = TensorData(torch.from_numpy(x), torch.from_numpy(mask.astype(np.int64)),
                      torch.from_numpy(minutes), torch.from_numpy(mask))
    idx = np.arange(s).reshape(n_lists, teams)
    rel = strength[idx].astype(np.float32)
    if constant or random_target:
        rel = rng.permutation(teams * n_lists).reshape(n_lists, teams).astype(np.float32)
    # Each list is drawn independently, so each gets its own season: the guard's chance
    # spread counts lists of one (season, conference) as one.
    keys = pd.DataFrame({"season": [f"{2000 + i}-{(i + 1) % 100:02d}" for i in range(n_lists)],
                         "date": pd.Timestamp("2030-11-01"), "conference": "E",
                         "n_teams": teams})
    return data, ListSet(keys, idx, rel, np.ones((n_lists, teams), dtype=bool))


def section(**kw) -> ModelASection:
    base = dict(embed_dim=0, hidden_dim=16, n_heads=2, dropout=0.0, lr=3e-3, score_l2=0.0,
                game_loss_weight=0.0, weight_decay=0.0, batch_lists=8, epochs=15, threads=1)
    base.update(kw)
    return ModelASection(**base)


VOCAB = PlayerVocab([])


def test_learns_a_learnable_problem_and_reports_each_epoch(capsys):
    tr, va = toy(seed=0), toy(seed=1)
    result = train_ranker(section(epochs=20, early_stopping_patience=20), VOCAB, tr, va,
                          progress=True)
    h = result.history
    lnf = log_factorial(15)
    assert result.log_factorial == pytest.approx(lnf)
    assert h[-1].train_loss < 0.7 * lnf
    assert max(r.val_spearman for r in h) > h[0].val_spearman
    assert {"val_loss", "val_spearman", "attn_entropy_mean", "attn_max_mean", "attn_sum_mean",
            "attn_grad_norm", "grad_norm_encoder", "grad_norm_scorer"} <= {
                k for k, v in asdict(h[0]).items() if v is not None}
    out = capsys.readouterr().out
    assert "epoch   1" in out and "val" in out


def test_early_stopping_restores_best_weights():
    tr, va = toy(seed=0), toy(seed=1)
    result = train_ranker(section(epochs=30, early_stopping_patience=2, lr=3e-2), VOCAB, tr,
                          va, progress=False)
    best = min(r.val_loss for r in result.history)
    assert result.history[result.best_epoch - 1].val_loss == best
    from truestrength.models.model_a.trainer import _evaluate

    vloss, *_ = _evaluate(result.model, *va, 8, 0)
    assert vloss == pytest.approx(best, rel=1e-5)


def test_guard_stops_a_constant_model_and_names_constant_scores():
    # All features and minutes zero, no embedding: every team looks the same, so scores are
    # constant and the loss sits at ln(15!) = 27.8993 -- the failure this project was born from.
    tr = toy(constant=True)
    with pytest.raises(NotLearningError) as info:
        train_ranker(section(epochs=20, guard_window=3), VOCAB, tr, None, progress=False)
    d = info.value.diagnosis
    assert d.loss_ratio == pytest.approx(1.0, abs=1e-3)
    assert d.score_std_mean < 1e-4
    assert d.code.startswith("constant_scores")
    assert "constant" in d.cause.lower()
    assert "27.899" in str(info.value) or "27.9" in str(info.value)
    assert "plateaued" in str(info.value)  # the plateau ended it, then the exit check named it
    # float noise (score std ~1e-8) still orders teams at random: chance-level, not 0
    assert d.signal is not None and abs(d.signal.spearman) < d.signal.threshold


def test_constant_model_ended_by_early_stopping_is_still_named_constant():
    # With a held-out set the run ends by early stopping (validation loss flat at ln(15!)),
    # not by the plateau guard: the exit check must still run and name constant scores.
    tr, va = toy(constant=True), toy(constant=True, seed=1)
    with pytest.raises(NotLearningError) as info:
        train_ranker(section(epochs=20, early_stopping_patience=2), VOCAB, tr, va,
                     progress=False)
    d = info.value.diagnosis
    assert "early stopping" in str(info.value)
    assert d.code.startswith("constant_scores"), d.to_text()
    assert "constant within lists" in d.cause
    assert d.signal.on == "validation" and d.signal.loss == pytest.approx(log_factorial(15))


def test_random_target_model_is_rejected_with_a_diagnosis():
    # Relevance drawn independently of the rosters: the model can memorise the training
    # lists, and used to return normally through early stopping. Its held-out Spearman is
    # chance, so the exit check must reject it and say why in words.
    tr, va = toy(random_target=True), toy(random_target=True, seed=1, n_lists=40)
    with pytest.raises(NotLearningError) as info:
        train_ranker(section(epochs=30, early_stopping_patience=3), VOCAB, tr, va,
                     progress=False)
    d = info.value.diagnosis
    assert "early stopping" in str(info.value)  # the exit that used to skip the guard
    assert d.code == "no_signal"
    s = d.signal
    assert s.on == "validation" and s.n_groups == 40
    # the kept epoch's figures: best validation loss, and its Spearman below the bar
    assert s.loss == pytest.approx(min(r.val_loss for r in info.value.history))
    assert abs(s.spearman) < s.threshold
    assert s.threshold == pytest.approx(max(0.1, 1.645 / np.sqrt(14 * 40)))
    assert "no better than a model that ignores the rosters" in d.cause
    assert "no better than a model that ignores the rosters" in str(info.value)
    assert "validation signal at epoch" in d.to_text()


def test_slow_learner_whose_validation_loss_falls_is_not_stopped():
    # lr 1e-4 with dropout: the train loss wobbles by more than it gains (the old guard, "no
    # improvement of 1e-4 for 3 epochs", fired at epoch 4), but validation loss falls every
    # epoch. The guard must let it run, and its held-out ranking shows signal.
    tr, va = toy(seed=0), toy(seed=1)
    result = train_ranker(section(lr=1e-4, dropout=0.3, epochs=15, early_stopping_patience=4),
                          VOCAB, tr, va, progress=False)
    h = result.history
    vals = [r.val_loss for r in h]
    assert all(b < a for a, b in zip(vals, vals[1:], strict=False))  # the premise
    assert h[-1].train_loss / result.log_factorial > 0.99  # slow: barely off ln(15!)
    # The train loss alone would have tripped the smoothed plateau test: only falling
    # validation loss keeps the run going.
    cfg = section()
    g = PlateauGuard(cfg.guard_window, cfg.guard_min_rel_improvement, cfg.guard_ema_alpha)
    assert any(g.update(r.train_loss) for r in h)
    assert result.stop_reason == "ran all 15 epochs" and len(h) == 15
    assert result.diagnosis is not None and result.diagnosis.signal.passed
    assert result.diagnosis.signal.spearman > 0.2


def test_no_lists_is_an_error():
    data, lists = toy(n_lists=2)
    empty = lists.select(np.array([], dtype=int))
    with pytest.raises(ModelError, match="no training lists"):
        train_ranker(section(), VOCAB, (data, empty), None, progress=False)


def test_value_skip_starts_as_the_plain_rapm_rating_over_its_points() -> None:
    """``_skip_init`` + ``make_model``: a fresh network's value skip carries the ridge's value
    (scaled feature ``rapm_value``) to the team score as 5 x share-weighted value / points,
    up to a constant; every other feature starts at 0."""
    names = ("minutes", "rapm_value", "pts")
    scaler = FeatureScaler(names, np.array([20.0, 0.3, 10.0]), np.array([8.0, 2.0, 5.0]), 100)
    section = ModelASection(value_head=True, value_skip=True, value_skip_points=4.0,
                            embed_dim=0)
    w = _skip_init(scaler, section)
    np.testing.assert_allclose(w, [0.0, 5 * 2.0 / 4.0, 0.0])
    assert _skip_init(scaler, ModelASection()) is None
    model = make_model(section, 3, PlayerVocab.fit(np.arange(5)), w)
    raw = torch.tensor([[1.5, -0.5, 0.0]])  # three players' ridge values, points
    x = torch.zeros(1, 3, 3)
    x[0, :, 1] = (raw - 0.3) / 2.0
    got = model.value_skip(x).squeeze(-1)
    share = torch.tensor([[0.5, 0.25, 0.25]])
    rating = 5 * (share * raw).sum()  # the plain RAPM's team rating
    const = 5 * 0.3 / 4.0  # (raw - mean): the same for every team
    assert torch.allclose((share * got).sum(), rating / 4.0 - const, atol=1e-6)
    with pytest.raises(ValueError, match="skip_init must be"):
        make_model(section, 3, PlayerVocab.fit(np.arange(5)), np.zeros(2))
