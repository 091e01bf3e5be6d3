"""The game loss: known answers, its gradient, and its place in training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from truestrength.base.config import ModelASection
from truestrength.base.errors import ModelError
from truestrength.models.model_a.diagnostics import NotLearningError
from truestrength.models.model_a.game_loss import (
    GameTensors,
    game_margin_loss,
    on_court_loss,
    score_games,
)
from truestrength.models.model_a.lists import ListSet
from truestrength.models.model_a.trainer import TensorData, train_ranker
from truestrength.models.model_a.vocab import PlayerVocab

torch.set_num_threads(1)
T = torch.tensor


def _terms(g, seed=0):
    rng = np.random.default_rng(seed)
    sh, sr = rng.normal(size=g), rng.normal(size=g)
    neutral = (rng.random(g) < 0.2).astype(float)
    bh, br = (rng.random(g) < 0.3).astype(float), (rng.random(g) < 0.3).astype(float)
    return sh, sr, neutral, bh, br


def _loss(sh, sr, m, n, bh, br, scale=12.0):
    return game_margin_loss(*(T(v, dtype=torch.float64) for v in (sh, sr, m, n, bh, br)),
                            scale=scale)


def test_exact_margins_give_zero_loss_and_the_true_terms() -> None:
    sh, sr, n, bh, br = _terms(400)
    margin = 7.0 * (sh - sr) + 2.5 * (1 - n) - 1.5 * (bh - br)
    out = _loss(sh, sr, margin, n, bh, br)
    assert float(out.loss) < 1e-6
    np.testing.assert_allclose(out.coef.numpy(), [7.0, 2.5, -1.5], atol=1e-3)


def test_loss_is_half_the_mean_squared_least_squares_residual_over_scale() -> None:
    sh, sr, n, bh, br = _terms(300, seed=1)
    rng = np.random.default_rng(2)
    margin = 5.0 * (sh - sr) + 3.0 * (1 - n) + rng.normal(0, 12, size=300)
    x = np.column_stack([sh - sr, 1 - n, bh - br])
    coef, *_ = np.linalg.lstsq(x, margin, rcond=None)
    expected = 0.5 * np.mean(((margin - x @ coef) / 10.0) ** 2)
    out = _loss(sh, sr, margin, n, bh, br, scale=10.0)
    np.testing.assert_allclose(float(out.loss), expected, rtol=1e-4)
    np.testing.assert_allclose(out.coef.numpy(), coef, rtol=1e-3)


def test_constant_scores_leave_only_home_court_and_rest() -> None:
    _, _, n, bh, br = _terms(200, seed=3)
    margin = np.where(n > 0, 0.0, 3.0) + np.linspace(-10, 10, 200)
    out = _loss(np.zeros(200), np.zeros(200), margin, n, bh, br)
    x = np.column_stack([1 - n, bh - br])
    coef, *_ = np.linalg.lstsq(x, margin, rcond=None)
    np.testing.assert_allclose(float(out.loss),
                               0.5 * np.mean(((margin - x @ coef) / 12) ** 2), rtol=1e-4)
    assert abs(float(out.coef[0])) < 1e-9  # no score difference, no points per score


def test_gradient_is_the_envelope_gradient_and_points_to_better_scores() -> None:
    sh, sr, n, bh, br = _terms(50, seed=4)
    margin = 6.0 * (sh - sr) + np.random.default_rng(5).normal(0, 5, 50)
    s_h = T(sh, requires_grad=True)
    out = game_margin_loss(s_h, T(sr), T(margin), T(n), T(bh), T(br), scale=12.0)
    out.loss.backward()
    x = np.column_stack([sh - sr, 1 - n, bh - br])
    a = out.coef.numpy()
    resid = margin - x @ a
    # Profiled coefficients are at their optimum, so only the direct path remains.
    np.testing.assert_allclose(s_h.grad.numpy(), -a[0] * resid / 50 / 144, rtol=1e-3,
                               atol=1e-9)


def test_bad_input_is_refused() -> None:
    z = torch.zeros(3)
    with pytest.raises(ValueError, match="margin must be"):
        game_margin_loss(z, z, torch.zeros(2), z, z, z, scale=1.0)
    with pytest.raises(ValueError, match="scale"):
        game_margin_loss(z, z, z, z, z, z, scale=0.0)
    with pytest.raises(ValueError, match="non-finite"):
        game_margin_loss(torch.tensor([0.0, float("nan"), 0.0]), z, z, z, z, z, scale=1.0)
    with pytest.raises(ValueError, match="no games"):
        e = torch.zeros(0)
        game_margin_loss(e, e, e, e, e, e, scale=1.0)


# -- in training -------------------------------------------------------------------------------
def toy_league(n_lists=16, teams=10, n_games=600, players=8, features=5, seed=0,
               list_signal=True):
    """Rosters whose strength is the minutes-weighted mean of feature 0; lists ranked by it
    (or at random), games whose margins follow it."""
    rng = np.random.default_rng(seed)

    def rosters(n):
        x = rng.normal(size=(n, players, features)).astype(np.float32)
        minutes = rng.uniform(5, 36, size=(n, players)).astype(np.float32)
        mask = np.ones((n, players), bool)
        strength = (x[..., 0] * minutes).sum(1) / minutes.sum(1)
        return x, minutes, mask, strength

    x, minutes, mask, strength = rosters(n_lists * teams)
    data = TensorData(torch.from_numpy(x), torch.zeros(x.shape[:2], dtype=torch.int64),
                      torch.from_numpy(minutes), torch.from_numpy(mask))
    idx = np.arange(n_lists * teams).reshape(n_lists, teams)
    rel = strength[idx] if list_signal else rng.normal(size=idx.shape)
    keys = pd.DataFrame({"season": "2030-31", "date": pd.Timestamp("2030-11-01"),
                         "conference": "E", "n_teams": teams}, index=range(n_lists))
    lists = ListSet(keys, idx, rel.astype(np.float32), np.ones_like(idx, dtype=bool))
    gx, gmin, gmask, gs = rosters(2 * n_games)
    margin = 40.0 * (gs[0::2] - gs[1::2]) + 2.5 + rng.normal(0, 3, n_games)
    games = GameTensors(torch.from_numpy(gx), torch.zeros(gx.shape[:2], dtype=torch.int64),
                        torch.from_numpy(gmin), torch.from_numpy(gmask),
                        torch.from_numpy(margin.astype(np.float32)), torch.zeros(n_games),
                        torch.zeros(n_games), torch.zeros(n_games))
    return (data, lists), games


def section(**kw) -> ModelASection:
    base = dict(embed_dim=0, hidden_dim=16, n_heads=2, dropout=0.0, lr=3e-3, score_l2=0.0,
                game_loss_weight=0.0, weight_decay=0.0, batch_lists=4, epochs=12, threads=1,
                early_stopping_patience=12, guard_window=12)
    base.update(kw)
    return ModelASection(**base)


VOCAB = PlayerVocab([])


def test_lambda_zero_trains_exactly_as_without_games() -> None:
    tr, g_tr = toy_league(seed=0)
    va, g_va = toy_league(seed=1)
    plain = train_ranker(section(epochs=3), VOCAB, tr, va)
    with_games = train_ranker(section(epochs=3), VOCAB, tr, va, train_games=g_tr,
                              val_games=g_va)
    assert [r.val_loss for r in plain.history] == [r.val_loss for r in with_games.history]
    assert all(r.train_game_loss is None for r in with_games.history)


def test_combined_loss_learns_games_and_early_stops_on_the_sum() -> None:
    tr, g_tr = toy_league(seed=0)
    va, g_va = toy_league(seed=1)
    res = train_ranker(section(game_loss_weight=2.0), VOCAB, tr, va, train_games=g_tr,
                       val_games=g_va)
    h = res.history
    assert h[-1].val_game_loss < 0.5 * h[0].val_game_loss
    for r in h:
        assert r.val_loss == pytest.approx(r.val_listmle + 2.0 * r.val_game_loss)
    best = min(h, key=lambda r: r.val_loss)
    assert res.best_epoch == best.epoch
    # The restored model has the best epoch's held-out game loss.
    res.model.eval()
    with torch.no_grad():
        g = float(score_games(res.model, g_va, np.arange(len(g_va)), scale=12.0).loss)
    assert g == pytest.approx(best.val_game_loss, rel=1e-5)


def test_game_loss_alone_teaches_strength_when_lists_carry_none() -> None:
    """Lists ranked at random teach nothing; the games alone must make the scores follow
    strength on fresh rosters (and ListMLE only must not)."""
    tr, g_tr = toy_league(seed=0, list_signal=False)
    (check, _), _ = toy_league(seed=7)
    true = ((check.x[..., 0] * check.minutes).sum(1) / check.minutes.sum(1)).numpy()

    def rho(res):
        res.model.eval()
        with torch.no_grad():
            s = res.model(check.x, check.player_idx, check.minutes, check.mask).score.numpy()
        return pd.Series(s).corr(pd.Series(true), method="spearman")

    # The lists are random by construction: the guard must find the signal in the games.
    games = train_ranker(section(game_loss_weight=5.0, epochs=10), VOCAB, tr, None,
                         train_games=g_tr)
    assert rho(games) > 0.8
    signal = games.diagnosis.signal
    assert signal.spearman < signal.threshold and signal.game_gain > 0.5


def test_random_lists_and_random_margins_are_rejected_naming_both() -> None:
    tr, g_tr = toy_league(seed=0, list_signal=False)
    va, g_va = toy_league(seed=1, list_signal=False)
    for g in (g_tr, g_va):
        g.margin = g.margin[torch.randperm(len(g.margin), generator=torch.Generator()
                                           .manual_seed(0))]
    with pytest.raises(NotLearningError, match="Nor do its strengths explain the games"):
        train_ranker(section(game_loss_weight=5.0, epochs=6, early_stopping_patience=2),
                     VOCAB, tr, va, train_games=g_tr, val_games=g_va)


def test_listmle_weight_zero_trains_on_games_alone_and_the_guard_watches_them() -> None:
    """The ablation's "game loss only" arm: ListMLE has no weight, so its own train loss is
    flat noise; the plateau guard must watch the objective that falls, not cut training short."""
    tr, g_tr = toy_league(seed=0, list_signal=False)
    va, g_va = toy_league(seed=1, list_signal=False)
    res = train_ranker(section(game_loss_weight=5.0, listmle_weight=0.0, epochs=10,
                               guard_window=2, guard_min_rel_improvement=0.02),
                       VOCAB, tr, va, train_games=g_tr, val_games=g_va)
    h = res.history
    for r in h:
        assert r.val_loss == pytest.approx(5.0 * r.val_game_loss)
    assert "plateau" not in res.stop_reason
    assert h[-1].train_game_loss < 0.5 * h[0].train_game_loss


def test_both_weights_zero_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="nothing to learn"):
        section(game_loss_weight=0.0, listmle_weight=0.0)


def test_a_positive_weight_without_games_is_an_error() -> None:
    tr, _ = toy_league(seed=0)
    with pytest.raises(ModelError, match="needs training games"):
        train_ranker(section(game_loss_weight=1.0), VOCAB, tr, None)


def test_upside_down_scores_keep_a_positive_slope_and_a_gradient_to_turn() -> None:
    sh, sr, n, bh, br = _terms(300, seed=6)
    margin = 6.0 * (sh - sr) + 2.0 * (1 - n)
    s_h = T(-sh, requires_grad=True)  # stronger = lower
    out = game_margin_loss(s_h, T(-sr), T(margin), T(n), T(bh), T(br), scale=12.0)
    d = -(sh - sr)
    floor = 0.05 * margin.std() / d.std()
    assert float(out.coef[0]) == pytest.approx(floor, rel=1e-6)
    out.loss.backward()
    # Raising the home score where the home side won big must lower the loss.
    big = margin > 10
    assert (s_h.grad.numpy()[big] < 0).all()


def test_fit_model_a_with_a_game_loss_end_to_end(synth_league) -> None:
    from truestrength.base.config import Config
    from truestrength.models.model_a.predictor import ModelA

    cfg = Config(model_a=ModelASection(epochs=2, threads=1, game_loss_weight=10.0))
    model = ModelA(cfg).fit(synth_league.restrict_seasons(synth_league.seasons[:2]))
    h = model.fitted_.history
    for r in h.holdout_run:
        assert np.isfinite(r.val_game_loss) and np.isfinite(r.train_game_loss)
        assert r.val_loss == pytest.approx(r.val_listmle + 10.0 * r.val_game_loss)
    assert all(r.train_game_loss is not None for r in h.final_run)
    season = synth_league.seasons[2]
    as_of = pd.Timestamp(sorted(synth_league.standings_games(season)["game_date"])[300])
    pred = model.predict(synth_league.before(as_of), season, as_of)
    assert np.isfinite(pred.scores).all() and pred.scores.std() > 0


def _court(n=200, players=6, seed=7):
    """Sides with values v, minutes and on-court residuals made by b = 3 from v."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, players))
    mins = rng.uniform(5, 40, size=(n, players))
    mask = rng.random((n, players)) < 0.85
    mask[:, 0] = True
    share = np.where(mask, mins, 0) / np.where(mask, mins, 0).sum(1, keepdims=True)
    vbar = (share * np.where(mask, v, 0)).sum(1, keepdims=True)
    r = np.where(mask, 3.0 * mins / 48 * (v - vbar), 0.0)
    return v, mins, mask, r


