"""Lists for ListMLE: the teams of one conference on one date, with a target relevance.

Relevance comes from ``base.targets.team_targets``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.errors import DataError
from truestrength.features.roster import RosterSnapshots


@dataclass(frozen=True)
class ListSet:
    """``snap_index [N, L]`` points into the snapshots (-1 on padding)."""

    keys: pd.DataFrame  # season, date, conference, n_teams — one row per list
    snap_index: np.ndarray  # int64 [N, L]
    relevance: np.ndarray  # float32 [N, L]; 0 on padding
    list_mask: np.ndarray  # bool [N, L]

    def __len__(self) -> int:
        return len(self.keys)

    def select(self, rows: np.ndarray) -> ListSet:
        rows = np.asarray(rows)
        return ListSet(self.keys.iloc[rows].reset_index(drop=True), self.snap_index[rows],
                       self.relevance[rows], self.list_mask[rows])


def build_lists(snapshots: RosterSnapshots, relevance: np.ndarray,
                max_teams: int = 15) -> ListSet:
    """Group snapshots by (season, date, conference); drop teams whose target is undefined."""
    keys = snapshots.keys.assign(_rel=relevance, _i=np.arange(len(snapshots)))
    keys = keys[np.isfinite(keys["_rel"])]
    groups = keys.groupby(["season", "date", "conference"], sort=True)
    n = groups.ngroups
    snap_index = np.full((n, max_teams), -1, dtype=np.int64)
    rel = np.zeros((n, max_teams), dtype=np.float32)
    rows = []
    for i, ((season, date, conf), g) in enumerate(groups):
        if len(g) > max_teams:
            raise DataError(f"{season} {date:%Y-%m-%d} {conf}: {len(g)} teams in one list, "
                             f"more than max_teams={max_teams}")
        snap_index[i, : len(g)] = g["_i"].to_numpy()
        rel[i, : len(g)] = g["_rel"].to_numpy(np.float32)
        rows.append((season, date, conf, len(g)))
    list_keys = pd.DataFrame(rows, columns=["season", "date", "conference", "n_teams"])
    keep = list_keys["n_teams"].to_numpy() >= 2  # a list of one team teaches nothing
    return ListSet(list_keys[keep].reset_index(drop=True), snap_index[keep], rel[keep],
                   snap_index[keep] >= 0)
