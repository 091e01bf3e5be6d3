"""Train a run, find runs, predict from one: the folders ``runs/`` holds.

A trained run is ``runs/<UTC time>-train-<last season>/`` (checkpoints, stacker weights,
out-of-fold scores, ``train_history.json``, ``run_manifest.json``); a prediction from it is
``runs/<run>-predict-<date>-<store hash 8>/`` (tables, plots, manifest). A prediction folder
that already holds another result (other run, store, configuration, date or injuries file,
read from its manifest) is refused unless ``force``: a result is never silently replaced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from rich.console import Console

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


def train(data: LeagueData, config: Config, up_to: str | None, runs: Path, *,
          console: Console | None = None, progress: bool = False) -> TrainOutcome:
    """Fit A, B and the stacker on the seasons up to ``up_to`` (default: the latest).

    ``console``: where stage and per-epoch lines go (None: silent); ``progress``: transient
    bars too (only for a terminal: in a log file a bar is noise)."""
    seasons = data.seasons
    last = up_to or (seasons[-1] if seasons else None)
    if last not in seasons:
        raise DataError(f"season {last} is not in the store (it has {', '.join(seasons)})")
    data = data.up_to(last)
    run_dir = runs / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-train-{last}")
    ensemble = EnsembleAB(config, progress=progress, console=console).fit(data)
    if console is not None:
        console.print(f"saving the run to {run_dir}", highlight=False)
    ensemble.save(run_dir)
    model_b = ensemble.model_b
    write_json(run_dir / "train_history.json", {
        "model_a": ensemble.model_a.fitted_.history.to_dict(),
        "model_b": model_b.selection.to_dict(),
    })
    write_manifest(run_dir / "run_manifest.json", config=config, data_hash=data.data_hash,
                   seeds={"model_a": config.model_a.seed, "model_b": config.model_b.seed},
                   command="train", train_seasons=data.seasons,
                   # what predict checks a store against: the same league, the same games
                   teams={s: data.teams_of_season(s) for s in data.seasons},
                   games_fingerprint=games_fingerprint(data, data.seasons))
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


def games_fingerprint(data: LeagueData, seasons: list[str]) -> str:
    """A hash of the seasons' games (ids, dates, teams, scores): equal only when a store holds
    the same games of those seasons, whatever else it holds (the store's data hash changes
    with every new game, so it cannot tell "same league, more games" from "another league")."""
    g = data.games
    g = g[g["season"].isin(seasons)]
    cols = ["game_id", "game_date", "home_team_id", "road_team_id", "home_pts", "road_pts"]
    cols = [c for c in cols if c in g.columns]
    text = g.sort_values("game_id")[cols].astype(str).to_csv(index=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LeagueCheck:
    """Is the store the league the run was trained on? ``same_games`` None: cannot tell
    (the store lacks the run's training seasons, or the run predates the fingerprint)."""

    season: str
    run_teams: list[int]
    store_teams: list[int]
    same_games: bool | None
    warnings: list[str] = field(default_factory=list)


def read_run_manifest(run: Path) -> dict:
    path = run / "run_manifest.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: not a readable run manifest ({exc})") from exc


def check_league(run: Path, manifest: dict, ensemble: EnsembleAB, data: LeagueData,
                 season: str) -> LeagueCheck:
    """Compare the store with the league the run learnt from; RunError when the store's
    season has none of the run's teams (its teams would all be strangers to Model B, its
    scores meaningless), warnings when the teams or the training seasons' games differ."""
    by_season = manifest.get("teams")
    if by_season:
        run_teams = sorted({int(t) for ts in by_season.values() for t in ts})
    else:  # runs written before the manifest recorded teams: its out-of-fold rows
        run_teams = sorted({int(t) for t in ensemble.fit_.oof.get("team_id", [])})
    store_teams = data.teams_of_season(season)
    common = set(run_teams) & set(store_teams)
    if run_teams and not common:
        raise RunError(f"--run {run}: none of the {len(store_teams)} teams of {season} in the "
                       f"store is a team the run was trained on (ids {run_teams[:3]}...; the "
                       f"store's {store_teams[:3]}...): the run comes from another league. "
                       "Train a run on this store: `truestrength train`")
    warnings = []
    new = sorted(set(store_teams) - set(run_teams))
    if run_teams and new:
        warnings.append(f"{len(new)} of the {len(store_teams)} teams of {season} were not in "
                        f"the run's training seasons (ids {new[:5]}): the run may come from "
                        "another league; their odds rest on unseen teams")
    # The fingerprint covers every season the training store held (the manifest's
    # train_seasons), games-only seasons before the player rows too; the models' own
    # training seasons (``ensemble.train_seasons``) can be fewer.
    train_seasons = list(manifest.get("train_seasons") or ensemble.train_seasons)
    held = [s for s in train_seasons if s in data.seasons]
    fingerprint = manifest.get("games_fingerprint")
    same: bool | None = None
    if fingerprint and len(held) == len(train_seasons):
        same = games_fingerprint(data, train_seasons) == fingerprint
        if not same:
            warnings.append(f"the store's games of the run's training seasons "
                            f"({train_seasons[0]}..{train_seasons[-1]}) differ from those the "
                            "run was trained on: another league, or a store changed since")
    elif manifest.get("data_hash") == data.data_hash:
        same = True  # the very store it was trained on
    elif len(held) < len(train_seasons):
        missing = [s for s in train_seasons if s not in held]
        warnings.append(f"the store does not hold the run's training season(s) "
                        f"{', '.join(missing)}: it cannot be checked to be the same league")
    return LeagueCheck(season, run_teams, store_teams, same, warnings)