def _court_loss(v, mins, mask, r, scale=5.0):
    return on_court_loss(T(v), T(mins), torch.from_numpy(mask), T(r), scale=scale)


def test_on_court_values_that_explain_the_residuals_give_zero_loss() -> None:
    v, mins, mask, r = _court()
    assert float(_court_loss(v, mins, mask, r)) < 1e-6  # the tiny ridge only
    # Padding is ignored whatever it holds.
    junk = np.where(mask, v, 1e3)
    assert float(_court_loss(junk, mins, mask, np.where(mask, r, 50.0))) < 1e-6


def test_on_court_constant_values_score_the_residuals_own_spread() -> None:
    v, mins, mask, r = _court(seed=8)
    rng = np.random.default_rng(9)
    r = np.where(mask, r + rng.normal(0, 4, r.shape), 0.0)
    expected = 0.5 * np.mean((r[mask] / 5.0) ** 2)
    out = _court_loss(np.full_like(v, 2.0), mins, mask, r)
    assert float(out) == pytest.approx(expected, rel=1e-6)
    # A value that is the same for a whole side is no evidence either: only differences
    # within a side explain a player's margin beyond his team's.
    per_side = np.repeat(rng.normal(size=(len(v), 1)), v.shape[1], axis=1)
    assert float(_court_loss(per_side, mins, mask, r)) == pytest.approx(expected, rel=1e-6)


