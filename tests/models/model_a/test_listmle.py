"""ListMLE against brute-force Plackett–Luce and an independent naive implementation."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from truestrength.models.model_a.listmle import (
    listmle_at_best_scale,
    listmle_loss,
    log_factorial,
    mean_log_factorial,
)

torch.set_num_threads(1)


def brute_force_probability(scores: list[float], order: list[int]) -> float:
    """P(order) = prod_i exp(s_{o_i}) / sum_{j>=i} exp(s_{o_j}), written directly."""
    p = 1.0
    for i in range(len(order)):
        num = math.exp(scores[order[i]])
        den = sum(math.exp(scores[order[j]]) for j in range(i, len(order)))
        p *= num / den
    return p


def naive_listmle(scores: list[float], relevance: list[float], valid: list[bool]) -> float:
    """Python-loop ListMLE with a max-shifted log-sum-exp; distinct relevance assumed."""
    items = [(r, s) for r, s, v in zip(relevance, scores, valid, strict=True) if v]
    items.sort(key=lambda t: -t[0])
    s = [t[1] for t in items]
    total = 0.0
    for i in range(len(s)):
        tail = s[i:]
        m = max(tail)
        total += m + math.log(sum(math.exp(v - m) for v in tail)) - s[i]
    return total


def relevance_for_order(order: list[int]) -> list[float]:
    """Relevance under which ``order`` (best first) is the sorted-descending order."""
    rel = [0.0] * len(order)
    for rank, item in enumerate(order):
        rel[item] = float(len(order) - rank)
    return rel


@pytest.mark.parametrize("length", [2, 3, 4, 5, 6])
def test_matches_brute_force_probability(length: int) -> None:
    g = torch.Generator().manual_seed(length)
    for _ in range(5):
        s = torch.randn(length, generator=g, dtype=torch.float64) * 2
        order = torch.randperm(length, generator=g).tolist()
        rel = torch.tensor(relevance_for_order(order), dtype=torch.float64)
        loss = listmle_loss(s.view(1, -1), rel.view(1, -1))
        expected = -math.log(brute_force_probability(s.tolist(), order))
        assert loss.item() == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("length", [2, 3, 4, 5, 6])
def test_probabilities_over_all_orderings_sum_to_one(length: int) -> None:
    s = torch.randn(
        length, generator=torch.Generator().manual_seed(10 + length), dtype=torch.float64
    )
    perms = list(itertools.permutations(range(length)))
    rel = torch.tensor([relevance_for_order(list(p)) for p in perms], dtype=torch.float64)
    scores = s.expand(len(perms), length)
    per_list = listmle_loss(scores, rel, reduction="none")
    assert per_list.shape == (math.factorial(length),)
    assert torch.exp(-per_list).sum().item() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3])
def test_matches_naive_implementation_with_masks(scale: float) -> None:
    g = torch.Generator().manual_seed(int(scale))
    n, length = 12, 9
    scores = torch.randn(n, length, generator=g, dtype=torch.float64) * scale
    rel = torch.randn(n, length, generator=g, dtype=torch.float64)  # distinct a.s.
    lengths = torch.randint(0, length + 1, (n,), generator=g)
    mask = torch.arange(length).view(1, -1) < lengths.view(-1, 1)
    mask = mask.gather(1, torch.argsort(torch.rand(n, length, generator=g), dim=1))
    per_list = listmle_loss(scores, rel, mask, reduction="none")
    assert torch.isfinite(per_list).all()
    for i in range(n):
        expected = naive_listmle(scores[i].tolist(), rel[i].tolist(), mask[i].tolist())
        assert per_list[i].item() == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_large_magnitude_scores_are_stable_with_finite_gradients() -> None:
    scores = torch.tensor([[1e3, -1e3, 500.0, -500.0, 0.0]], requires_grad=True)
    rel = torch.tensor([[0.0, 1.0, 2.0, 3.0, 4.0]])  # the worst possible order for these scores
    loss = listmle_loss(scores, rel)
    loss.backward()
    assert torch.isfinite(loss) and loss.item() > 1e3
    assert scores.grad is not None and torch.isfinite(scores.grad).all()
    assert scores.grad.abs().sum() > 0


@pytest.mark.parametrize("length", [1, 2, 5, 10, 15])
def test_equal_scores_give_log_factorial(length: int) -> None:
    rel = torch.randn(3, length, generator=torch.Generator().manual_seed(length))
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-6)):
        scores = torch.full((3, length), 0.37, dtype=dtype)
        loss = listmle_loss(scores, rel)
        assert abs(loss.item() - log_factorial(length)) < tol


def test_ln_15_factorial_reference_value() -> None:
    assert log_factorial(15) == pytest.approx(27.8993, abs=1e-4)
    loss = listmle_loss(torch.zeros(1, 15), torch.arange(15.0).view(1, -1))
    assert abs(loss.item() - 27.8993) < 1e-4
    assert abs(loss.item() - math.lgamma(16)) < 1e-6


def test_mean_log_factorial_matches_constant_score_loss_with_variable_lengths() -> None:
    mask = torch.tensor([[True] * 15, [True] * 8 + [False] * 7, [True] + [False] * 14])
    rel = torch.randn(3, 15)
    loss = listmle_loss(torch.zeros(3, 15, dtype=torch.float64), rel, mask)
    expected = (log_factorial(15) + log_factorial(8) + 0.0) / 3
    assert mean_log_factorial(mask) == pytest.approx(expected, abs=1e-12)
    assert loss.item() == pytest.approx(expected, abs=1e-9)


def test_padded_list_equals_short_list_and_padding_values_are_ignored() -> None:
    g = torch.Generator().manual_seed(3)
    short_s = torch.randn(1, 5, generator=g)
    short_r = torch.randn(1, 5, generator=g)
    pad_s = torch.cat(
        [
            short_s[:, :2],
            torch.tensor([[float("nan")]]),
            short_s[:, 2:],
            torch.tensor([[1e30, -float("inf")]]),
        ],
        dim=1,
    )
    pad_r = torch.cat(
        [
            short_r[:, :2],
            torch.tensor([[float("inf")]]),
            short_r[:, 2:],
            torch.tensor([[100.0, -5.0]]),
        ],
        dim=1,
    )
    mask = torch.tensor([[True, True, False, True, True, True, False, False]])
    pad_s.requires_grad_(True)
    a = listmle_loss(short_s, short_r)
    b = listmle_loss(pad_s, pad_r, mask)
    assert b.item() == pytest.approx(a.item(), abs=1e-6)
    b.backward()
    assert pad_s.grad is not None
    assert torch.isfinite(pad_s.grad).all()
    assert (pad_s.grad[~mask] == 0).all()


def test_length_one_and_empty_lists_contribute_zero() -> None:
    scores = torch.tensor([[3.0, 1.0, 2.0], [5.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    mask = torch.tensor([[True, True, True], [True, False, False], [False, False, False]])
    per_list = listmle_loss(scores, torch.randn(3, 3), mask, reduction="none")
    assert per_list[1].item() == 0.0
    assert per_list[2].item() == 0.0
    assert per_list[0].item() > 0


def test_reductions_are_consistent() -> None:
    s, r = torch.randn(4, 6), torch.randn(4, 6)
    none = listmle_loss(s, r, reduction="none", ties="first")
    assert listmle_loss(s, r, reduction="sum", ties="first").item() == pytest.approx(
        none.sum().item(), rel=1e-6
    )
    assert listmle_loss(s, r, reduction="mean", ties="first").item() == pytest.approx(
        none.mean().item(), rel=1e-6
    )


def test_gradients_finite_and_nonzero_for_nonconstant_targets() -> None:
    scores = torch.zeros(2, 15, requires_grad=True)  # the degenerate starting point
    rel = torch.randn(2, 15)
    listmle_loss(scores, rel).backward()
    assert scores.grad is not None
    assert torch.isfinite(scores.grad).all()
    assert scores.grad.abs().min() >= 0 and scores.grad.abs().sum() > 0.5
    # Loss is shift invariant, so the per-list gradient sums to zero; descent raises the best.
    assert scores.grad.sum(dim=1).abs().max() < 1e-6
    best = rel.argmax(dim=1)
    assert (scores.grad[torch.arange(2), best] < 0).all()


def test_ties_random_deterministic_given_generator() -> None:
    scores = torch.randn(6, 10)
    rel = torch.randint(0, 3, (6, 10))  # heavy ties, integer relevance
    a = listmle_loss(scores, rel, generator=torch.Generator().manual_seed(42), reduction="none")
    b = listmle_loss(scores, rel, generator=torch.Generator().manual_seed(42), reduction="none")
    assert torch.equal(a, b)
    others = [
        listmle_loss(scores, rel, generator=torch.Generator().manual_seed(k), reduction="none")
        for k in range(5)
    ]
    assert any(not torch.equal(a, o) for o in others)  # the tie-break really is random
    f1 = listmle_loss(scores, rel, ties="first")
    f2 = listmle_loss(scores, rel, ties="first")
    assert torch.equal(f1, f2)


def test_random_tie_break_is_one_of_the_tie_orderings() -> None:
    scores = torch.tensor([[0.3, -1.2, 2.0, 0.5]], dtype=torch.float64)
    rel = torch.tensor([[1.0, 1.0, 0.0, 2.0]])  # items 0 and 1 tie
    candidates = {
        round(listmle_loss(scores, torch.tensor([r]), ties="first").item(), 10)
        for r in ([1.5, 1.0, 0.0, 2.0], [1.0, 1.5, 0.0, 2.0])
    }
    seen = {
        round(listmle_loss(scores, rel, generator=torch.Generator().manual_seed(k)).item(), 10)
        for k in range(20)
    }
    assert seen == candidates
    # ties="first": earlier index is treated as better.
    assert round(listmle_loss(scores, rel, ties="first").item(), 10) == round(
        listmle_loss(scores, torch.tensor([[1.5, 1.0, 0.0, 2.0]]), ties="first").item(), 10
    )


@pytest.mark.parametrize(
    "scores, rel, mask",
    [
        (torch.tensor([[0.0, float("nan")]]), torch.tensor([[1.0, 0.0]]), None),
        (torch.tensor([[0.0, float("inf")]]), torch.tensor([[1.0, 0.0]]), None),
        (torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, float("nan")]]), None),
        (torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, -float("inf")]]), None),
        (torch.zeros(2, 3), torch.zeros(2, 4), None),
        (torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(2, 4, dtype=torch.bool)),
        (torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(2, 3)),
        (torch.zeros(3), torch.zeros(3), None),
    ],
)
def test_invalid_inputs_raise(scores, rel, mask) -> None:
    with pytest.raises(ValueError):
        listmle_loss(scores, rel, mask)


def test_nan_error_names_position() -> None:
    with pytest.raises(ValueError, match="list 1, position 2"):
        listmle_loss(torch.tensor([[0.0, 1, 2], [0, 1, float("nan")]]), torch.zeros(2, 3))


def test_bad_options_raise() -> None:
    s = torch.zeros(1, 3)
    with pytest.raises(ValueError):
        listmle_loss(s, s, reduction="avg")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        listmle_loss(s, s, ties="average")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        log_factorial(-1)


def test_best_scale_loss_ignores_the_scale_of_the_scores() -> None:
    gen = torch.Generator().manual_seed(0)
    rel = -torch.arange(15, dtype=torch.float64).repeat(40, 1)  # item 0 best in every list
    mask = torch.ones_like(rel, dtype=torch.bool)
    signal = -torch.arange(15, dtype=torch.float64) / 15  # the right order
    scores = signal + torch.randn(40, 15, generator=gen, dtype=torch.float64) * 0.3
    small, t_small = listmle_at_best_scale(scores * 1e-3, rel, mask)
    large, t_large = listmle_at_best_scale(scores * 50.0, rel, mask)
    assert small == pytest.approx(large, rel=1e-4)
    assert t_small == pytest.approx(t_large * 5e4, rel=1e-2)
    # it is the minimum over the scale: no multiple of the scores does better
    for t in (0.5, 1.0, 2.0, 5.0):
        assert small <= float(listmle_loss(scores * t, rel, mask)) + 1e-9
    assert small < 0.9 * math.lgamma(16)
    # scores in the wrong order are best switched off: t = 0, ln(L!) exactly
    worst, t = listmle_at_best_scale(-scores, rel, mask)
    assert t == 0.0 and worst == pytest.approx(math.lgamma(16))
