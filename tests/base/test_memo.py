"""Fit reuse: only inside a scope, keyed, the key never asked for outside."""

from __future__ import annotations

import pytest

from truestrength.base import memo


def test_outside_a_scope_every_call_fits_and_no_key_is_computed() -> None:
    def key():
        raise AssertionError("the key must not be computed outside a scope")

    fits = iter(range(10))
    assert memo.reuse(key, lambda: next(fits)) == 0
    assert memo.reuse(key, lambda: next(fits)) == 1


def test_inside_a_scope_a_repeat_is_reused_and_other_keys_fit() -> None:
    fits = iter(range(10))
    with memo.reusing_fits():
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
        assert memo.reuse(lambda: "b", lambda: next(fits)) == 1
        with memo.reusing_fits():  # nested: the outer scope's fits
            assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
    with memo.reusing_fits():  # a new scope starts empty
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 2


def test_a_scope_keeps_only_the_most_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "KEPT", 2)
    fits = iter(range(10))
    with memo.reusing_fits():
        for k in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
            memo.reuse(lambda k=k: k, lambda: next(fits))
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
        assert memo.reuse(lambda: "b", lambda: next(fits)) == 3


def test_pools_are_kept_apart_each_to_its_own_size() -> None:
    fits = iter(range(10))
    with memo.reusing_fits():
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
        # the same key in another pool is another fit
        assert memo.reuse(lambda: "a", lambda: next(fits), pool="small", kept=1) == 1
        assert memo.reuse(lambda: "b", lambda: next(fits), pool="small", kept=1) == 2
        # "small" kept only "b"; the default pool still holds "a"
        assert memo.reuse(lambda: "a", lambda: next(fits), pool="small", kept=1) == 3
        assert memo.reuse(lambda: "a", lambda: next(fits)) == 0
