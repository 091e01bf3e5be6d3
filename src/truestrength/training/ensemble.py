"""A+B: Model A and Model B blended by the ridge stacker, as one predictor.

``fit(history)``:
1. out-of-fold scores of A and of B over the training seasons (forward-chaining folds: fold k
   trains on seasons before k), plus each model's final fit on all training seasons;
2. the stacker (RidgeCV) on the out-of-fold scores, standardised within each list, against
   the training target;
3. the game model: P(home wins) = sigmoid(a + b * (blend_home - blend_road)), fitted on the
   out-of-fold blend of the training seasons' standings games (each game scored by models
   that never saw its season).
``predict`` blends the final models' scores at the date with the stacker's weights; the
prediction carries each model's own scores and Model A's attention.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from rich.console import Console

from truestrength.base.availability import Availability
from truestrength.base.config import Config, check_same_settings
from truestrength.base.errors import ModelError, RunError, check_is_fitted
from truestrength.base.game_model import LogisticWinModel, fit_game_model
from truestrength.base.io import read_artifact, write_json
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction
from truestrength.base.targets import team_targets
from truestrength.models.model_a.predictor import FittedModelA, ModelA
from truestrength.models.model_b import ModelB
from truestrength.models.stacker import LIST_KEYS, Stacker
from truestrength.training.folds import out_of_fold, out_of_fold_model_b

KEYS = [*LIST_KEYS, "conference", "team_id"]
BASE_MODELS = ("model_a", "model_b")
# 3: Model A's weights are opened weights-only (models.model_a.predictor.CHECKPOINT_FORMAT).
# Runs of format 2 and before held a pickled Model A and are refused with "retrain".
ENSEMBLE_FORMAT = "truestrength-ensemble/3"
# What a trained run depends on; the other sections may change freely between train and use.
TRAINING_SECTIONS = ("roster", "model_a", "model_b")


@dataclass
class EnsembleFit:
    stacker: Stacker
    win_model: LogisticWinModel
    oof: pd.DataFrame  # keys, model_a, model_b, target, stacked


def oof_frame(history: LeagueData, config: Config, progress: bool = False,
              console: Console | None = None) -> tuple[pd.DataFrame, ModelA, ModelB]:
    """Out-of-fold scores of both base models on the training seasons, and their final fits.
    ``console``: one line per stage (and Model A's per epoch); None = silent."""
    say = console.print if console is not None else (lambda *_a, **_k: None)
    seasons = history.seasons_with_players
    say(f"stage 1/3: Model A, out of fold on {', '.join(seasons[1:])} and a final fit on "
        f"{len(seasons)} season(s)", highlight=False)
    folds_a = out_of_fold(history, config, progress=progress, console=console)
    model_a = ModelA.from_fitted(folds_a.final, config)
    say("stage 2/3: Model B, out of fold and a final fit", highlight=False)
    oof_b = out_of_fold_model_b(history, config.model_b)
    model_b = ModelB(config.model_b).fit(history)
    say("stage 3/3: the stacker on the out-of-fold scores", highlight=False)
    a = folds_a.scores.rename(columns={"score": "model_a"})[[*KEYS, "model_a"]]
    b = oof_b.rename(columns={"score": "model_b"})[[*KEYS, "model_b"]]
    oof = a.merge(b, on=KEYS, how="inner")
    if oof.empty:
        raise ModelError("A+B: models A and B have no out-of-fold (team, date) in common")
    oof["target"] = team_targets(history, oof, config.model_a.target)
    return oof, model_a, model_b


def fit_ensemble(oof: pd.DataFrame, history: LeagueData) -> EnsembleFit:
    stacker = Stacker.fit(oof, list(BASE_MODELS))
    oof = oof.assign(stacked=stacker.combine(oof))
    by = oof.set_index(["date", "team_id"])["stacked"]
    g = history.standings_games()
    g = g[g["season"].isin(oof["season"].unique())]
    return EnsembleFit(stacker, fit_game_model(by, g, "model_ab (out-of-fold blend)"), oof)


def run_config(run_dir: Path) -> Config:
    """The configuration a run was trained under."""
    return _saved_config(run_dir, _read_run(run_dir))


def _read_run(run_dir: Path) -> dict:
    """``ensemble.json`` of a run this version can open, or a RunError saying to retrain."""
    path = run_dir / "ensemble.json"
    try:
        fmt = json.loads(path.read_text()).get("format")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        fmt = None  # read_artifact below says what is wrong with the file
    if isinstance(fmt, str) and fmt.startswith("truestrength-ensemble/") \
            and fmt != ENSEMBLE_FORMAT:
        raise RunError(f"{run_dir}: a run of format {fmt}, written by another version; this "
                       f"version opens only {ENSEMBLE_FORMAT} (older runs stored Model A by "
                       "pickling, which can run code when opened): retrain with "
                       "`truestrength train`")
    return read_artifact(path, ENSEMBLE_FORMAT)


def _saved_config(run_dir: Path, meta: dict) -> Config:
    try:
        return Config.model_validate(meta["config"])
    except (KeyError, ValidationError) as exc:
        raise RunError(f"{run_dir}: the run's saved configuration is not valid for this "
                       f"version ({exc}); retrain") from exc


class EnsembleAB:
    """The predictor ``model_ab``: what ``train`` saves and ``predict`` publishes."""

    name = "model_ab"

    def __init__(self, config: Config | None = None, *, progress: bool = False,
                 console: Console | None = None) -> None:
        self.config = config or Config()
        self.progress = progress
        self.console = console
        self.model_a: ModelA | None = None
        self.model_b: ModelB | None = None
        self.fit_: EnsembleFit | None = None

    @property
    def train_seasons(self) -> list[str]:
        check_is_fitted(self, "model_a")
        return self.model_a.fitted_.train_seasons

    def fit(self, history: LeagueData) -> EnsembleAB:
        oof, self.model_a, self.model_b = oof_frame(history, self.config, self.progress,
                                                         self.console)
        self.fit_ = fit_ensemble(oof, history)
        return self

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp, *,
                availability: Availability | None = None) -> Prediction:
        """The blend at ``as_of``. ``availability`` reaches Model A only: Model B reads team
        context (results, box totals), where a player cannot be taken out."""
        check_is_fitted(self, "fit_", "model_a", "model_b")
        pa = self.model_a.predict(known, season, as_of, availability=availability)
        pb = self.model_b.predict(known, season, as_of)
        frame = pd.DataFrame({"model_a": pa.scores, "model_b": pb.scores.reindex(pa.scores.index)})
        if frame.isna().any().any():
            raise ModelError(f"model_ab: base models scored different teams at {as_of}")
        frame = frame.assign(season=season, date=pd.Timestamp(as_of))
        scores = self.fit_.stacker.combine(frame).rename("model_ab")
        return Prediction(scores, self.fit_.win_model.win_prob(scores),
                          components={"model_a": pa.scores, "model_b": pb.scores},
                          attention=pa.attention)

    # -- persistence: one folder per run ---------------------------------------------------
    def save(self, run_dir: Path) -> Path:
        check_is_fitted(self, "fit_", "model_a", "model_b")
        run_dir.mkdir(parents=True, exist_ok=True)
        self.model_a.fitted_.save(run_dir / "model_a.pt")
        self.model_b.save(run_dir / "model_b")
        write_json(run_dir / "ensemble.json", {
            "format": ENSEMBLE_FORMAT,
            "stacker": self.fit_.stacker.to_dict(),
            "win_model": self.fit_.win_model.to_dict(),
            "config": self.config.model_dump(mode="json"),
        })
        self.fit_.oof.to_csv(run_dir / "oof_scores.csv.gz", index=False)
        return run_dir

    @classmethod
    def load(cls, run_dir: Path, expect: Config | None = None) -> EnsembleAB:
        if not (run_dir / "ensemble.json").is_file():
            raise RunError(f"{run_dir}: not a trained run (no ensemble.json); run "
                           "`truestrength train` and pass the folder it writes")
        meta = _read_run(run_dir)
        config = _saved_config(run_dir, meta)
        if expect is not None:
            for sec in TRAINING_SECTIONS:
                check_same_settings(run_dir, sec, getattr(config, sec), getattr(expect, sec))
        out = cls(config)
        out.model_a = ModelA.from_fitted(FittedModelA.load(run_dir / "model_a.pt",
                                                           expect=config), config)
        out.model_b = ModelB.load(run_dir / "model_b", expect=config.model_b)
        oof_path = run_dir / "oof_scores.csv.gz"
        oof = pd.read_csv(oof_path, parse_dates=["date"]) if oof_path.exists() else pd.DataFrame()
        out.fit_ = EnsembleFit(Stacker.from_dict(meta["stacker"]),
                               LogisticWinModel.from_dict(meta["win_model"]), oof)
        return out