def test_on_court_reversed_values_are_held_at_the_floor_and_pushed_to_turn() -> None:
    v, mins, mask, r = _court(seed=10)
    right = float(_court_loss(v, mins, mask, r))
    wrong = T(-v, requires_grad=True)
    loss = on_court_loss(wrong, T(mins), torch.from_numpy(mask), T(r), scale=5.0)
    # Held at the floor, the reversed values explain almost nothing: about the constant's loss.
    nothing = 0.5 * np.mean((r[mask] / 5.0) ** 2)
    assert right < 1e-6 and float(loss.detach()) > 0.9 * nothing
    loss.backward()
    # The player with the largest positive residual must be pushed up.
    i = np.unravel_index(np.argmax(np.where(mask, r, -np.inf)), r.shape)
    assert wrong.grad.numpy()[i] < 0


def test_on_court_bad_input_is_refused() -> None:
    v, mins, mask, r = _court(n=5)
    with pytest.raises(ValueError, match="on_court must be"):
        _court_loss(v, mins, mask, r[:, :3])
    with pytest.raises(ValueError, match="no players"):
        _court_loss(v, mins, np.zeros_like(mask), r)


def test_on_court_weight_needs_the_value_head_and_a_game_loss() -> None:
    with pytest.raises(ValueError, match="value_head"):
        section(game_loss_weight=1.0, on_court_weight=1.0)
    with pytest.raises(ValueError, match="value_head"):
        section(value_head=True, on_court_weight=1.0)


