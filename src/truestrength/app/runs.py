"""Train a run, find runs, predict from one: the folders ``runs/`` holds.

A trained run is ``runs/<UTC time>-train-<last season>/`` (checkpoints, stacker weights,
out-of-fold scores, ``train_history.json``, ``run_manifest.json``); a prediction from it is
``runs/<run>-predict-<date>/`` (tables, plots, manifest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from truestrength.base.config import Config
from truestrength.base.errors import DataError, RunError
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.base.manifest import write_manifest
from truestrength.base.seasons import parse_date
from truestrength.data.injuries import read_injuries
from truestrength.inference.predict import Predictions, make_predictions
from truestrength.report.plots import write_plots
from truestrength.training.ensemble import EnsembleAB, run_config


@dataclass(frozen=True)
class TrainOutcome:
    run_dir: Path
    ensemble: EnsembleAB
    train_seasons: list[str]


def train(data: LeagueData, config: Config, up_to: str | None, runs: Path) -> TrainOutcome:
    """Fit A, B and the stacker on the seasons up to ``up_to`` (default: the latest)."""
    seasons = data.seasons
    last = up_to or (seasons[-1] if seasons else None)
    if last not in seasons:
        raise DataError(f"season {last} is not in the store (it has {', '.join(seasons)})")
    data = data.up_to(last)
    run_dir = runs / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-train-{last}")
    ensemble = EnsembleAB(config).fit(data)
    ensemble.save(run_dir)
    model_b = ensemble.model_b
    write_json(run_dir / "train_history.json", {
        "model_a": ensemble.model_a.fitted_.history.to_dict(),
        "model_b": model_b.selection.to_dict(),
    })
    write_manifest(run_dir / "run_manifest.json", config=config, data_hash=data.data_hash,
                   seeds={"model_a": config.model_a.seed, "model_b": config.model_b.seed},
                   command="train", train_seasons=data.seasons)
    return TrainOutcome(run_dir, ensemble, ensemble.train_seasons)


def latest_run(runs: Path) -> Path:
    found = sorted(p.parent for p in Path(runs).glob("*/ensemble.json"))
    if not found:
        raise RunError(f"no trained run under {runs}: run `truestrength train` first")
    return found[-1]


def resolve_run(run: Path | None, runs: Path) -> Path:
    if run is None:
        return latest_run(runs)
    if not run.exists():
        raise RunError(f"--run {run}: no such folder")
    if not run.is_dir():
        raise RunError(f"--run {run}: a file, not a run folder")
    if not (run / "ensemble.json").is_file():
        raise RunError(f"--run {run}: not a trained run (no ensemble.json); pass a folder "
                       "that `truestrength train` wrote")
    return run


@dataclass(frozen=True)
class PredictOutcome:
    out_dir: Path
    predictions: Predictions
    files: list[Path]
    train_seasons: list[str]

    @property
    def in_sample(self) -> bool:
        return self.predictions.season in self.train_seasons


def predict(data: LeagueData, config: Config | None, run: Path, date: str | pd.Timestamp,
            runs: Path, injuries: Path | None = None) -> PredictOutcome:
    """Predictions at ``date`` (``YYYY-MM-DD`` or a parsed timestamp) from the run;
    ``config`` None = the run's own configuration; ``injuries``: an injuries file
    (``data.injuries``)."""
    when = date if isinstance(date, pd.Timestamp) else parse_date(date)
    config = config or run_config(run)
    ensemble = EnsembleAB.load(run, expect=config)
    entries = None
    if injuries is not None:
        season = data.season_of_date(when)
        entries = read_injuries(injuries, data.before(when), season, config.availability,
                                rosters=data.before(when).rosters)
    preds = make_predictions(ensemble, data, when, config, injuries=entries)
    out_dir = runs / f"{run.name}-predict-{when:%Y%m%d}"
    files = preds.write(out_dir)
    files += write_plots(preds.table, out_dir, f"{preds.season} at {when:%Y-%m-%d}")
    write_manifest(out_dir / "run_manifest.json", config=ensemble.config,
                   data_hash=data.data_hash, seeds={"simulation": config.simulation.seed},
                   command="predict", date=str(when.date()), trained_run=str(run),
                   train_seasons=ensemble.train_seasons,
                   injuries=None if injuries is None else str(injuries))
    return PredictOutcome(out_dir, preds, files, ensemble.train_seasons)