@dataclass(frozen=True)
class PredictOutcome:
    out_dir: Path
    predictions: Predictions
    files: list[Path]
    train_seasons: list[str]
    league: LeagueCheck | None = None

    @property
    def in_sample(self) -> bool:
        """The season was one the run trained on, *in this store's games*: a run trained on
        another league has seen none of these games, whatever the seasons' names."""
        same = self.league is None or self.league.same_games is True
        return self.predictions.season in self.train_seasons and same

    @property
    def warnings(self) -> list[str]:
        return [] if self.league is None else list(self.league.warnings)


def _file_sha(path: Path | None) -> str | None:
    return None if path is None else hashlib.sha256(Path(path).read_bytes()).hexdigest()


# What makes two predictions the same result: the manifest entries compared before a folder
# is reused.
IDENTITY_KEYS = ("trained_run", "data_hash", "date", "config", "injuries_sha256")


def check_output_folder(out_dir: Path, identity: dict, force: bool,
                        keys: tuple[str, ...] = IDENTITY_KEYS) -> None:
    """Refuse to write into a folder holding another result (RunError) unless ``force``;
    ``keys``: the manifest entries that make two results the same."""
    if not out_dir.exists() or force:
        return
    path = out_dir / "run_manifest.json"
    try:
        old = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        old = None
    if not isinstance(old, dict):
        raise RunError(f"{out_dir} exists and holds no readable run_manifest.json: not "
                       "overwritten; remove it, choose another --runs, or pass --force")
    differ = [k for k in keys if old.get(k) != identity.get(k)]
    if differ:
        raise RunError(f"{out_dir} holds another prediction (different {', '.join(differ)}; "
                       f"made {old.get('created', '?')}): not overwritten; choose another "
                       "--runs folder or pass --force to replace it")


def predict(data: LeagueData, config: Config | None, run: Path, date: str | pd.Timestamp,
            runs: Path, injuries: Path | None = None, *, force: bool = False
            ) -> PredictOutcome:
    """Predictions at ``date`` (``YYYY-MM-DD`` or a parsed timestamp) from the run;
    ``config`` None = the run's own configuration; ``injuries``: an injuries file
    (``data.injuries``); ``force``: replace a folder holding another prediction."""
    when = date if isinstance(date, pd.Timestamp) else parse_date(date)
    config = config or run_config(run)
    ensemble = EnsembleAB.load(run, expect=config)
    league = check_league(run, read_run_manifest(run), ensemble, data,
                          data.season_of_date(when))
    out_dir = runs / f"{run.name}-predict-{when:%Y%m%d}-{data.data_hash[:8]}"
    identity = {"trained_run": str(run), "data_hash": data.data_hash,
                "date": str(when.date()), "config": config.model_dump(mode="json"),
                "injuries_sha256": _file_sha(injuries)}
    check_output_folder(out_dir, identity, force)
    entries = None
    if injuries is not None:
        season = data.season_of_date(when)
        entries = read_injuries(injuries, data.before(when), season, config.availability,
                                rosters=data.before(when).rosters)
    preds = make_predictions(ensemble, data, when, config, injuries=entries)
    files = preds.write(out_dir)
    files += write_plots(preds.table, out_dir, f"{preds.season} at {when:%Y-%m-%d}")
    # The configuration used (the run's training sections, this call's others), not the
    # run's: a folder is reused only for the same one.
    write_manifest(out_dir / "run_manifest.json", config=config,
                   data_hash=data.data_hash, seeds={"simulation": config.simulation.seed},
                   command="predict", date=str(when.date()), trained_run=str(run),
                   train_seasons=ensemble.train_seasons,
                   injuries=None if injuries is None else str(injuries),
                   injuries_sha256=identity["injuries_sha256"],
                   league_warnings=league.warnings)
    return PredictOutcome(out_dir, preds, files, ensemble.train_seasons, league)
