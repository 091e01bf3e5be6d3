"""LeagueData.derived: state computed once per view and key, a bounded number kept."""

from __future__ import annotations

import pandas as pd

from truestrength.base.league import LeagueData


def test_derived_state_is_built_once_per_key_and_the_oldest_is_dropped():
    data = LeagueData({}, "hash")
    calls: list[str] = []

    def build(name: str):
        def make() -> str:
            calls.append(name)
            return name.upper()
        return make

    assert data.derived("a", build("a")) == "A"
    assert data.derived("a", build("a")) == "A"
    assert calls == ["a"]
    data.derived("b", build("b"))
    data.derived("a", build("a"))  # a used last: b is the oldest now
    data.derived("c", build("c"))  # over DERIVED_MAX = 2: b goes
    assert calls == ["a", "b", "c"]
    data.derived("a", build("a"))
    assert calls == ["a", "b", "c"]
    data.derived("b", build("b"))
    assert calls == ["a", "b", "c", "b"]
    # another view of the same store derives its own
    other = data.before(pd.Timestamp("2020-01-01"))
    other.derived("a", build("a"))
    assert calls[-1] == "a"
