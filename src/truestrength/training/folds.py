"""Out-of-fold scores of Models A and B by forward-chaining seasons, for stacking.

Fold k trains on the seasons before season k and scores every (team, date) of season k
(``base.walkforward``). Inputs are built once from all the data: a snapshot or team-context
row at date d reads only games before d (tests/features prove it), and fold k's model,
scaler and vocabulary are fitted only on seasons before k, so no fold's score has seen its
own season's outcomes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console

from truestrength.base.config import Config, ModelBSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.walkforward import walk_forward
from truestrength.features.cache import snapshots as cached_snapshots
from truestrength.features.team_context import TeamContext, build_team_context, default_seasons
from truestrength.models.model_a.predictor import FittedModelA, fit_model_a
from truestrength.models.model_b import ModelB

KEY_COLUMNS = ["season", "date", "team_id", "conference"]


@dataclass
class FoldsResult:
    scores: pd.DataFrame  # season, date, team_id, conference, score, fold (out of fold)
    final: FittedModelA  # trained on every season
    fold_seconds: dict[str, float] = field(default_factory=dict)
    final_seconds: float = 0.0
    snapshot_seconds: float = 0.0


def _need_two(seasons: list[str]) -> None:
    if len(seasons) < 2:
        raise DataError(f"out-of-fold scores need at least two seasons, got {seasons}")


def out_of_fold(data: LeagueData, config: Config, *, progress: bool = False,
                console: Console | None = None) -> FoldsResult:
    """Model A's out-of-fold scores, and its final fit on every season."""
    seasons = data.seasons_with_players
    _need_two(seasons)
    t0 = time.perf_counter()
    snaps = cached_snapshots(data, seasons, config.roster, rapm=config.rapm)
    snap_s = time.perf_counter() - t0
    parts, fold_seconds = [], {}
    for k, fold in enumerate(walk_forward(data, seasons[1:]), start=1):
        t = time.perf_counter()
        in_train = snaps.keys["season"].isin(fold.train.seasons_with_players).to_numpy()
        fitted = fit_model_a(fold.train, config, progress=progress, console=console,
                             snapshots=snaps.select(in_train))
        target = snaps.select((snaps.keys["season"] == fold.season).to_numpy())
        scores, _ = fitted.score(target)
        parts.append(target.keys[KEY_COLUMNS].assign(score=scores, fold=k))
        fold_seconds[fold.season] = time.perf_counter() - t
    t = time.perf_counter()
    final = fit_model_a(data, config, progress=progress, console=console, snapshots=snaps)
    return FoldsResult(pd.concat(parts, ignore_index=True), final, fold_seconds,
                       time.perf_counter() - t, snap_s)


def out_of_fold_model_b(data: LeagueData, section: ModelBSection, *,
                        context: TeamContext | None = None) -> pd.DataFrame:
    """Model B's out-of-fold scores. Fold k's history holds the seasons before k (earlier
    team-only seasons stay, for Elo and carry-over) and its training seasons are the default
    seasons among them. Columns: season, date, team_id, conference, score, fold;
    ``attrs["train_seasons"]`` maps each scored season to its fold's training seasons."""
    seasons = default_seasons(data)
    _need_two(seasons)
    ctx = context if context is not None else build_team_context(data, seasons)
    parts, trained_on = [], {}
    for k, fold in enumerate(walk_forward(data, seasons[1:]), start=1):
        in_train = ctx.keys["season"].isin(seasons[:k]).to_numpy()
        model = ModelB(section).fit(fold.train, context=ctx.select(in_train))
        target = ctx.select((ctx.keys["season"] == fold.season).to_numpy())
        parts.append(target.keys.assign(score=model.score_context(target), fold=k))
        trained_on[fold.season] = list(model.train_seasons)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["train_seasons"] = trained_on
    return out
