"""Out-of-fold Model A scores by forward-chaining seasons, for stacking and for honesty.

Fold k trains on the seasons before k and scores every (team, date) snapshot of season k.
Snapshots are built once from all the data: a snapshot at date d reads only games before d
(tests/features prove it), and fold k's model, scaler and vocabulary are fitted only on
seasons before k, so no fold's score has seen its own season's outcomes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console

from truestrength.config import Config
from truestrength.data.league import LeagueData
from truestrength.training.model_a import (
    FittedModelA,
    fit_model_a,
    snapshot_seasons,
    training_snapshots,
)


@dataclass
class FoldsResult:
    scores: pd.DataFrame  # season, date, team_id, conference, score (out of fold)
    final: FittedModelA  # trained on every season
    fold_seconds: dict[str, float] = field(default_factory=dict)
    final_seconds: float = 0.0
    snapshot_seconds: float = 0.0


def out_of_fold(data: LeagueData, config: Config, *, progress: bool = False,
                console: Console | None = None) -> FoldsResult:
    seasons = snapshot_seasons(data)
    if len(seasons) < 2:
        raise ValueError(f"out-of-fold scores need at least two seasons, got {seasons}")
    t0 = time.perf_counter()
    snaps = training_snapshots(data, seasons, config.roster)
    snap_s = time.perf_counter() - t0
    parts, fold_seconds = [], {}
    for k, season in enumerate(seasons[1:], start=1):
        t = time.perf_counter()
        train = seasons[:k]
        in_train = snaps.keys["season"].isin(train).to_numpy()
        fitted = fit_model_a(data.restrict_seasons(train), config, progress=progress,
                             console=console, snapshots=snaps.select(in_train))
        target = snaps.select((snaps.keys["season"] == season).to_numpy())
        scores, _ = fitted.score(target)
        parts.append(target.keys[["season", "date", "team_id", "conference"]].assign(
            score=scores, fold=k))
        fold_seconds[season] = time.perf_counter() - t
    t = time.perf_counter()
    final = fit_model_a(data, config, progress=progress, console=console, snapshots=snaps)
    return FoldsResult(pd.concat(parts, ignore_index=True), final, fold_seconds,
                       time.perf_counter() - t, snap_s)
