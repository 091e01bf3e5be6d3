"""Reuse of deterministic fits inside one scope, keyed by everything that determines them.

A walk-forward backtest fits the same model many times (A+B's out-of-fold fold for a season
is the same for every later test season; A+B's final Model A is the ``model_a`` predictor's).
Inside ``with reusing_fits():`` ``reuse(key, fit)`` returns the fit made before under the same
key, or makes and keeps it; outside any scope it just fits (the key, which may be costly to
compute, is not even asked for), so a command or a test that fits twice trains twice. Each
``pool`` of a scope holds at most ``kept`` fits, the most recently used: a few large model
fits, or the hundreds of small weekly RAPM ridge fits that every A+B fit of a backtest
reads again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["KEPT", "reuse", "reusing_fits"]

T = TypeVar("T")

KEPT = 32
_SCOPE: ContextVar[dict[str, OrderedDict[Hashable, Any]] | None] = ContextVar("fit_memo",
                                                                             default=None)


@contextmanager
def reusing_fits() -> Iterator[None]:
    """Fits made inside are reused inside (a nested scope shares the outer one's)."""
    token = _SCOPE.set({}) if _SCOPE.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _SCOPE.reset(token)


def reuse(key: Callable[[], Hashable], fit: Callable[[], T], *, pool: str = "fits",
          kept: int | None = None) -> T:
    """``fit()``, or inside a scope the fit kept under ``key()`` in ``pool`` if there is one;
    ``pool`` keeps ``kept`` fits (default ``KEPT``)."""
    scopes = _SCOPE.get()
    if scopes is None:
        return fit()
    scope = scopes.setdefault(pool, OrderedDict())
    k = key()
    if k in scope:
        scope.move_to_end(k)
        return scope[k]
    value = scope[k] = fit()
    while len(scope) > (KEPT if kept is None else kept):
        scope.popitem(last=False)
    return value
