"""Lists for ListMLE: the teams of one conference on one date, with a target relevance.

Targets (higher relevance = better team):
- ``final_rank`` (default): minus the final regular-season league rank. Ranks carry the
  documented tie-break (point differential, then team id), so this target has no ties.
- ``rest_win_pct``: win% over the team's standings games on or after the date. Equal values
  are real ties; ListMLE orders them by a seeded random permutation (``ties="random"``).
  Dates with no game left (the day after the season) have no list.
- ``playoff_rank``: minus the playoff-finish rank (no ties by construction).
Targets come from complete seasons only, so they are for training seasons, never test ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.data.league import LeagueData
from truestrength.evaluation.targets import final_rank, playoff_finish_rank
from truestrength.features.roster import RosterSnapshots

TARGETS = ("final_rank", "rest_win_pct", "playoff_rank")


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


def require_complete(data: LeagueData, seasons: list[str]) -> None:
    """Targets of an unfinished season would be wrong (its final ranks are not known yet):
    every training season must have its 15 playoff series decided."""
    series = data.playoff_series
    for season in seasons:
        s = series[series["season"] == season]
        if len(s) != 15 or s["winner_id"].isna().any():
            raise ValueError(
                f"{season} is not complete in the data ({len(s)} of 15 playoff series decided):"
                " its final ranks are not known yet, so it cannot be a training season; train "
                "with --up-to the last complete season")


def team_targets(data: LeagueData, keys: pd.DataFrame, target: str) -> np.ndarray:
    """Relevance for every snapshot key (NaN where the target is undefined)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r} (known: {TARGETS})")
    require_complete(data, sorted(keys["season"].unique()))
    out = np.full(len(keys), np.nan)
    for season, idx in keys.groupby("season").groups.items():
        sub = keys.loc[idx]
        if target == "final_rank":
            rel = -final_rank(data, season).astype(float)
            out[np.asarray(idx)] = sub["team_id"].map(rel).to_numpy(float)
        elif target == "playoff_rank":
            rel = -playoff_finish_rank(data, season).astype(float)
            out[np.asarray(idx)] = sub["team_id"].map(rel).to_numpy(float)
        else:
            out[np.asarray(idx)] = _rest_win_pct(data, season, sub)
    return out


def _rest_win_pct(data: LeagueData, season: str, sub: pd.DataFrame) -> np.ndarray:
    """Vectorised rest-of-season win%: wins and games from each date to the season's end."""
    tg = data.team_games
    tg = tg[(tg["season"] == season) & tg["counts_for_standings"]]
    out = np.full(len(sub), np.nan)
    for team, rows in sub.groupby("team_id").groups.items():
        t = tg[tg["team_id"] == team].sort_values("game_date")
        dates = t["game_date"].to_numpy()
        won = t["won"].to_numpy(float)
        # suffix sums: games and wins on or after each game's date
        wins_after = np.concatenate([np.cumsum(won[::-1])[::-1], [0.0]])
        games_after = np.arange(len(won), -1, -1, dtype=float)
        pos = np.searchsorted(dates, sub.loc[rows, "date"].to_numpy(), side="left")
        g = games_after[pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[sub.index.get_indexer(rows)] = np.where(g > 0, wins_after[pos] / g, np.nan)
    return out


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
            raise ValueError(f"{season} {date:%Y-%m-%d} {conf}: {len(g)} teams in one list, "
                             f"more than max_teams={max_teams}")
        snap_index[i, : len(g)] = g["_i"].to_numpy()
        rel[i, : len(g)] = g["_rel"].to_numpy(np.float32)
        rows.append((season, date, conf, len(g)))
    list_keys = pd.DataFrame(rows, columns=["season", "date", "conference", "n_teams"])
    keep = list_keys["n_teams"].to_numpy() >= 2  # a list of one team teaches nothing
    return ListSet(list_keys[keep].reset_index(drop=True), snap_index[keep], rel[keep],
                   snap_index[keep] >= 0)
