"""labels() and attention_drivers() from inference.predict, with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import PredictSection
from truestrength.base.predictor import RosterAttention
from truestrength.inference.predict import Driver, attention_drivers, labels, projected_ranks


def test_labels_at_the_margin_boundaries():
    # gap = standings_rank - projected_rank
    standings = pd.Series([4, 3, 1, 1, 6, 1, 5])
    projected = pd.Series([1, 1, 3, 4, 1, 8, 5])  # gaps 3, 2, -2, -3, 5, -7, 0
    games = pd.Series([10] * 7)
    out = labels(standings, projected, games, PredictSection(label_margin=3))
    assert out.tolist() == ["Sleeper", "Aligned", "Aligned", "Paper Tiger", "Sleeper",
                            "Paper Tiger", "Aligned"]
    out1 = labels(pd.Series([2, 1, 1]), pd.Series([1, 1, 2]), pd.Series([10] * 3),
                  PredictSection(label_margin=1))
    assert out1.tolist() == ["Sleeper", "Aligned", "Paper Tiger"]


def test_projected_ranks_per_conference_with_ties_broken_by_strength():
    conference = pd.Series(["E", "W", "E", "W", "E"], index=[10, 11, 12, 13, 14])
    win_pct = pd.Series([0.50, 0.60, 0.70, 0.40, 0.50], index=conference.index)
    score = pd.Series([0.1, 0.0, 0.0, 0.0, 0.3], index=conference.index)
    ranks = projected_ranks(conference, win_pct, score)
    # East: 12 (.700) 1st; 10 and 14 tie at .500, 14 is stronger -> 2nd, 10 3rd. West: 11, 13.
    assert ranks.to_dict() == {10: 3, 11: 1, 12: 1, 13: 2, 14: 2}


def test_labels_unrated_before_enough_games():
    standings, by_strength = pd.Series([5, 1, 3, 2]), pd.Series([1, 5, 3, 2])
    section = PredictSection(label_margin=3, label_min_games=10)
    # median 9.5 < 10: Unrated, whatever the gaps
    early = labels(standings, by_strength, pd.Series([9, 9, 10, 30]), section)
    assert early.tolist() == ["Unrated"] * 4
    # median exactly 10: rated
    rated = labels(standings, by_strength, pd.Series([9, 10, 10, 30]), section)
    assert rated.tolist() == ["Sleeper", "Paper Tiger", "Aligned", "Aligned"]


class Known:
    """Stand-in for LeagueData: only ``.players`` is read."""

    def __init__(self, players: pd.DataFrame):
        self.players = players


KNOWN = Known(pd.DataFrame({"player_id": [101, 102, 201, 999], "name": ["Alice", "Bob",
                                                                        "Cat", "Ghost"]}))


def attention() -> RosterAttention:
    return RosterAttention(
        team_ids=np.array([10, 20, 30], dtype=np.int64),
        player_ids=np.array([[101, 102, 103, 999], [201, 202, 203, 204],
                             [301, 302, 999, 999]], dtype=np.int64),
        # padding (id 999, named Ghost) carries the largest weight: it must never be a driver
        weights=np.array([[0.2, 0.5, 0.3, 0.9], [0.25] * 4, [0.0, 1.0, 0.8, 0.8]]),
        mask=np.array([[True, True, True, False], [True] * 4, [True, True, False, False]]),
    )


def test_drivers_by_weight_with_names():
    drivers, degenerate = attention_drivers(attention(), KNOWN, PredictSection(n_drivers=2))
    assert set(drivers) == {10, 20, 30}
    # 103 has no name: its id as a string
    assert drivers[10] == [Driver(102, "Bob", 0.5), Driver(103, "103", 0.3)]
    assert drivers[30] == [Driver(302, "302", 1.0), Driver(301, "301", 0.0)]
    assert len(drivers[20]) == 2
    assert {d.player_id for d in drivers[20]} <= {201, 202, 203, 204}
    assert all(d.weight == pytest.approx(0.25) for d in drivers[20])
    for ds in drivers.values():
        assert all(d.player_id != 999 and d.player != "Ghost" for d in ds)


def test_n_drivers_capped_by_real_players():
    drivers, _ = attention_drivers(attention(), KNOWN, PredictSection(n_drivers=5))
    assert [d.player_id for d in drivers[10]] == [102, 103, 101]
    assert [d.player for d in drivers[10]] == ["Bob", "103", "Alice"]
    assert len(drivers[20]) == 4
    assert [d.player_id for d in drivers[30]] == [302, 301]


def test_degenerate_flag():
    # team 10: entropy share 1.0297 / ln 3 = 0.937, inside (0.2, 0.95)
    # team 20: uniform, share 1.0 > 0.95; team 30: one-hot, share 0 < 0.2
    _, degenerate = attention_drivers(attention(), KNOWN, PredictSection())
    assert degenerate == {10: False, 20: True, 30: True}
    # a tighter upper bound makes team 10 degenerate too
    _, tight = attention_drivers(attention(), KNOWN,
                                 PredictSection(attention_entropy_bounds=(0.2, 0.9)))
    assert tight == {10: True, 20: True, 30: True}


def test_no_players_table_uses_ids():
    empty = Known(pd.DataFrame({"player_id": pd.Series([], dtype=np.int64),
                                "name": pd.Series([], dtype=object)}))
    drivers, _ = attention_drivers(attention(), empty, PredictSection(n_drivers=1))
    assert drivers[10] == [Driver(102, "102", 0.5)]


def test_no_attention():
    assert attention_drivers(None, KNOWN, PredictSection()) == ({}, {})
