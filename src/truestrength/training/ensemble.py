"""A+B: Model A and Model B blended by the ridge stacker, as one backtest predictor.

``fit(history)``:
1. out-of-fold scores of A and of B over the training seasons (forward-chaining folds: fold k
   trains on seasons before k), plus each model's final fit on all training seasons;
2. the stacker (RidgeCV) on the out-of-fold scores, standardised within each list, against
   the training target;
3. the game model: P(home wins) = sigmoid(a + b * (blend_home - blend_road)), fitted on the
   out-of-fold blend of the training seasons' standings games (each game scored by models
   that never saw its season).
``predict`` blends the final models' scores at the date with the stacker's weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.config import Config
from truestrength.data.league import LeagueData
from truestrength.evaluation.predictor import Prediction
from truestrength.evaluation.ratings import LogisticWinModel, fit_win_model_on_scores
from truestrength.manifest import read_artifact
from truestrength.models.model_b import ModelB, out_of_fold_model_b
from truestrength.models.stacker import LIST_KEYS, Stacker
from truestrength.training.folds import out_of_fold
from truestrength.training.lists import team_targets
from truestrength.training.model_a import FittedModelA, ModelA

KEYS = [*LIST_KEYS, "conference", "team_id"]


@dataclass
class EnsembleFit:
    stacker: Stacker
    win_model: LogisticWinModel
    oof: pd.DataFrame  # keys, model_a, model_b, target, stacked


def oof_frame(history: LeagueData, config: Config, progress: bool = False):
    """Out-of-fold scores of both base models on the training seasons, and their final fits."""
    folds_a = out_of_fold(history, config, progress=progress)
    model_a = ModelA(config)
    model_a.fitted = folds_a.final
    oof_b = out_of_fold_model_b(history, config.model_b)
    model_b = ModelB(config.model_b).fit(history)
    a = folds_a.scores.rename(columns={"score": "model_a"})[[*KEYS, "model_a"]]
    b = oof_b.rename(columns={"score": "model_b"})[[*KEYS, "model_b"]]
    oof = a.merge(b, on=KEYS, how="inner")
    if oof.empty:
        raise ValueError("A+B: models A and B have no out-of-fold (team, date) in common")
    oof["target"] = team_targets(history, oof, config.model_a.target)
    return oof, model_a, model_b


def fit_ensemble(oof: pd.DataFrame, history: LeagueData) -> EnsembleFit:
    stacker = Stacker.fit(oof, ["model_a", "model_b"])
    oof = oof.assign(stacked=stacker.combine(oof))
    by = oof.set_index(["date", "team_id"])["stacked"]
    g = history.games
    g = g[g["counts_for_standings"] & g["season"].isin(oof["season"].unique())]
    win = fit_win_model_on_scores(by, g, "model_ab (out-of-fold blend)")
    return EnsembleFit(stacker, win, oof)


ENSEMBLE_FORMAT = "truestrength-ensemble/1"
# What a trained run depends on; the predict and backtest sections may change freely.
TRAINING_SECTIONS = ("roster", "model_a", "model_b")
RUNTIME_SETTINGS = {"threads", "nthread", "cache_dir"}


def run_config(run_dir: Path) -> Config:
    """The configuration a run was trained under."""
    return Config.model_validate(read_artifact(run_dir / "ensemble.json", ENSEMBLE_FORMAT)
                                 ["config"])


class EnsembleAB:
    name = "model_ab"

    def __init__(self, config: Config | None = None, *, progress: bool = False) -> None:
        self.config = config or Config()
        self.progress = progress
        self.model_a: ModelA | None = None
        self.model_b: ModelB | None = None
        self.fit_: EnsembleFit | None = None

    def fit(self, history: LeagueData) -> EnsembleAB:
        oof, self.model_a, self.model_b = oof_frame(history, self.config, self.progress)
        self.fit_ = fit_ensemble(oof, history)
        return self

    def base_scores(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> pd.DataFrame:
        if self.fit_ is None or self.model_a is None or self.model_b is None:
            raise RuntimeError("model_ab: call fit() before predict()")
        a = self.model_a.predict(known, season, as_of).scores
        b = self.model_b.predict(known, season, as_of).scores
        conf = known.conference_of(season)
        frame = pd.DataFrame({"model_a": a, "model_b": b.reindex(a.index)})
        if frame.isna().any().any():
            raise ValueError(f"model_ab: base models scored different teams at {as_of}")
        return frame.assign(season=season, date=pd.Timestamp(as_of),
                            conference=conf.reindex(frame.index).to_numpy())

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        frame = self.base_scores(known, season, as_of)
        scores = self.fit_.stacker.combine(frame).rename("model_ab")
        wm = self.fit_.win_model

        def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray) -> np.ndarray:
            return wm.predict_proba(scores.reindex(home).to_numpy()
                                    - scores.reindex(road).to_numpy(), neutral)

        return Prediction(scores, win_prob)

    # -- persistence: one folder per run ---------------------------------------------------
    def save(self, run_dir: Path) -> Path:
        if self.fit_ is None or self.model_a is None or self.model_b is None:
            raise RuntimeError("model_ab: nothing to save before fit()")
        run_dir.mkdir(parents=True, exist_ok=True)
        self.model_a.fitted.save(run_dir / "model_a.pt")
        self.model_b.save(run_dir / "model_b")
        (run_dir / "ensemble.json").write_text(json.dumps({
            "format": ENSEMBLE_FORMAT,
            "stacker": self.fit_.stacker.to_dict(),
            "win_model": self.fit_.win_model.to_dict(),
            "config": self.config.model_dump(mode="json"),
        }, indent=2))
        self.fit_.oof.to_csv(run_dir / "oof_scores.csv.gz", index=False)
        return run_dir

    @classmethod
    def load(cls, run_dir: Path, expect: Config | None = None) -> EnsembleAB:
        meta = read_artifact(run_dir / "ensemble.json", ENSEMBLE_FORMAT)
        config = Config.model_validate(meta["config"])
        if expect is not None:
            diff = [f"{sec}.{k}" for sec in TRAINING_SECTIONS
                    for k, v in getattr(config, sec).model_dump().items()
                    if k not in RUNTIME_SETTINGS and getattr(expect, sec).model_dump()[k] != v]
            if diff:
                raise ValueError(f"{run_dir} was trained under a different configuration "
                                 f"({', '.join(diff)} differ); retrain, or predict without "
                                 "--config")
        out = cls(config)
        out.model_a = ModelA(config)
        out.model_a.fitted = FittedModelA.load(run_dir / "model_a.pt", expect=config)
        out.model_b = ModelB.load(run_dir / "model_b", expect=config.model_b)
        oof_path = run_dir / "oof_scores.csv.gz"
        oof = pd.read_csv(oof_path, parse_dates=["date"]) if oof_path.exists() else pd.DataFrame()
        out.fit_ = EnsembleFit(Stacker.from_dict(meta["stacker"]),
                               LogisticWinModel.from_dict(meta["win_model"]), oof)
        return out
