"""The one Spearman: rank correlation of two score vectors, alone or per list.

``spearman_rows`` is the core (one value per row of 2-D arrays, so the bootstrap scores many
resamples in one call); ``spearman`` is one row; ``mean_list_spearman`` averages it over the
lists of a flat array (the teams of one conference on one date), which model selection runs
after every boosting round and every epoch, so it is vectorised over lists.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def scores_to_ranks(scores: ArrayLike) -> np.ndarray:
    """Ranks from higher-is-better scores: 1 = highest score, ties get their average rank.

    ``rank_i = 1 + #{j : s_j > s_i} + (#{j != i : s_j = s_i}) / 2``. NaN is refused: it has
    no place in an order.
    """
    s = np.asarray(scores, dtype=np.float64)
    if not np.isfinite(s).all():
        raise ValueError("scores_to_ranks: scores must be finite")
    return stats.rankdata(-s, method="average")


def spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row of ``a`` with the same row of ``b`` (average ranks for
    ties); NaN for a row where either side is constant."""
    ra = stats.rankdata(a, axis=1)
    rb = stats.rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(axis=1) / np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    return np.clip(rho, -1.0, 1.0)  # rounding can land at 1 + 1e-16


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman's rho of two equal-length vectors (NaN when either is constant)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"spearman: vectors of equal length expected, got {a.shape}, {b.shape}")
    return float(spearman_rows(a[None, :], b[None, :])[0])


def _grouped_ranks(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) of ``values`` within each group."""
    n = len(values)
    order = np.lexsort((values, group))
    v, g = values[order], group[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_tie = new_group.copy()
    new_tie[1:] |= v[1:] != v[:-1]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    tie_id = np.cumsum(new_tie) - 1
    tie_start = pos[new_tie]
    tie_len = np.diff(np.append(tie_start, n))
    # ranks in a tie block run from start+1 to start+len: their mean is start + (len + 1) / 2
    avg = tie_start + (tie_len + 1) / 2.0
    out = np.empty(n)
    out[order] = avg[tie_id] - group_start
    return out


def mean_list_spearman(pred: ArrayLike, target: ArrayLike, list_id: ArrayLike) -> float:
    """Mean over lists of Spearman(pred, target) with average ranks.

    Lists whose target is constant are left out (nothing to order); a constant prediction in
    a list counts as 0 (it orders nothing), which keeps the first boosting rounds defined.
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    _, gid = np.unique(np.asarray(list_id), return_inverse=True)
    if len(gid) == 0:
        return float("nan")
    count = np.bincount(gid).astype(np.float64)
    rp, rt = _grouped_ranks(pred, gid), _grouped_ranks(target, gid)
    a = rp - (np.bincount(gid, rp) / count)[gid]
    b = rt - (np.bincount(gid, rt) / count)[gid]
    aa, bb, ab = np.bincount(gid, a * a), np.bincount(gid, b * b), np.bincount(gid, a * b)
    valid = bb > 1e-12
    if not valid.any():
        return float("nan")
    aa, bb, ab = aa[valid], bb[valid], ab[valid]
    rho = np.where(aa > 1e-12, ab / np.sqrt(np.where(aa > 1e-12, aa, 1.0) * bb), 0.0)
    return float(rho.mean())
