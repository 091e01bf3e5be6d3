"""Ranking, probability and bootstrap metrics for judging team-strength predictors.

Conventions (every function follows them; the parameter names say which is meant):

* ``scores`` -- predicted strengths, **higher is better**. Only their order matters for the
  ranking metrics.
* ``true_rank`` -- the true rank, **1 = best**, ties as averaged ranks (two teams tied for
  first are both 1.5). Values must lie in ``[1, n_teams]``; this is what catches the easy
  mistake of passing a higher-is-better value (net rating, wins) where a rank is expected.
  Ranking metrics take no ``true_value`` form: turn values into ranks with
  :func:`scores_to_ranks` first.
* ``p`` / ``y`` -- binary probabilities in ``[0, 1]`` and outcomes in ``{0, 1}``.

Every metric turns its inputs into 1-D float arrays and raises ``ValueError`` on
unequal lengths, empty input, non-finite values (NaN is never dropped) or out-of-range values.

Apart from the champion metrics, the ranking metrics first re-rank ``true_rank`` (average
ties). On a proper rank vector that is the identity; it matters for bootstrap resamples, where
rows repeat and go missing, so that each resample is scored as a league of its own.

Bootstrap helpers return small frozen dataclasses (:class:`Interval`, :class:`PairedDiff`).
The metrics defined here have a vectorised form the bootstrap uses (one index matrix, one
call); any other callable, e.g. a lambda, is called once per resample.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from truestrength.base.stats import scores_to_ranks, spearman_rows

__all__ = [
    "Interval",
    "PairedDiff",
    "bootstrap_ci",
    "bootstrap_ci_over_groups",
    "brier",
    "champion_predicted_rank",
    "expected_calibration_error",
    "kendall_tau",
    "log_loss",
    "log_loss_per_game",
    "mean_mrr",
    "mrr",
    "ndcg_at_k",
    "paired_bootstrap_diff",
    "precision_at_k",
    "rank_mae",
    "rank_rmse",
    "scores_to_ranks",
    "spearman",
    "title_brier",
    "title_log_loss",
]

FloatArray = NDArray[np.float64]

#: Default probability clip for the log losses: p -> clip(p, eps, 1 - eps).
LOG_LOSS_EPS = 1e-15
#: How far a championship distribution may be from summing to 1.
TITLE_PROB_TOL = 1e-6


# --------------------------------------------------------------------------- validation


def _vector(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} non-finite value(s) (first at index {first}: "
            f"{arr[first]}); clean them before scoring"
        )
    return arr


def _same_length(**arrays: FloatArray) -> int:
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"inputs must have equal lengths, got {lengths}")
    return next(iter(lengths.values()))


def _ranking_inputs(
    scores: ArrayLike, true_rank: ArrayLike, min_n: int = 1
) -> tuple[FloatArray, FloatArray]:
    s = _vector(scores, "scores")
    r = _vector(true_rank, "true_rank")
    n = _same_length(scores=s, true_rank=r)
    if n < min_n:
        raise ValueError(f"need at least {min_n} teams, got {n}")
    if r.min() < 1 or r.max() > n:
        raise ValueError(
            f"true_rank must lie in [1, {n}] (1 = best) for {n} teams, got min {r.min()} and "
            f"max {r.max()}; pass a rank, not a higher-is-better value or a league-wide rank "
            "of a subset"
        )
    return s, r


def _prob_inputs(p: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    pa = _vector(p, "p")
    ya = _vector(y, "y")
    _same_length(p=pa, y=ya)
    if pa.min() < 0 or pa.max() > 1:
        raise ValueError(f"p must lie in [0, 1], got min {pa.min()} and max {pa.max()}")
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError(f"y must be 0/1 outcomes, got values {np.unique(ya)[:10]}")
    return pa, ya


def _positive_int(value: object, name: str, upper: int | None = None) -> int:
    # bool is an int subclass; True as k or n_bins is a bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < 1 or (upper is not None and v > upper):
        bound = f"[1, {upper}]" if upper is not None else ">= 1"
        raise ValueError(f"{name} must be in {bound}, got {v}")
    return v


def _eps(eps: float) -> float:
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}")
    return float(eps)


# ---------------------------------------------------------------- row-wise metric cores
#
# Each core takes 2-D arrays (one row per league / bootstrap resample) of already validated
# values and returns one value per row. The public functions call them with a single row, so
# the bootstrap's vectorised path and the scalar functions share one implementation.


def _spearman_rows(scores: FloatArray, true_rank: FloatArray) -> FloatArray:
    return spearman_rows(scores, -true_rank)


# Pairwise sign matrices are O(n^2); past this many pairs scipy's O(n log n) is used per row.
_KENDALL_MAX_PAIRS = 200_000
_KENDALL_CHUNK_ELEMS = 4_000_000


def _kendall_rows(scores: FloatArray, true_rank: FloatArray) -> FloatArray:
    n_rows, n = scores.shape
    n_pairs = n * (n - 1) // 2
    if n_pairs > _KENDALL_MAX_PAIRS:
        return np.array(
            [stats.kendalltau(s, -r).statistic for s, r in zip(scores, true_rank, strict=True)]
        )
    i, j = np.triu_indices(n, 1)
    out = np.empty(n_rows)
    step = max(1, _KENDALL_CHUNK_ELEMS // max(1, n_pairs))
    for lo in range(0, n_rows, step):
        sx = np.sign(scores[lo : lo + step, i] - scores[lo : lo + step, j])
        sy = np.sign(true_rank[lo : lo + step, j] - true_rank[lo : lo + step, i])
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo : lo + step] = (sx * sy).sum(axis=1) / np.sqrt(
                np.abs(sx).sum(axis=1) * np.abs(sy).sum(axis=1)
            )
    return np.clip(out, -1.0, 1.0)


def _ndcg_rows(
    scores: FloatArray, true_rank: FloatArray, k: int, gain: str = "linear"
) -> FloatArray:
    n_rows, n = scores.shape
    linear = n + 1 - stats.rankdata(true_rank, axis=1)
    # Exponential is computed as (2^linear - 1) / 2^n: the common factor 2^-n cancels in
    # DCG / IDCG and keeps large leagues from overflowing.
    g = linear if gain == "linear" else np.exp2(linear - n) - np.exp2(-n)
    discount = np.zeros(n)
    discount[:k] = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = (np.sort(g, axis=1)[:, ::-1] * discount).sum(axis=1)

    # Tied scores share the mean gain of their group at every position the group occupies,
    # which is the expected DCG under a random tie-break (sklearn's ignore_ties=False).
    order = np.argsort(-scores, axis=1, kind="stable")
    s_sorted = np.take_along_axis(scores, order, axis=1)
    g_sorted = np.take_along_axis(g, order, axis=1)
    starts = np.ones((n_rows, n), dtype=bool)
    starts[:, 1:] = s_sorted[:, 1:] != s_sorted[:, :-1]
    group = np.cumsum(starts, axis=1) - 1 + (np.arange(n_rows) * n)[:, None]
    sums = np.bincount(group.ravel(), weights=g_sorted.ravel(), minlength=n_rows * n)
    sizes = np.bincount(group.ravel(), minlength=n_rows * n)
    dcg = (sums[group] / sizes[group] * discount).sum(axis=1)
    return dcg / ideal


def _top_k_membership(values: FloatArray, k: int) -> FloatArray:
    """Share of each row element inside the top k of higher-is-better ``values``.

    A tied group straddling the cut gets the free slots split evenly, i.e. the chance of being
    in the top k under a uniformly random tie-break.
    """
    first = stats.rankdata(-values, method="min", axis=1)  # 1 + number strictly better
    last = stats.rankdata(-values, method="max", axis=1)  # number better or tied (incl. self)
    return np.clip((k - (first - 1)) / (last - first + 1), 0.0, 1.0)


def _precision_rows(scores: FloatArray, true_rank: FloatArray, k: int) -> FloatArray:
    return (_top_k_membership(scores, k) * _top_k_membership(-true_rank, k)).sum(axis=1) / k


def _rank_errors(scores: FloatArray, true_rank: FloatArray) -> FloatArray:
    return stats.rankdata(-scores, axis=1) - stats.rankdata(true_rank, axis=1)


def _rank_mae_rows(scores: FloatArray, true_rank: FloatArray) -> FloatArray:
    return np.abs(_rank_errors(scores, true_rank)).mean(axis=1)


def _rank_rmse_rows(scores: FloatArray, true_rank: FloatArray) -> FloatArray:
    return np.sqrt((_rank_errors(scores, true_rank) ** 2).mean(axis=1))


def _log_loss_rows(p: FloatArray, y: FloatArray, eps: float = LOG_LOSS_EPS) -> FloatArray:
    pc = np.clip(p, eps, 1.0 - eps)
    return -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc)).mean(axis=1)


def _brier_rows(p: FloatArray, y: FloatArray) -> FloatArray:
    return ((p - y) ** 2).mean(axis=1)


def _ece_rows(p: FloatArray, y: FloatArray, n_bins: int = 10) -> FloatArray:
    n_rows, n = p.shape
    bins = np.minimum(np.floor(p * n_bins).astype(np.int64), n_bins - 1)
    ids = (bins + (np.arange(n_rows) * n_bins)[:, None]).ravel()
    size = n_rows * n_bins
    sum_p = np.bincount(ids, weights=p.ravel(), minlength=size).reshape(n_rows, n_bins)
    sum_y = np.bincount(ids, weights=y.ravel(), minlength=size).reshape(n_rows, n_bins)
    # (n_b / N) * |mean_y_b - mean_p_b| == |sum_y_b - sum_p_b| / N, and empty bins give 0.
    return np.abs(sum_y - sum_p).sum(axis=1) / n


def _one(core: Callable[..., FloatArray], *arrays: FloatArray, **kwargs: object) -> float:
    return float(core(*(a[None, :] for a in arrays), **kwargs)[0])


# -------------------------------------------------------------------------- ranking


def spearman(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Spearman's rho between predicted scores and the true order; +1 = perfect.

    ``rho = pearson(rank(scores), rank(-true_rank))`` with average ranks for ties, i.e.
    ``scipy.stats.spearmanr(scores, -true_rank).statistic``. The sign flip makes a predictor
    that puts the true rank-1 team highest score positive.

    Raises ``ValueError`` if either input is constant (rho is undefined there).
    """
    s, r = _ranking_inputs(scores, true_rank, min_n=2)
    rho = _one(_spearman_rows, s, r)
    if np.isnan(rho):
        raise ValueError("spearman is undefined when scores or true_rank is constant")
    return rho


