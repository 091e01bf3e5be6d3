"""Tests for truestrength.evaluation.metrics.

Reference implementations (scipy / sklearn) where they exist; otherwise small cases whose
expected value is computed by hand in a comment next to it.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from truestrength.evaluation import metrics as m

SEEDS = range(6)


def _league(seed: int, n: int = 30, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Random scores and a true rank vector (1 = best), correlated, optionally with ties."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(size=n)
    scores = strength + rng.normal(scale=0.8, size=n)
    truth_value = strength + rng.normal(scale=0.3, size=n)
    if ties:
        scores = np.round(scores)  # a handful of distinct values -> many tied scores
        truth_value = np.round(truth_value * 2) / 2
    return scores, stats.rankdata(-truth_value)  # average ranks, 1 = best


# ------------------------------------------------------------------- correlations


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_spearman_and_kendall_match_scipy(seed: int, ties: bool) -> None:
    scores, true_rank = _league(seed, ties=ties)
    # true_rank is lower-is-better, hence the sign flip on the scipy side.
    assert m.spearman(scores, true_rank) == pytest.approx(
        stats.spearmanr(scores, -true_rank).statistic, abs=1e-12
    )
    assert m.kendall_tau(scores, true_rank) == pytest.approx(
        stats.kendalltau(scores, -true_rank).statistic, abs=1e-12
    )


def test_kendall_large_input_path_matches_scipy() -> None:
    # 800 teams = 319,600 pairs, past the pairwise-matrix limit, so scipy is used per row.
    scores, true_rank = _league(7, n=800, ties=True)
    assert m.kendall_tau(scores, true_rank) == pytest.approx(
        stats.kendalltau(scores, -true_rank).statistic, abs=1e-12
    )


def test_correlations_sign_convention() -> None:
    true_rank = np.arange(1, 11)
    perfect = -true_rank.astype(float)  # best team gets the highest score
    assert m.spearman(perfect, true_rank) == pytest.approx(1.0)
    assert m.kendall_tau(perfect, true_rank) == pytest.approx(1.0)
    assert m.spearman(-perfect, true_rank) == pytest.approx(-1.0)
    assert m.kendall_tau(-perfect, true_rank) == pytest.approx(-1.0)


def test_correlations_undefined_for_constant_scores() -> None:
    with pytest.raises(ValueError, match="constant"):
        m.spearman([1.0, 1.0, 1.0], [1, 2, 3])
    with pytest.raises(ValueError, match="constant"):
        m.kendall_tau([1.0, 1.0, 1.0], [1, 2, 3])


# ----------------------------------------------------------------------------- NDCG


@pytest.mark.parametrize("k", [1, 3, 5, 10, 30])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_ndcg_matches_sklearn(seed: int, ties: bool, k: int) -> None:
    scores, true_rank = _league(seed, ties=ties)
    linear_gain = 31 - true_rank
    assert m.ndcg_at_k(scores, true_rank, k) == pytest.approx(
        skm.ndcg_score([linear_gain], [scores], k=k), abs=1e-12
    )
    assert m.ndcg_at_k(scores, true_rank, k, gain="exponential") == pytest.approx(
        skm.ndcg_score([2.0**linear_gain - 1], [scores], k=k), abs=1e-12
    )


@pytest.mark.parametrize("gain", ["linear", "exponential"])
@pytest.mark.parametrize("k", [1, 4, 12])
def test_ndcg_perfect_ranking_is_one(gain: str, k: int) -> None:
    true_rank = np.random.default_rng(3).permutation(12) + 1
    assert m.ndcg_at_k(-true_rank, true_rank, k, gain=gain) == pytest.approx(1.0, abs=1e-15)


def test_ndcg_swapped_top_pair_hand_computed() -> None:
    # 3 teams, true ranks 1, 2, 3 -> linear gains 3, 2, 1; the prediction puts rank 2 first.
    # DCG@3  = 2/log2(2) + 3/log2(3) + 1/log2(4) = 2 + 1.89279 + 0.5 = 4.39279
    # IDCG@3 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.26186 + 0.5 = 4.76186 -> 0.92249
    scores, true_rank = [0.5, 0.9, 0.1], [1, 2, 3]
    assert m.ndcg_at_k(scores, true_rank, 3) == pytest.approx(4.392789 / 4.761860, rel=1e-6)
    # @2 drops the third term: (2 + 1.89279) / (3 + 1.26186) = 0.91339
    assert m.ndcg_at_k(scores, true_rank, 2) == pytest.approx(3.892789 / 4.261860, rel=1e-6)
    # Exponential gains 2^3-1, 2^2-1, 2^1-1 = 7, 3, 1:
    # (3 + 7/1.58496 + 0.5) / (7 + 3/1.58496 + 0.5) = 7.91651 / 9.39279 = 0.84283
    assert m.ndcg_at_k(scores, true_rank, 3, gain="exponential") == pytest.approx(
        7.916508 / 9.392789, rel=1e-6
    )


def test_ndcg_ties_share_the_group_mean_gain() -> None:
    # Ranks 1 and 2 tied on score: both top positions get the mean gain (3 + 2) / 2 = 2.5.
    # DCG = 2.5 + 2.5/log2(3) + 1/2 = 4.57732; IDCG = 4.76186 -> 0.96125
    assert m.ndcg_at_k([1.0, 1.0, 0.0], [1, 2, 3], 3) == pytest.approx(
        4.577324 / 4.761860, rel=1e-6
    )


def _ndcg_of_order(order: np.ndarray, gain: str) -> float:
    """NDCG@30 of a prediction listing the teams of true rank order[0], order[1], ... first."""
    scores = np.empty(30)
    scores[order - 1] = -np.arange(30.0)
    return m.ndcg_at_k(scores, np.arange(1, 31), 30, gain=gain)


def test_exponential_gain_is_dominated_by_the_top_two() -> None:
    # The docstring's figures (computed independently from the formula with 30 gains):
    # ranks 1-2 right and the other 28 reversed ~0.9207; swapping ranks 29 and 30 costs
    # ~2e-12; swapping 1 and 2 costs 0.12 exponential but only 0.0021 linear.
    top_two_then_reversed = np.r_[1, 2, np.arange(30, 2, -1)]
    assert _ndcg_of_order(top_two_then_reversed, "exponential") == pytest.approx(0.92067, abs=1e-5)
    swap_bottom = np.r_[np.arange(1, 29), 30, 29]
    assert 1 - _ndcg_of_order(swap_bottom, "exponential") == pytest.approx(2.35e-12, rel=0.01)
    swap_top = np.r_[2, 1, np.arange(3, 31)]
    assert _ndcg_of_order(swap_top, "exponential") == pytest.approx(0.88014, abs=1e-5)
    assert _ndcg_of_order(swap_top, "linear") == pytest.approx(0.99785, abs=1e-5)
    # Linear NDCG has a high floor: the fully reversed order still scores ~0.65.
    assert _ndcg_of_order(np.arange(30, 0, -1), "linear") == pytest.approx(0.65247, abs=1e-5)


# ---------------------------------------------------------- champion, MRR, precision


def test_champion_rank_and_mrr() -> None:
    # The champion (true rank 1) has the lowest of 4 scores -> predicted rank 4, MRR 1/4.
    scores, true_rank = [0.1, 0.9, 0.5, 0.7], [1, 2, 3, 4]
    assert m.champion_predicted_rank(scores, true_rank) == 4.0
    assert m.mrr(scores, true_rank) == 0.25
    # Tied with another team at the top: average rank (1 + 2) / 2 = 1.5, MRR 2/3.
    assert m.champion_predicted_rank([0.9, 0.9, 0.1], [1, 2, 3]) == 1.5
    assert m.mrr([0.9, 0.9, 0.1], [1, 2, 3]) == pytest.approx(2 / 3)
    # Over two seasons: (1/4 + 1/1) / 2 = 0.625; the second season has only 3 teams.
    assert m.mean_mrr([scores, [3, 2, 1]], [true_rank, [1, 2, 3]]) == 0.625


def test_champion_must_be_unique() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        m.champion_predicted_rank([1, 2, 3], [1.5, 1.5, 3])
    with pytest.raises(ValueError, match="seasons"):
        m.mean_mrr([[1, 2]], [[1, 2], [2, 1]])


def test_precision_at_k_hand_cases() -> None:
    # Predicted top 3 = {A, B, D}; true top 3 = {A, B, C} -> overlap 2 -> 2/3.
    scores = [0.9, 0.8, 0.1, 0.7, 0.2]
    true_rank = [1, 2, 3, 4, 5]
    assert m.precision_at_k(scores, true_rank, 3) == pytest.approx(2 / 3)
    assert m.precision_at_k(scores, true_rank, 1) == 1.0
    assert m.precision_at_k(scores, true_rank, 5) == 1.0
    # B and C tie for the 2nd predicted slot: each is half in the predicted top 2.
    # True top 2 = {A, B}: overlap = A (1) + B (0.5) = 1.5 -> 1.5 / 2 = 0.75.
    assert m.precision_at_k([3, 2, 2, 1], [1, 2, 3, 4], 2) == 0.75


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_at_k_matches_set_definition(seed: int) -> None:
    scores, true_rank = _league(seed)  # continuous -> no ties
    for k in (1, 4, 8, 16):
        predicted = set(np.argsort(-scores)[:k])
        truth = set(np.flatnonzero(true_rank <= k))
        assert m.precision_at_k(scores, true_rank, k) == pytest.approx(len(predicted & truth) / k)


# -------------------------------------------------------------------- rank errors


def test_scores_to_ranks() -> None:
    assert m.scores_to_ranks([5, 9, 5, 1]).tolist() == [2.5, 1.0, 2.5, 4.0]
    scores, _ = _league(0, ties=True)
    np.testing.assert_array_equal(m.scores_to_ranks(scores), stats.rankdata(-scores))


def test_rank_mae_and_rmse_hand_cases() -> None:
    scores = [4, 3, 2, 1]  # predicted ranks 1, 2, 3, 4
    # errors vs [2, 1, 4, 3]: -1, 1, -1, 1 -> MAE 1, RMSE 1
    assert m.rank_mae(scores, [2, 1, 4, 3]) == 1.0
    assert m.rank_rmse(scores, [2, 1, 4, 3]) == 1.0
    # errors vs [4, 2, 3, 1]: -3, 0, 0, 3 -> MAE 6/4 = 1.5, RMSE sqrt(18/4) = 2.12132
    assert m.rank_mae(scores, [4, 2, 3, 1]) == 1.5
    assert m.rank_rmse(scores, [4, 2, 3, 1]) == pytest.approx(math.sqrt(4.5))
    # Three tied scores share rank (1 + 2 + 3) / 3 = 2: ranks 2, 2, 2, 4 vs 1, 2, 3, 4 ->
    # errors 1, 0, -1, 0 -> MAE 2/4 = 0.5, RMSE sqrt(2/4) = 0.70711
    assert m.rank_mae([5, 5, 5, 1], [1, 2, 3, 4]) == 0.5
    assert m.rank_rmse([5, 5, 5, 1], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.5))


# ------------------------------------------------------------------ probabilities


@pytest.mark.parametrize("seed", SEEDS)
def test_log_loss_and_brier_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, size=200)
    y = (rng.uniform(size=200) < p).astype(int)
    assert m.log_loss(p, y) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert m.brier(p, y) == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12)


def test_log_loss_clipping() -> None:
    # A certain miss is clipped at 1e-15: (-ln(1e-15) + -ln(1 - 0.5)) / 2 = (34.5388 + 0.6931) / 2
    assert m.log_loss([0.0, 0.5], [1, 1]) == pytest.approx((-math.log(1e-15) - math.log(0.5)) / 2)
    assert m.log_loss([1.0, 0.0], [1, 0]) == pytest.approx(-math.log(1 - 1e-15))
    # With machine epsilon it reproduces sklearn exactly, extremes included.
    p, y = [0.0, 1.0, 0.3], [1, 0, 1]
    assert m.log_loss(p, y, eps=np.finfo(float).eps) == pytest.approx(skm.log_loss(y, p), rel=1e-12)


def test_log_loss_per_game_is_each_game_s_term() -> None:
    got = m.log_loss_per_game([0.8, 0.8, 0.0], [True, False, True])
    np.testing.assert_allclose(got, [-math.log(0.8), -math.log(0.2), -math.log(1e-15)])
    assert got.mean() == pytest.approx(m.log_loss([0.8, 0.8, 0.0], [1, 0, 1]))
    with pytest.raises(ValueError, match="p must lie in"):
        m.log_loss_per_game([1.2], [1])


def test_expected_calibration_error_hand_case() -> None:
    p = [0.05, 0.15, 0.85, 0.95, 0.92]
    y = [0, 1, 1, 1, 0]
    # 10 bins: 0.05 -> bin 0 |0 - 0.05| = 0.05; 0.15 -> bin 1 |1 - 0.15| = 0.85;
    # 0.85 -> bin 8 |1 - 0.85| = 0.15; 0.95, 0.92 -> bin 9 |0.5 - 0.935| = 0.435 (n = 2).
    # ECE = (0.05 + 0.85 + 0.15 + 2 * 0.435) / 5 = 1.92 / 5 = 0.384
    assert m.expected_calibration_error(p, y) == pytest.approx(0.384)
    # 2 bins: [0, .5) mean y .5, mean p .1 -> .4 (n = 2); [.5, 1] mean y 2/3, mean p .906667
    # -> .24 (n = 3). ECE = (2 * 0.4 + 3 * 0.24) / 5 = 0.304
    assert m.expected_calibration_error(p, y, n_bins=2) == pytest.approx(0.304)


def test_ece_puts_p_equal_one_in_the_last_bin() -> None:
    # Pooled with 0.95 in bin 9: |mean y 0.5 - mean p 0.975| = 0.475. A separate bin for
    # p = 1 would give (|0 - 1| + |1 - 0.95|) / 2 = 0.525 instead.
    assert m.expected_calibration_error([1.0, 0.95], [0, 1]) == pytest.approx(0.475)


def test_title_log_loss_and_brier_three_teams() -> None:
    probs = [0.5, 0.3, 0.2]
    # Team 1 wins: -ln(0.3) = 1.2039728
    assert m.title_log_loss(probs, 1) == pytest.approx(1.2039728, rel=1e-7)
    # (0.5 - 0)^2 + (0.3 - 1)^2 + (0.2 - 0)^2 = 0.25 + 0.49 + 0.04 = 0.78
    assert m.title_brier(probs, 1) == pytest.approx(0.78)
    # Zero probability on the champion is clipped at 1e-15: -ln(1e-15) = 34.538776
    assert m.title_log_loss([0.6, 0.4, 0.0], 2) == pytest.approx(34.538776, rel=1e-7)
    assert m.title_brier([0.0, 0.0, 1.0], 2) == 0.0


@pytest.mark.parametrize(
    ("probs", "champion", "match"),
    [
        ([0.5, 0.3, 0.1], 0, "sum to 1"),
        ([0.5, 0.5], 2, "champion_index"),
        ([0.5, 0.5], -1, "champion_index"),
        ([0.5, 0.5], 1.0, "integer"),
        ([1.5, -0.5], 0, r"\[0, 1\]"),
        ([0.5, np.nan], 0, "non-finite"),
    ],
)
def test_title_metric_validation(probs: list[float], champion: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        m.title_log_loss(probs, champion)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        m.title_brier(probs, champion)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- bootstrap

VECTORISED = [
    m.spearman,
    m.kendall_tau,
    functools.partial(m.ndcg_at_k, k=5),
    functools.partial(m.ndcg_at_k, k=10, gain="exponential"),
    functools.partial(m.precision_at_k, k=8),
    m.rank_mae,
    m.rank_rmse,
]


@pytest.mark.parametrize("metric", VECTORISED)
def test_vectorised_bootstrap_equals_per_resample_loop(metric) -> None:
    # A lambda is not in the fast-path table, so it takes the loop; same seed -> same indices.
    scores, true_rank = _league(11, ties=True)
    fast = m.bootstrap_ci(metric, scores, true_rank, n_boot=300, seed=5)
    slow = m.bootstrap_ci(lambda s, r: metric(s, r), scores, true_rank, n_boot=300, seed=5)
    assert fast.point == slow.point
    assert fast.low == pytest.approx(slow.low, abs=1e-12)
    assert fast.high == pytest.approx(slow.high, abs=1e-12)


@pytest.mark.parametrize(
    "metric",
    [m.log_loss, m.brier, m.expected_calibration_error, functools.partial(m.log_loss, eps=1e-3)],
)
def test_vectorised_probability_bootstrap_equals_loop(metric) -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(size=80)
    y = (rng.uniform(size=80) < p).astype(int)
    fast = m.bootstrap_ci(metric, p, y, n_boot=300, seed=1)
    slow = m.bootstrap_ci(lambda a, b: metric(a, b), p, y, n_boot=300, seed=1)
    assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), abs=1e-12)


@pytest.mark.parametrize(
    ("metric", "key"),
    [(m.spearman, m.spearman), (functools.partial(m.ndcg_at_k, k=5), m.ndcg_at_k)],
)
def test_bootstrap_uses_one_vectorised_call(metric, key, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    core = m._ROW_CORES[key]

    def counting(*arrays: np.ndarray, **kwargs: object) -> np.ndarray:
        calls.append(arrays[0].shape)
        return core(*arrays, **kwargs)

    monkeypatch.setitem(m._ROW_CORES, key, counting)
    scores, true_rank = _league(0)
    m.bootstrap_ci(metric, scores, true_rank, n_boot=2000)
    assert calls == [(2000, 30)]  # one (n_boot, n_rows) call; the scalar point skips the table




def test_bootstrap_ci_contains_point_and_narrows_with_more_rows() -> None:
    small = m.bootstrap_ci(m.spearman, *_league(4, n=30))
    big = m.bootstrap_ci(m.spearman, *_league(4, n=600))
    for ci in (small, big):
        assert ci.low <= ci.point <= ci.high
        assert ci.low < ci.high
    assert big.high - big.low < 0.5 * (small.high - small.low)


def test_bootstrap_alpha_widens_interval() -> None:
    data = _league(4)
    narrow = m.bootstrap_ci(m.spearman, *data, alpha=0.5)
    wide = m.bootstrap_ci(m.spearman, *data, alpha=0.01)
    assert wide.low < narrow.low and narrow.high < wide.high


def test_bootstrap_is_deterministic_by_seed() -> None:
    data = _league(8)
    a = m.bootstrap_ci(m.spearman, *data, seed=3)
    b = m.bootstrap_ci(m.spearman, *data, seed=3)
    c = m.bootstrap_ci(m.spearman, *data, seed=4)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    assert a.point == c.point


def test_bootstrap_ci_over_groups() -> None:
    values = np.array([0.2, 0.5, 0.3, 0.9, 0.4, 0.6])
    ci = m.bootstrap_ci_over_groups(values, n_boot=4000, seed=0)
    assert ci.point == pytest.approx(values.mean())
    assert values.min() < ci.low < ci.point < ci.high < values.max()
    # The spread of a mean of 6 draws is sd / sqrt(6); the 95% interval is ~ +-1.96 of that.
    half_width = 1.96 * values.std() / math.sqrt(len(values))
    assert (ci.high - ci.low) / 2 == pytest.approx(half_width, rel=0.15)
    assert ci == m.bootstrap_ci_over_groups(values, 4000, 0)
    assert ci != m.bootstrap_ci_over_groups(values, 4000, 1)
    flat = m.bootstrap_ci_over_groups([0.7, 0.7, 0.7])
    assert (flat.point, flat.low, flat.high) == pytest.approx((0.7, 0.7, 0.7))


def test_paired_diff_of_identical_predictors_is_exactly_zero() -> None:
    scores, true_rank = _league(1)
    for metric in (m.spearman, m.rank_mae, lambda s, r: m.ndcg_at_k(s, r, 5)):
        d = m.paired_bootstrap_diff(metric, scores, scores.copy(), true_rank, n_boot=500)
        assert (d.point, d.low, d.high) == (0.0, 0.0, 0.0)
        assert d.share_a_le_b == 1.0 and d.share_a_ge_b == 1.0


def test_paired_diff_detects_the_better_predictor() -> None:
    rng = np.random.default_rng(0)
    true_rank = np.arange(1, 61, dtype=float)
    good = -true_rank + rng.normal(scale=3, size=60)
    bad = -true_rank + rng.normal(scale=30, size=60)
    d = m.paired_bootstrap_diff(m.spearman, good, bad, true_rank, n_boot=2000, seed=0)
    assert d.point == pytest.approx(m.spearman(good, true_rank) - m.spearman(bad, true_rank))
    assert 0 < d.low < d.point < d.high
    assert d.share_a_le_b < 0.01 and d.share_a_ge_b > 0.99
    # For a loss the better predictor has the lower value, so the shares flip.
    loss = m.paired_bootstrap_diff(m.rank_mae, good, bad, true_rank, n_boot=2000, seed=0)
    assert loss.high < 0 and loss.share_a_ge_b < 0.01


def test_paired_diff_resamples_the_same_rows_for_both() -> None:
    # If a and b were resampled independently, the diff of two equally good but different
    # predictors would spread like two independent spearman CIs; paired, b = a + tiny noise
    # keeps the diff interval very tight.
    scores, true_rank = _league(2)
    near = scores + np.random.default_rng(9).normal(scale=1e-3, size=30)
    d = m.paired_bootstrap_diff(m.spearman, scores, near, true_rank, n_boot=1000)
    single = m.bootstrap_ci(m.spearman, scores, true_rank, n_boot=1000)
    assert d.high - d.low < 0.1 * (single.high - single.low)


def test_bootstrap_refuses_undefined_resamples() -> None:
    # 3 rows: about 1 in 9 resamples repeats one row and makes spearman undefined.
    with pytest.raises(ValueError, match="undefined"):
        m.bootstrap_ci(m.spearman, [0.3, 0.2, 0.1], [1, 2, 3], n_boot=200)
    # Row resampling drops or duplicates the champion; the error points to the groups version.
    scores, true_rank = _league(0)
    with pytest.raises(ValueError, match="bootstrap_ci_over_groups"):
        m.bootstrap_ci(m.mrr, scores, true_rank, n_boot=200)


# --------------------------------------------------------------------- validation

RANKING_METRICS = [
    m.spearman,
    m.kendall_tau,
    functools.partial(m.ndcg_at_k, k=2),
    functools.partial(m.precision_at_k, k=2),
    m.rank_mae,
    m.rank_rmse,
    m.champion_predicted_rank,
    m.mrr,
]


@pytest.mark.parametrize("metric", RANKING_METRICS)
@pytest.mark.parametrize(
    ("scores", "true_rank", "match"),
    [
        ([0.1, np.nan, 0.3], [1, 2, 3], "non-finite"),
        ([0.1, 0.2, 0.3], [1, 2, np.inf], "non-finite"),
        ([0.1, 0.2, 0.3], [1, 2], "equal lengths"),
        ([0.1, 0.2, 0.3], [5.1, -2.0, 0.4], r"true_rank must lie in \[1, 3\]"),
        ([[0.1, 0.2, 0.3]], [[1, 2, 3]], "1-D"),
        ([], [], "empty"),
        (["a", "b", "c"], [1, 2, 3], "numeric"),
    ],
)
def test_ranking_metric_validation(metric, scores, true_rank, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        metric(scores, true_rank)


@pytest.mark.parametrize("fn", [m.ndcg_at_k, m.precision_at_k])
@pytest.mark.parametrize("k", [0, 4, True, 2.0])
def test_k_validation(fn, k: object) -> None:
    with pytest.raises(ValueError, match="k must"):
        fn([0.3, 0.2, 0.1], [1, 2, 3], k)


def test_ndcg_gain_validation() -> None:
    with pytest.raises(ValueError, match="gain"):
        m.ndcg_at_k([0.3, 0.2, 0.1], [1, 2, 3], 2, gain="log")  # type: ignore[arg-type]


@pytest.mark.parametrize("metric", [m.log_loss, m.brier, m.expected_calibration_error])
@pytest.mark.parametrize(
    ("p", "y", "match"),
    [
        ([0.2, np.nan], [0, 1], "non-finite"),
        ([0.2, 0.5], [0, 1, 1], "equal lengths"),
        ([0.2, 1.2], [0, 1], r"\[0, 1\]"),
        ([-0.1, 0.5], [0, 1], r"\[0, 1\]"),
        ([0.2, 0.5], [0, 2], "0/1"),
        ([0.2, 0.5], [0, 0.5], "0/1"),
    ],
)
def test_probability_metric_validation(metric, p, y, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        metric(p, y)


def test_ece_and_eps_parameter_validation() -> None:
    with pytest.raises(ValueError, match="n_bins"):
        m.expected_calibration_error([0.5], [1], n_bins=0)
    with pytest.raises(ValueError, match="eps"):
        m.log_loss([0.5], [1], eps=0.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: m.bootstrap_ci(m.spearman, [0.1, np.nan, 0.3], [1, 2, 3]), "non-finite"),
        (lambda: m.bootstrap_ci(m.spearman, [0.1, 0.2, 0.3], [1, 2]), "equal lengths"),
        (lambda: m.bootstrap_ci(m.spearman), "no arrays"),
        (lambda: m.bootstrap_ci(m.spearman, [0.3, 0.1], [1, 2], n_boot=0), "n_boot"),
        (lambda: m.bootstrap_ci(m.spearman, [0.3, 0.1], [1, 2], alpha=1.0), "alpha"),
        (lambda: m.bootstrap_ci_over_groups([0.5]), "two groups"),
        (lambda: m.bootstrap_ci_over_groups([0.5, np.nan]), "non-finite"),
        (
            lambda: m.paired_bootstrap_diff(m.spearman, [0.1, 0.2, 0.3], [0.1, 0.2], [1, 2, 3]),
            "equal lengths",
        ),
        (
            lambda: m.paired_bootstrap_diff(m.spearman, [0.1, 0.2], [0.1, np.nan], [1, 2]),
            "non-finite",
        ),
    ],
)
def test_bootstrap_validation(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_results_are_frozen_dataclasses() -> None:
    ci = m.bootstrap_ci_over_groups([0.1, 0.2, 0.3], n_boot=10)
    with pytest.raises(AttributeError):
        ci.point = 1.0  # type: ignore[misc]
    assert set(ci.__dataclass_fields__) == {"point", "low", "high"}


def test_precision_tie_split_is_the_random_tie_break_expectation() -> None:
    # Brute force: average set precision over every ordering of the tied scores.
    scores = np.array([5.0, 3.0, 3.0, 3.0, 1.0, 0.0])
    true_rank = np.array([1, 4, 2, 3, 5, 6])
    k = 3
    tied = np.flatnonzero(scores == 3.0)
    values = []
    for perm in itertools.permutations(range(len(tied))):
        broken = scores.copy()
        broken[tied] += np.array(perm) * 1e-6
        top = set(np.argsort(-broken)[:k])
        values.append(len(top & set(np.flatnonzero(true_rank <= k))) / k)
    assert m.precision_at_k(scores, true_rank, k) == pytest.approx(np.mean(values))


def test_reliability_table_bins_known_predictions():
    from truestrength.evaluation.metrics import reliability_table

    p = np.array([0.05, 0.15, 0.15, 0.55, 0.55, 0.55, 0.55, 1.0])
    y = np.array([0, 0, 1, 1, 1, 0, 1, 1])
    t = reliability_table(p, y, n_bins=10)
    assert list(t["bin_low"]) == pytest.approx([0.0, 0.1, 0.5, 0.9])  # empty bins left out
    assert list(t["n"]) == [1, 2, 4, 1]  # p = 1 falls in the last bin
    assert list(t["predicted"]) == pytest.approx([0.05, 0.15, 0.55, 1.0])
    assert list(t["observed"]) == pytest.approx([0.0, 0.5, 0.75, 1.0])
    assert t["se"].iloc[2] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert t["n"].sum() == len(p)


def test_reliability_table_with_uneven_edges_for_title_odds():
    from truestrength.evaluation.metrics import reliability_table

    p = np.array([0.0, 0.005, 0.02, 0.02, 0.3, 0.6, 1.0])
    y = np.array([0, 0, 0, 1, 0, 1, 1])
    t = reliability_table(p, y, edges=[0.0, 0.01, 0.1, 0.5, 1.0])
    assert list(t["bin_low"]) == pytest.approx([0.0, 0.01, 0.1, 0.5])
    assert list(t["n"]) == [2, 2, 1, 2]  # 1.0 falls in the last bin
    assert list(t["observed"]) == pytest.approx([0.0, 0.5, 0.0, 1.0])
    for bad in ([0.0, 0.5], [0.1, 1.0], [0.0, 0.5, 0.4, 1.0]):  # not 0 → 1, not increasing
        with pytest.raises(ValueError, match="edges"):
            reliability_table(p, y, edges=bad)