def test_fit_model_a_with_an_on_court_loss_end_to_end(synth_league) -> None:
    from truestrength.base.config import Config
    from truestrength.models.model_a.predictor import ModelA

    cfg = Config(model_a=ModelASection(epochs=2, threads=1, game_loss_weight=10.0,
                                       value_head=True, on_court_weight=3.0))
    model = ModelA(cfg).fit(synth_league.restrict_seasons(synth_league.seasons[:2]))
    h = model.fitted_.history
    for r in h.holdout_run:
        assert 0 < r.val_on_court_loss < 1 and 0 < r.train_on_court_loss < 1
        assert r.val_loss == pytest.approx(r.val_listmle + 10.0 * r.val_game_loss
                                           + 3.0 * r.val_on_court_loss)


def test_game_weights_equal_dropping_zero_weight_games_and_scale_free() -> None:
    sh, sr, n, bh, br = _terms(300, seed=11)
    rng = np.random.default_rng(12)
    margin = 5.0 * (sh - sr) + 3.0 * (1 - n) + rng.normal(0, 12, size=300)
    keep = rng.random(300) < 0.6
    w = T(keep.astype(float))
    full = [T(v, dtype=torch.float64) for v in (sh, sr, margin, n, bh, br)]
    weighted = game_margin_loss(*full, scale=12.0, weight=w)
    kept = _loss(*(v[keep] for v in (sh, sr, margin, n, bh, br)))
    np.testing.assert_allclose(weighted.coef.numpy(), kept.coef.numpy(), rtol=1e-3)
    # The mean is over all games, so zero-weight games dilute it by the kept share.
    np.testing.assert_allclose(float(weighted.loss), float(kept.loss), rtol=1e-3)
    same = game_margin_loss(*full, scale=12.0, weight=T(np.full(300, 7.0)))
    plain = game_margin_loss(*full, scale=12.0)
    np.testing.assert_allclose(float(same.loss), float(plain.loss), rtol=1e-9)


