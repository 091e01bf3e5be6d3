"""base.stats against scipy, with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from truestrength.base.stats import (
    mean_list_spearman,
    scores_to_ranks,
    spearman,
    spearman_rows,
)


def tied(rng, n, k=4):
    return rng.integers(0, k, n).astype(float)


def test_spearman_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = tied(rng, 12), rng.normal(size=12).round(1)
        assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)


def test_spearman_constant_is_nan():
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert np.isnan(spearman([1, 2, 3], [5, 5, 5]))


def test_spearman_rejects_bad_shapes():
    with pytest.raises(ValueError):
        spearman([1, 2, 3], [1, 2])


def test_spearman_rows_is_rowwise_spearman():
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 3, (6, 9)).astype(float), rng.integers(0, 5, (6, 9)).astype(float)
    a[2] = 7.0  # a constant row
    rows = spearman_rows(a, b)
    assert rows.shape == (6,)
    assert np.isnan(rows[2])
    for i in range(6):
        if i != 2:
            assert rows[i] == pytest.approx(spearman(a[i], b[i]), abs=1e-12)
            assert rows[i] == pytest.approx(stats.spearmanr(a[i], b[i]).statistic, abs=1e-12)


def test_mean_list_spearman_known_lists():
    rng = np.random.default_rng(2)
    sizes = {"a": 5, "b": 7, "c": 4, "d": 6, "e": 3}
    pred, target, ids = [], [], []
    for name, n in sizes.items():
        p, t = tied(rng, n), tied(rng, n, 3)
        if name == "c":
            t[:] = 2.0  # constant target: left out
        if name == "d":
            p[:] = 1.5  # constant prediction: counts as 0
        if name in ("a", "b", "e"):
            t[0], t[1] = 0.0, 1.0  # never constant
        pred.append(p)
        target.append(t)
        ids += [name] * n
    expected = np.mean([stats.spearmanr(pred[0], target[0]).statistic,
                        stats.spearmanr(pred[1], target[1]).statistic,
                        0.0,
                        stats.spearmanr(pred[4], target[4]).statistic])
    # shuffle the flat arrays: lists need not be contiguous
    order = rng.permutation(sum(sizes.values()))
    p, t, g = np.concatenate(pred)[order], np.concatenate(target)[order], np.array(ids)[order]
    assert mean_list_spearman(p, t, g) == pytest.approx(expected, abs=1e-12)


def test_mean_list_spearman_simple_values():
    # list 0: perfect (1), list 1: reversed (-1), list 2: constant target (skipped)
    pred = [1, 2, 3, 1, 2, 3, 1, 2]
    target = [10, 20, 30, 3, 2, 1, 5, 5]
    assert mean_list_spearman(pred, target, [0, 0, 0, 1, 1, 1, 2, 2]) == pytest.approx(0.0)
    assert mean_list_spearman(pred[:3], target[:3], [0, 0, 0]) == pytest.approx(1.0)
    assert np.isnan(mean_list_spearman([1, 2], [3, 3], [0, 0]))


def test_scores_to_ranks():
    np.testing.assert_array_equal(scores_to_ranks([3.0, 1.0, 3.0, 2.0]), [1.5, 4.0, 1.5, 3.0])
    np.testing.assert_array_equal(scores_to_ranks([0.5, 0.9, 0.1]), [2.0, 1.0, 3.0])
    np.testing.assert_array_equal(scores_to_ranks([2, 2, 2]), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError):
        scores_to_ranks([1.0, np.nan, 2.0])
