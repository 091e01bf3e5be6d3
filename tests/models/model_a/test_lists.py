"""build_lists / ListSet on hand-made snapshots with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.base.errors import DataError
from truestrength.features.roster import KEY_COLUMNS, RosterSnapshots
from truestrength.models.model_a.lists import ListSet, build_lists

NAN = float("nan")
# (season, date, team_id, conference, relevance), deliberately out of order.
ROWS = [
    ("2023-24", "2023-11-01", 1, "E", 0.5),  # 0
    ("2022-23", "2022-11-02", 3, "W", 0.1),  # 1
    ("2022-23", "2022-11-01", 1, "E", 0.9),  # 2
    ("2022-23", "2022-11-01", 2, "E", 0.2),  # 3
    ("2022-23", "2022-11-01", 3, "W", NAN),  # 4  undefined target: dropped
    ("2022-23", "2022-11-01", 4, "W", 0.7),  # 5  then alone in its list: list dropped
    ("2022-23", "2022-11-02", 4, "W", 0.3),  # 6
    ("2023-24", "2023-11-01", 2, "E", 0.6),  # 7
    ("2022-23", "2022-11-02", 1, "E", 0.4),  # 8  alone in its list: list dropped
    ("2022-23", "2022-11-02", 5, "W", 0.8),  # 9
]


def snapshots(rows) -> RosterSnapshots:
    n, p, f = len(rows), 3, 2
    keys = pd.DataFrame({
        "season": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows]),
        "team_id": [r[2] for r in rows], "conference": [r[3] for r in rows],
        "n_players": [2] * n, "from_previous_season": [False] * n,
    })[list(KEY_COLUMNS)]
    mask = np.zeros((n, p), dtype=bool)
    mask[:, :2] = True
    return RosterSnapshots(
        keys=keys, x=np.ones((n, p, f), np.float32) * mask[..., None],
        player_ids=np.where(mask, np.arange(1, p + 1), 0).astype(np.int64),
        minutes=np.where(mask, 30.0, 0.0).astype(np.float32), mask=mask,
        feature_names=("a", "b"))


def relevance(rows) -> np.ndarray:
    return np.array([r[4] for r in rows], dtype=np.float64)


def test_known_lists():
    ls = build_lists(snapshots(ROWS), relevance(ROWS), max_teams=4)
    assert isinstance(ls, ListSet)
    assert len(ls) == 3
    assert ls.keys.columns.tolist() == ["season", "date", "conference", "n_teams"]
    assert ls.keys["season"].tolist() == ["2022-23", "2022-23", "2023-24"]
    assert ls.keys["date"].tolist() == pd.to_datetime(
        ["2022-11-01", "2022-11-02", "2023-11-01"]).tolist()
    assert ls.keys["conference"].tolist() == ["E", "W", "E"]
    assert ls.keys["n_teams"].tolist() == [2, 3, 2]
    np.testing.assert_array_equal(ls.snap_index, [[2, 3, -1, -1], [1, 6, 9, -1],
                                                  [0, 7, -1, -1]])
    assert ls.snap_index.dtype == np.int64
    np.testing.assert_array_equal(ls.list_mask, ls.snap_index >= 0)
    assert ls.list_mask.dtype == np.bool_
    assert ls.relevance.dtype == np.float32
    np.testing.assert_array_equal(
        ls.relevance, np.array([[0.9, 0.2, 0, 0], [0.1, 0.3, 0.8, 0], [0.5, 0.6, 0, 0]],
                               dtype=np.float32))


def test_snap_index_points_at_matching_snapshots():
    snaps = snapshots(ROWS)
    ls = build_lists(snaps, relevance(ROWS), max_teams=4)
    for i, key in ls.keys.iterrows():
        idx = ls.snap_index[i][ls.list_mask[i]]
        rows = snaps.keys.iloc[idx]
        assert (rows["season"] == key["season"]).all()
        assert (rows["date"] == key["date"]).all()
        assert (rows["conference"] == key["conference"]).all()
        assert ls.relevance[i][ls.list_mask[i]].tolist() == pytest.approx(
            relevance(ROWS)[idx].tolist())


def test_too_many_teams_raises():
    rows = [("2022-23", "2022-11-01", t, "E", float(t)) for t in (1, 2, 3)]
    assert len(build_lists(snapshots(rows), relevance(rows), max_teams=3)) == 1
    with pytest.raises(DataError, match="max_teams=2"):
        build_lists(snapshots(rows), relevance(rows), max_teams=2)


def test_default_max_teams_is_15():
    ls = build_lists(snapshots(ROWS), relevance(ROWS))
    assert ls.snap_index.shape == (3, 15)
    assert (ls.snap_index[:, 3:] == -1).all()


def test_select_keeps_rows():
    ls = build_lists(snapshots(ROWS), relevance(ROWS), max_teams=4)
    sub = ls.select(np.array([2, 0]))
    assert len(sub) == 2
    assert sub.keys.index.tolist() == [0, 1]
    assert sub.keys["season"].tolist() == ["2023-24", "2022-23"]
    np.testing.assert_array_equal(sub.snap_index, ls.snap_index[[2, 0]])
    np.testing.assert_array_equal(sub.relevance, ls.relevance[[2, 0]])
    np.testing.assert_array_equal(sub.list_mask, ls.list_mask[[2, 0]])