def test_on_court_side_weights_equal_dropping_zero_weight_sides() -> None:
    v, mins, mask, r = _court(seed=13)
    rng = np.random.default_rng(14)
    r = np.where(mask, r + rng.normal(0, 2, r.shape), 0.0)
    keep = rng.random(len(v)) < 0.5
    weighted = on_court_loss(T(v * 0.5), T(mins), torch.from_numpy(mask), T(r), scale=5.0,
                             weight=T(keep.astype(float)))
    kept = _court_loss(v[keep] * 0.5, mins[keep], mask[keep], r[keep])
    np.testing.assert_allclose(float(weighted), float(kept), rtol=1e-3)


def test_half_life_weights_halve_a_game_per_half_life() -> None:
    from truestrength.features.game_rosters import GameRosters
    from truestrength.features.roster import RosterSnapshots

    dates = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])
    games = pd.DataFrame({"game_id": ["a", "b", "c"], "season": "x", "date": dates,
                          "home_id": 1, "road_id": 2, "neutral_site": False,
                          "margin": np.float32(1.0), "home_b2b": False, "road_b2b": False})
    keys = pd.DataFrame({"season": "x", "date": dates.repeat(2), "team_id": [1, 2] * 3,
                         "conference": "E", "n_players": 1, "from_previous_season": False})
    sides = RosterSnapshots(keys=keys, x=np.zeros((6, 1, 2), np.float32),
                            player_ids=np.ones((6, 1), np.int64),
                            minutes=np.ones((6, 1), np.float32), mask=np.ones((6, 1), bool),
                            feature_names=("f0", "f1"))
    gr = GameRosters(games, sides, np.zeros((6, 1), np.float32))
    t = GameTensors.from_game_rosters(gr, PlayerVocab([1]), half_life_years=1.0)
    age = np.array([731, 365, 0]) / 365.25
    np.testing.assert_allclose(t.weight.numpy(), 0.5 ** age, rtol=1e-9)
    assert GameTensors.from_game_rosters(gr, PlayerVocab([1])).weight is None