def kendall_tau(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Kendall's tau-b between predicted scores and the true order; +1 = perfect.

    Over pairs i < j, with ``a = sign(s_i - s_j)`` and ``b = sign(r_j - r_i)`` (so that
    ``b = +1`` means i is truly better): ``tau_b = sum(a*b) / sqrt(sum|a| * sum|b|)``, i.e.
    ``(concordant - discordant) / sqrt((n0 - ties_scores) * (n0 - ties_truth))``. Equals
    ``scipy.stats.kendalltau(scores, -true_rank).statistic``.

    Raises ``ValueError`` if either input is constant (tau-b is undefined there).
    """
    s, r = _ranking_inputs(scores, true_rank, min_n=2)
    tau = _one(_kendall_rows, s, r)
    if np.isnan(tau):
        raise ValueError("kendall_tau is undefined when scores or true_rank is constant")
    return tau


def ndcg_at_k(
    scores: ArrayLike,
    true_rank: ArrayLike,
    k: int,
    gain: Literal["linear", "exponential"] = "linear",
) -> float:
    """Normalised discounted cumulative gain of the top ``k`` predicted teams.

    With n teams, ``R = rank(true_rank)`` (identity on a proper rank vector) and positions
    1..n in descending-score order:

    * gain ``"linear"``: ``g = n + 1 - R`` (31 - rank for 30 teams: champion 30, worst 1);
    * gain ``"exponential"``: ``g = 2^(n + 1 - R) - 1``;
    * ``DCG@k = sum_{pos <= k} g(team at pos) / log2(1 + pos)``; ``IDCG@k`` is the same with
      the teams in true order; ``NDCG@k = DCG@k / IDCG@k`` in (0, 1], 1 = perfect top k.

    Teams with tied scores each get the mean gain of their tie group (the expected DCG under a
    random tie-break, as ``sklearn.metrics.ndcg_score`` with ``ignore_ties=False``).

    Reading the numbers: linear NDCG has a high floor (30 teams, k = 30: the fully reversed
    order still scores 0.65; swapping ranks 1 and 2 costs 0.002). Exponential gain halves at
    every rank, so NDCG becomes essentially a top-two metric: for 30 teams the champion is 65%
    and the top two 85% of IDCG, getting ranks 1-2 right and the other 28 fully reversed still
    scores 0.92, and swapping ranks 29 and 30 changes it by 2e-12.
    """
    s, r = _ranking_inputs(scores, true_rank)
    k = _positive_int(k, "k", upper=s.shape[0])
    if gain not in ("linear", "exponential"):
        raise ValueError(f"gain must be 'linear' or 'exponential', got {gain!r}")
    return _one(_ndcg_rows, s, r, k=k, gain=gain)


def precision_at_k(scores: ArrayLike, true_rank: ArrayLike, k: int) -> float:
    """Share of the predicted top ``k`` that are in the true top ``k``.

    ``precision@k = |top_k(scores) ∩ top_k(true order)| / k``. A tie group straddling either
    cut takes the remaining slots in equal fractions, so the result is the expected precision
    under uniformly random tie-breaking (and can be fractional).
    """
    s, r = _ranking_inputs(scores, true_rank)
    k = _positive_int(k, "k", upper=s.shape[0])
    return _one(_precision_rows, s, r, k=k)


def rank_mae(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Mean absolute rank error: ``mean_i |scores_to_ranks(scores)_i - R_i|``.

    ``R = rank(true_rank)`` with average ties (identity on a proper rank vector).
    """
    s, r = _ranking_inputs(scores, true_rank)
    return _one(_rank_mae_rows, s, r)


def rank_rmse(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Root mean squared rank error: ``sqrt(mean_i (scores_to_ranks(scores)_i - R_i)^2)``.

    ``R = rank(true_rank)`` with average ties (identity on a proper rank vector).
    """
    s, r = _ranking_inputs(scores, true_rank)
    return _one(_rank_rmse_rows, s, r)


def champion_predicted_rank(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Predicted rank (``scores_to_ranks``, 1 = best, ties averaged) of the true champion.

    The champion is the one team with ``true_rank == 1``; exactly one is required. Row
    resampling of teams usually drops or duplicates it, so bootstrap this over seasons with
    :func:`bootstrap_ci_over_groups`, not :func:`bootstrap_ci`.
    """
    s, r = _ranking_inputs(scores, true_rank)
    champions = np.flatnonzero(r == 1)
    if champions.size != 1:
        raise ValueError(f"need exactly one team with true_rank == 1, found {champions.size}")
    return float(stats.rankdata(-s, method="average")[champions[0]])


def mrr(scores: ArrayLike, true_rank: ArrayLike) -> float:
    """Reciprocal rank of the champion: ``1 / champion_predicted_rank(scores, true_rank)``.

    With a tie at the champion's score this is 1 / (average rank), not the mean of the
    reciprocal ranks over tie-breaks.
    """
    return 1.0 / champion_predicted_rank(scores, true_rank)


def mean_mrr(
    scores_by_season: Sequence[ArrayLike], true_rank_by_season: Sequence[ArrayLike]
) -> float:
    """Mean reciprocal rank over seasons: ``mean_s mrr(scores_s, true_rank_s)``.

    Seasons may have different team counts. For a CI, pass the per-season ``mrr`` values to
    :func:`bootstrap_ci_over_groups`.
    """
    if len(scores_by_season) != len(true_rank_by_season):
        raise ValueError(
            f"got {len(scores_by_season)} seasons of scores and "
            f"{len(true_rank_by_season)} of true ranks"
        )
    if len(scores_by_season) == 0:
        raise ValueError("no seasons given")
    return float(
        np.mean([mrr(s, r) for s, r in zip(scores_by_season, true_rank_by_season, strict=True)])
    )


# --------------------------------------------------------------------- probabilities


def log_loss(p: ArrayLike, y: ArrayLike, eps: float = LOG_LOSS_EPS) -> float:
    """Binary log loss, natural log: ``-mean(y ln p' + (1 - y) ln(1 - p'))``.

    ``p`` must lie in [0, 1] (anything else raises; it is not clipped into range). Only for
    the logarithm is ``p' = clip(p, eps, 1 - eps)`` with ``eps = 1e-15``, so a confident miss
    costs ln(1e15) ~ 34.5 instead of infinity. scikit-learn >= 1.5 (the pinned 1.9.1 included)
    clips at the float64 machine epsilon ~2.2e-16 instead; pass ``eps=np.finfo(float).eps``
    to reproduce ``sklearn.metrics.log_loss`` exactly. The two differ only for p within 1e-15
    of 0 or 1.
    """
    pa, ya = _prob_inputs(p, y)
    return _one(_log_loss_rows, pa, ya, eps=_eps(eps))


def log_loss_per_game(p: ArrayLike, y: ArrayLike, eps: float = LOG_LOSS_EPS) -> FloatArray:
    """Each row's term of :func:`log_loss` (their mean is it): the per-game losses two
    forecasts of the same games are compared on."""
    pa, ya = _prob_inputs(p, y)
    return _log_loss_rows(pa[:, None], ya[:, None], eps=_eps(eps))


def brier(p: ArrayLike, y: ArrayLike) -> float:
    """Binary Brier score: ``mean((p - y)^2)`` in [0, 1], lower is better."""
    pa, ya = _prob_inputs(p, y)
    return _one(_brier_rows, pa, ya)


def expected_calibration_error(p: ArrayLike, y: ArrayLike, n_bins: int = 10) -> float:
    """Expected calibration error with equal-width bins, weighted by bin count.

    Bin b covers ``[b / B, (b + 1) / B)`` (the last bin also takes p = 1), computed as
    ``min(floor(p * B), B - 1)``; with ``n_b`` predictions in bin b out of N,
    ``ECE = sum_b (n_b / N) * |mean(y in b) - mean(p in b)|``. Empty bins contribute 0.
    """
    pa, ya = _prob_inputs(p, y)
    return _one(_ece_rows, pa, ya, n_bins=_positive_int(n_bins, "n_bins"))


def reliability_table(p: ArrayLike, y: ArrayLike, n_bins: int = 10,
                      edges: ArrayLike | None = None) -> pd.DataFrame:
    """Calibration by equal-width bins of the predicted probability (the bins of
    :func:`expected_calibration_error`), or by the given bin ``edges`` (from 0 to 1,
    increasing: title odds crowd near 0 and need narrow low bins): per non-empty bin its
    range, count, mean prediction and observed rate, and the observed rate's binomial
    standard error. A calibrated forecaster has ``observed`` within about two standard errors
    of ``predicted``."""
    pa, ya = _prob_inputs(p, y)
    if edges is None:
        n_bins = _positive_int(n_bins, "n_bins")
        e = np.linspace(0.0, 1.0, n_bins + 1)
        b = np.minimum((pa * n_bins).astype(int), n_bins - 1)
    else:
        e = np.asarray(edges, dtype=np.float64)
        if e.ndim != 1 or len(e) < 2 or e[0] != 0.0 or e[-1] != 1.0 or (np.diff(e) <= 0).any():
            raise ValueError(f"edges must increase from 0 to 1, got {e.tolist()}")
        b = np.minimum(np.searchsorted(e, pa, side="right") - 1, len(e) - 2)
    rows = []
    for k in np.unique(b):
        sel = b == k
        obs = float(ya[sel].mean())
        rows.append({"bin_low": float(e[k]), "bin_high": float(e[k + 1]),
                     "n": int(sel.sum()), "predicted": float(pa[sel].mean()),
                     "observed": obs, "se": float(np.sqrt(obs * (1 - obs) / sel.sum()))})
    return pd.DataFrame(rows)


def _title_inputs(probs: ArrayLike, champion_index: int) -> tuple[FloatArray, int]:
    pr = _vector(probs, "probs")
    if pr.min() < 0 or pr.max() > 1:
        raise ValueError(f"probs must lie in [0, 1], got min {pr.min()} and max {pr.max()}")
    total = pr.sum()
    if abs(total - 1.0) > TITLE_PROB_TOL:
        raise ValueError(f"probs must sum to 1 within {TITLE_PROB_TOL}, got {total}")
    if isinstance(champion_index, bool) or not isinstance(champion_index, int | np.integer):
        raise ValueError(f"champion_index must be an integer, got {champion_index!r}")
    c = int(champion_index)
    if not 0 <= c < pr.shape[0]:
        raise ValueError(f"champion_index must be in [0, {pr.shape[0]}), got {c}")
    return pr, c


def title_log_loss(probs: ArrayLike, champion_index: int, eps: float = LOG_LOSS_EPS) -> float:
    """Championship log loss for one season: ``-ln(max(p_champion, eps))``, eps = 1e-15.

    ``probs`` is one probability per team, summing to 1 within 1e-6; ``champion_index`` is the
    champion's position in it. Over seasons, take the mean.
    """
    pr, c = _title_inputs(probs, champion_index)
    return float(-np.log(max(pr[c], _eps(eps))))


def title_brier(probs: ArrayLike, champion_index: int) -> float:
    """Multiclass championship Brier score: ``sum_i (p_i - 1[i = champion])^2`` in [0, 2].

    Not divided by the number of teams, so a uniform guess over 30 teams scores 29/30.
    """
    pr, c = _title_inputs(probs, champion_index)
    target = np.zeros_like(pr)
    target[c] = 1.0
    return float(((pr - target) ** 2).sum())


# ------------------------------------------------------------------------ bootstrap


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with a percentile bootstrap interval ``[low, high]``."""

    point: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class PairedDiff:
    """``metric(a) - metric(b)`` with a paired percentile bootstrap interval.

    ``share_a_le_b`` / ``share_a_ge_b`` are the shares of resamples with diff <= 0 / >= 0.
    For a higher-is-better metric ``share_a_le_b`` is a one-sided p-value-like figure for
    "a beats b"; for a loss (rank_mae, log_loss, ...) read ``share_a_ge_b`` instead.
    """

    point: float
    low: float
    high: float
    share_a_le_b: float
    share_a_ge_b: float


_ROW_CORES: dict[Callable[..., float], Callable[..., FloatArray]] = {
    spearman: _spearman_rows,
    kendall_tau: _kendall_rows,
    ndcg_at_k: _ndcg_rows,
    precision_at_k: _precision_rows,
    rank_mae: _rank_mae_rows,
    rank_rmse: _rank_rmse_rows,
    log_loss: _log_loss_rows,
    brier: _brier_rows,
    expected_calibration_error: _ece_rows,
}

# Resampled rows per vectorised call; bounds memory for long inputs.
_BOOT_CHUNK_ELEMS = 2_000_000


def _check_boot_params(n_boot: int, alpha: float) -> int:
    n_boot = _positive_int(n_boot, "n_boot")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return n_boot


def _boot_arrays(arrays: Sequence[ArrayLike], names: Sequence[str]) -> list[np.ndarray]:
    if not arrays:
        raise ValueError("no arrays to resample")
    out = []
    for a, name in zip(arrays, names, strict=True):
        arr = np.asarray(a)
        if arr.ndim == 0:
            raise ValueError(f"{name} must be an array, got a scalar")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} has non-finite values; clean them before bootstrapping")
        out.append(arr)
    lengths = {name: a.shape[0] for a, name in zip(out, names, strict=True)}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"arrays must have equal lengths (rows), got {lengths}")
    if out[0].shape[0] == 0:
        raise ValueError("arrays are empty")
    return out


def _resampled(
    metric_fn: Callable[..., float], arrays: Sequence[np.ndarray], idx: NDArray[np.intp]
) -> FloatArray:
    """``metric_fn`` on every resample ``[a[row] for a in arrays]``, one per row of ``idx``."""
    fn, kwargs = metric_fn, {}
    # functools.partial(ndcg_at_k, k=5) is the natural way to fix k; keep it on the fast path.
    if isinstance(fn, functools.partial) and not fn.args:
        fn, kwargs = fn.func, dict(fn.keywords)
    core = _ROW_CORES.get(fn)
    if core is not None and all(a.ndim == 1 for a in arrays):
        floats = [a.astype(np.float64) for a in arrays]
        step = max(1, _BOOT_CHUNK_ELEMS // idx.shape[1])
        values = np.concatenate(
            [
                core(*(a[idx[lo : lo + step]] for a in floats), **kwargs)
                for lo in range(0, idx.shape[0], step)
            ]
        )
    else:
        values = np.empty(idx.shape[0])
        for b, rows in enumerate(idx):
            try:
                values[b] = metric_fn(*(a[rows] for a in arrays))
            except ValueError as exc:
                raise ValueError(
                    f"metric failed on bootstrap resample {b}: {exc}. Resampling rows can "
                    "break metrics tied to one row (the champion); resample seasons with "
                    "bootstrap_ci_over_groups instead"
                ) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} of {values.size} bootstrap resamples gave an undefined metric "
            "(e.g. a constant resample for a correlation); use more rows"
        )
    return values


def _percentiles(values: FloatArray, alpha: float) -> tuple[float, float]:
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_ci(
    metric_fn: Callable[..., float],
    *arrays: ArrayLike,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap CI of ``metric_fn(*arrays)``, resampling rows (teams).

    ``point = metric_fn(*arrays)``. Draw ``n_boot`` index vectors of length n uniformly with
    replacement (``numpy.random.default_rng(seed)``), apply the same indices to every array,
    and return the ``alpha/2`` and ``1 - alpha/2`` quantiles (numpy's linear interpolation) of
    the resampled metric as ``low`` / ``high``. The percentile interval need not contain the
    point for a skewed statistic.

    Fix extra arguments with ``functools.partial(ndcg_at_k, k=5)`` (keyword-only partials of
    this module's metrics stay vectorised). Raises ``ValueError`` if any resample is
    undefined rather than dropping it.
    """
    n_boot = _check_boot_params(n_boot, alpha)
    arrs = _boot_arrays(arrays, [f"arrays[{i}]" for i in range(len(arrays))])
    point = float(metric_fn(*arrs))
    idx = np.random.default_rng(seed).integers(0, arrs[0].shape[0], size=(n_boot, len(arrs[0])))
    return Interval(point, *_percentiles(_resampled(metric_fn, arrs, idx), alpha))


def bootstrap_ci_over_groups(
    values_per_group: ArrayLike, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05
) -> Interval:
    """Percentile bootstrap CI of the mean of per-group (per-season) metric values.

    ``point = mean(values)``; each resample draws G of the G groups with replacement and takes
    their mean; ``low`` / ``high`` are its ``alpha/2`` and ``1 - alpha/2`` quantiles. Use this
    for season-level metrics (mrr, champion rank, title log loss) and for per-season
    spearman / NDCG averaged over a backtest. At least two groups are required.
    """
    n_boot = _check_boot_params(n_boot, alpha)
    v = _vector(values_per_group, "values_per_group")
    if v.shape[0] < 2:
        raise ValueError("need at least two groups to bootstrap over groups")
    idx = np.random.default_rng(seed).integers(0, v.shape[0], size=(n_boot, v.shape[0]))
    return Interval(float(v.mean()), *_percentiles(v[idx].mean(axis=1), alpha))


def paired_bootstrap_diff(
    metric_fn: Callable[..., float],
    pred_a: ArrayLike,
    pred_b: ArrayLike,
    truth: ArrayLike,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> PairedDiff:
    """Paired bootstrap of ``metric_fn(pred_a, truth) - metric_fn(pred_b, truth)``.

    Each resample draws one index vector of rows (with replacement, ``default_rng(seed)``)
    and applies it to ``pred_a``, ``pred_b`` and ``truth`` alike, so the difference is measured
    on the same teams; ``d_b = metric(a_b, truth_b) - metric(b_b, truth_b)``. Returns the point
    difference, the ``alpha/2`` / ``1 - alpha/2`` quantiles of ``d_b``,
    ``share_a_le_b = mean(d_b <= 0)`` and ``share_a_ge_b = mean(d_b >= 0)``. Identical
    predictors give exactly 0 everywhere and both shares 1.
    """
    n_boot = _check_boot_params(n_boot, alpha)
    a, b, t = _boot_arrays((pred_a, pred_b, truth), ("pred_a", "pred_b", "truth"))
    point = float(metric_fn(a, t)) - float(metric_fn(b, t))
    idx = np.random.default_rng(seed).integers(0, t.shape[0], size=(n_boot, t.shape[0]))
    diffs = _resampled(metric_fn, (a, t), idx) - _resampled(metric_fn, (b, t), idx)
    return PairedDiff(
        point,
        *_percentiles(diffs, alpha),
        share_a_le_b=float(np.mean(diffs <= 0)),
        share_a_ge_b=float(np.mean(diffs >= 0)),
    )
