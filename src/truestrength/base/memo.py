"""Reuse of deterministic fits inside one scope, keyed by everything that determines them.

A walk-forward backtest fits the same model many times (A+B's out-of-fold fold for a season
is the same for every later test season; A+B's final Model A is the ``model_a`` predictor's).
Inside ``with reusing_fits():`` a fitter may ``recall`` a fit it made before under the same
key and ``remember`` a new one; outside any scope both do nothing, so a command or a test that
fits twice trains twice. The scope holds at most ``KEPT`` fits, the most recently used.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["KEPT", "recall", "remember", "reusing_fits"]

KEPT = 32
_SCOPE: ContextVar[OrderedDict[Hashable, Any] | None] = ContextVar("fit_memo", default=None)


@contextmanager
def reusing_fits() -> Iterator[None]:
    """Fits made inside are reused inside (a nested scope shares the outer one's)."""
    token = _SCOPE.set(OrderedDict()) if _SCOPE.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _SCOPE.reset(token)


def recall(key: Hashable) -> Any | None:
    """The fit remembered under ``key`` in the current scope, or None."""
    scope = _SCOPE.get()
    if scope is None or key not in scope:
        return None
    scope.move_to_end(key)
    return scope[key]


def remember(key: Hashable, value: Any) -> None:
    scope = _SCOPE.get()
    if scope is None:
        return
    scope[key] = value
    while len(scope) > KEPT:
        scope.popitem(last=False)
