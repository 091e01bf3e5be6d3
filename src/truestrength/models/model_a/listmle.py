"""ListMLE: the Plackett–Luce negative log-likelihood of an observed ranking.

For one list whose items, sorted by relevance descending (best first), carry scores
``s_1, ..., s_L``, the Plackett–Luce probability of that ordering is

    P(order | s) = prod_{i=1..L} exp(s_i) / sum_{j=i..L} exp(s_j)

and the loss is its negative logarithm

    loss = sum_{i=1..L} [ logsumexp(s_i, ..., s_L) - s_i ].

Reference value: if all scores of a list are equal, every ordering is equally likely, so
``P = 1 / L!`` and ``loss = ln(L!)`` (``ln(15!) = 27.8993``). A training loss that sits at
``mean ln(L!)`` means the model outputs constant scores within lists; see
``truestrength.models.model_a.diagnostics``.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

__all__ = ["listmle_at_best_scale", "listmle_loss", "log_factorial", "mean_log_factorial"]

Reduction = Literal["mean", "sum", "none"]
Ties = Literal["random", "first"]


def log_factorial(n: int) -> float:
    """``ln(n!) = lgamma(n + 1)``; ``ln(0!) = ln(1!) = 0``."""
    if n < 0:
        raise ValueError(f"log_factorial needs n >= 0, got {n}")
    return math.lgamma(n + 1)


def mean_log_factorial(mask: Tensor) -> float:
    """Mean over lists of ``ln(L_n!)`` where ``L_n`` = number of True entries in row n of mask.

    This is exactly what ``listmle_loss(..., reduction="mean")`` returns for constant scores.
    """
    if mask.ndim != 2:
        raise ValueError(f"mask must be [N, L], got shape {tuple(mask.shape)}")
    lengths = mask.sum(dim=1).tolist()
    if not lengths:
        raise ValueError("mean_log_factorial: no lists")
    return sum(log_factorial(int(n)) for n in lengths) / len(lengths)


def _first_bad(bad: Tensor) -> str:
    idx = torch.nonzero(bad)[0].tolist()
    return f"list {idx[0]}, position {idx[1]}"


def listmle_loss(
    scores: Tensor,
    relevance: Tensor,
    mask: Tensor | None = None,
    reduction: Reduction = "mean",
    *,
    ties: Ties = "random",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Plackett–Luce NLL of each list's relevance ordering (higher relevance = better).

    Args:
        scores: ``[N, L]`` model scores (higher = stronger).
        relevance: ``[N, L]`` target relevance; higher is better (convert ranks with e.g.
            ``relevance = -rank``). Integer or floating dtype.
        mask: ``[N, L]`` bool, True = a real list entry. Padded entries are excluded
            exactly (they appear in no numerator and no denominator) and their score/relevance
            values are ignored, even if non-finite. A list with 0 or 1 real entries
            contributes exactly 0.
        reduction: ``"mean"`` (over all N lists, including short ones, so that it equals
            ``mean_log_factorial(mask)`` for constant scores), ``"sum"`` or ``"none"`` (``[N]``).
        ties: how equal relevance values are ordered.
            ``"random"`` (default, standard practice): tied entries are ordered by a random
            permutation drawn from ``generator`` (or torch's global RNG if None, so
            ``torch.manual_seed`` makes it reproducible). The expected loss over the draw is
            exactly the average NLL over all tie-breaking orders; an exact average would
            cost a product of factorials of tie-group sizes, so it is not offered.
            ``"first"``: deterministic, tied entries keep their input order (earlier index
            is treated as better).
        generator: torch.Generator for ``ties="random"``; same generator state -> same loss.

    Returns:
        The loss, in ``scores.dtype``; computed internally in float64 so that a constant-score
        loss matches ``ln(L!)`` to rounding.

    Numerics: the suffix log-sum-exp ``log sum_{j>=i} exp(s_j)`` is
    ``flip(logcumsumexp(flip(s)))``, stable for any finite score magnitude, and there is no
    clamp anywhere (a clamp would zero the gradient of saturated lists). Padded entries are
    sorted to the *front* of each list, so reading from the end they never enter a real
    entry's suffix; their scores are replaced by 0 (not -inf) to keep the backward pass
    free of inf - inf.

    Raises:
        ValueError: shape mismatch, non-finite score/relevance at a real entry, bad option.
    """
    if not isinstance(scores, Tensor) or not isinstance(relevance, Tensor):
        raise ValueError("scores and relevance must be torch Tensors")
    if scores.ndim != 2:
        raise ValueError(f"scores must be [N, L], got shape {tuple(scores.shape)}")
    if relevance.shape != scores.shape:
        raise ValueError(
            f"relevance shape {tuple(relevance.shape)} != scores shape {tuple(scores.shape)}"
        )
    if not scores.is_floating_point():
        raise ValueError(f"scores must be floating point, got {scores.dtype}")
    if mask is None:
        mask = torch.ones_like(scores, dtype=torch.bool)
    else:
        if mask.shape != scores.shape:
            raise ValueError(
                f"mask shape {tuple(mask.shape)} != scores shape {tuple(scores.shape)}"
            )
        if mask.dtype != torch.bool:
            raise ValueError(f"mask must be bool, got {mask.dtype}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if ties not in ("random", "first"):
        raise ValueError(f"ties must be 'random' or 'first', got {ties!r}")
    n_lists, list_len = scores.shape
    if n_lists == 0:
        raise ValueError("listmle_loss: no lists (N == 0)")

    bad_s = ~torch.isfinite(scores.detach()) & mask
    if bool(bad_s.any()):
        raise ValueError(
            f"listmle_loss: {int(bad_s.sum())} non-finite scores at real entries, first at "
            f"{_first_bad(bad_s)}"
        )
    rel = relevance.detach().to(torch.float64)
    bad_r = ~torch.isfinite(rel) & mask
    if bool(bad_r.any()):
        raise ValueError(
            f"listmle_loss: {int(bad_r.sum())} non-finite relevance values at real entries, "
            f"first at {_first_bad(bad_r)}"
        )

    # Sort key: padded entries get +inf so that a descending sort puts them first.
    key = torch.where(mask, rel, torch.full_like(rel, math.inf))
    if ties == "random":
        gen_device = generator.device if generator is not None else scores.device
        u = torch.rand((n_lists, list_len), generator=generator, device=gen_device)
        perm = u.to(scores.device).argsort(dim=1)
        within = key.gather(1, perm).argsort(dim=1, descending=True, stable=True)
        order = perm.gather(1, within)
    else:
        order = key.argsort(dim=1, descending=True, stable=True)

    s64 = scores.to(torch.float64)
    s64 = torch.where(mask, s64, torch.zeros_like(s64))
    s_sorted = s64.gather(1, order)
    m_sorted = mask.gather(1, order)
    suffix_lse = torch.logcumsumexp(s_sorted.flip(1), dim=1).flip(1)
    terms = torch.where(m_sorted, suffix_lse - s_sorted, torch.zeros_like(s_sorted))
    per_list = terms.sum(dim=1)

    if reduction == "mean":
        out = per_list.mean()
    elif reduction == "sum":
        out = per_list.sum()
    else:
        out = per_list
    return out.to(scores.dtype)


def listmle_at_best_scale(scores: Tensor, relevance: Tensor, mask: Tensor, *,
                          seed: int = 0) -> tuple[float, float]:
    """``(min over t >= 0 of mean listmle_loss(t * scores), that t)``: how well
    the scores order the lists whatever their scale. Another loss trained beside ListMLE
    (the game loss) sets the scores' scale, so the raw loss mixes order with scale.

    Each list's loss is a log-sum-exp of functions linear in t minus one, so the mean is
    convex in t and a bounded scalar search finds its minimum; t = 0 gives ``ln(L!)``, so
    the result never exceeds constant scores'. Ties are broken by the same draw (``seed``)
    at every t.
    """
    from scipy.optimize import minimize_scalar

    s = scores.detach().to(torch.float64)
    spread = float(s[mask].std()) if int(mask.sum()) > 1 else 0.0
    unit = 1.0 / spread if spread > 0 else 1.0  # search t relative to unit-spread scores

    def loss(t: float) -> float:
        gen = torch.Generator().manual_seed(seed)
        return float(listmle_loss(s * (t * unit), relevance, mask, generator=gen))

    # on log t, from 1e-4 to 3e3 times unit spread: past either end nothing changes
    found = minimize_scalar(lambda u: loss(math.exp(u)), bounds=(-9.0, 8.0), method="bounded",
                            options={"xatol": 1e-3})
    at_zero = loss(0.0)
    if not found.fun < at_zero:
        return at_zero, 0.0
    return float(found.fun), math.exp(float(found.x)) * unit
