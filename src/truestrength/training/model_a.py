"""Model A as a predictor: roster snapshots -> set-attention ranker trained with ListMLE.

``fit(history)`` (history = training seasons only):
1. roster snapshots of every training season at every game date;
2. feature standardisation and the player vocabulary, from those seasons only;
3. a run with the last training season held out for early stopping (epoch selection and the
   game-probability fit use that season, never a test season);
4. unless ``refit_on_all`` is off, a final model on all training seasons for the selected
   number of epochs.
``predict(known, season, as_of)`` builds the snapshots at ``as_of`` from ``known`` (games
strictly before ``as_of``) and scores every team of the season.

Game probability: P(home wins) = sigmoid(a + b * (score_home - score_road)), fitted on the
held-out season's games with the held-out model's pre-game scores, so it is out of sample.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from rich.console import Console

from truestrength.config import Config, ModelASection, RosterSection
from truestrength.data.league import LeagueData
from truestrength.evaluation.predictor import Prediction
from truestrength.evaluation.ratings import (
    LogisticWinModel,
    fit_win_model_on_scores,
    score_spread,
)
from truestrength.features.cache import load_or_build
from truestrength.features.roster import RosterConfig, RosterSnapshots, build_snapshots
from truestrength.features.scaling import FeatureScaler
from truestrength.manifest import code_version
from truestrength.models.player_vocab import PlayerVocab
from truestrength.models.roster_model import RosterModelConfig, RosterSetRanker
from truestrength.training.lists import build_lists, team_targets
from truestrength.training.trainer import TensorData, TrainResult, score_snapshots, train_ranker

CHECKPOINT_FORMAT = "truestrength-model-a/1"


def roster_config(section: RosterSection) -> RosterConfig:
    return RosterConfig(max_players=section.max_players, recent_games=section.recent_games,
                        prior_games=section.prior_games)


def training_snapshots(data: LeagueData, seasons: list[str], section: RosterSection):
    """Every game date's snapshots of ``seasons``, from the disk cache when configured."""
    config = roster_config(section)
    if section.cache_dir is None:
        return build_snapshots(data, seasons, config)
    return load_or_build(data, seasons, config, cache_dir=section.cache_dir)


def snapshot_seasons(data: LeagueData) -> list[str]:
    """Seasons with player rows: the only ones a roster model can see."""
    return sorted(data.player_logs["season"].unique())


@dataclass
class FittedModelA:
    """Everything needed to use trained weights: the checkpoint's content."""

    model: RosterSetRanker
    scaler: FeatureScaler
    vocab: PlayerVocab
    roster: RosterConfig
    section: ModelASection
    win_model: LogisticWinModel
    train_seasons: list[str]
    data_hash: str
    history: list[dict] = field(default_factory=list)
    holdout_history: list[dict] = field(default_factory=list)
    holdout_season: str | None = None

    def score(self, snaps: RosterSnapshots) -> tuple[np.ndarray, np.ndarray]:
        scaled = self.scaler.transform(snaps)
        return score_snapshots(self.model, TensorData.from_snapshots(scaled, self.vocab))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({
            "format": CHECKPOINT_FORMAT,
            "model_config": self.model.config.to_dict(),
            "state_dict": self.model.state_dict(),
            "scaler": self.scaler.to_dict(),
            "vocab": self.vocab.to_dict(),
            "roster_config": self.roster.to_dict(),
            "model_a_config": self.section.model_dump(),
            "win_model": self.win_model.to_dict(),
            "train_seasons": self.train_seasons,
            "data_hash": self.data_hash,
            "code_version": code_version(),
            "history": self.history,
            "holdout_history": self.holdout_history,
            "holdout_season": self.holdout_season,
        }, path)
        return path

    @classmethod
    def load(cls, path: Path, expect: Config | None = None) -> FittedModelA:
        """Load a checkpoint; with ``expect``, refuse one trained under another config."""
        try:
            ck = torch.load(path, map_location="cpu", weights_only=False)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
            raise ValueError(f"{path}: not a readable Model A checkpoint ({exc})") from exc
        if not isinstance(ck, dict) or ck.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path}: not a {CHECKPOINT_FORMAT} checkpoint")
        section = ModelASection.model_validate(ck["model_a_config"])
        roster = RosterConfig.from_dict(ck["roster_config"])
        if expect is not None:
            _check_same(path, "model_a", section.model_dump(), expect.model_a.model_dump())
            _check_same(path, "roster", {k: v for k, v in roster.to_dict().items()
                                         if k in RosterSection.model_fields},
                        expect.roster.model_dump(exclude={"cache_dir"}))
        model = RosterSetRanker(RosterModelConfig.from_dict(ck["model_config"]))
        model.load_state_dict(ck["state_dict"])
        model.eval()
        return cls(model, FeatureScaler.from_dict(ck["scaler"]),
                   PlayerVocab.from_dict(ck["vocab"]), roster, section,
                   LogisticWinModel.from_dict(ck["win_model"]),
                   list(ck["train_seasons"]), ck["data_hash"], ck.get("history", []),
                   ck.get("holdout_history", []), ck.get("holdout_season"))


def _check_same(path: Path, section: str, saved: dict, expected: dict) -> None:
    diff = {k: (saved.get(k), expected.get(k)) for k in set(saved) | set(expected)
            if saved.get(k) != expected.get(k)}
    if diff:
        items = ", ".join(f"{k}: checkpoint {a!r} vs config {b!r}" for k, (a, b)
                          in sorted(diff.items()))
        raise ValueError(f"{path} was trained under a different {section} configuration "
                         f"({items}); retrain, or load it with its own configuration")


class ModelA:
    """The backtest predictor ``model_a``."""

    name = "model_a"

    def __init__(self, config: Config | None = None, *, progress: bool = False,
                 console: Console | None = None) -> None:
        self.config = config or Config()
        self.progress = progress
        self.console = console or Console(quiet=not progress)
        self.fitted: FittedModelA | None = None

    # -- fit ---------------------------------------------------------------------------------
    def fit(self, history: LeagueData) -> ModelA:
        self.fitted = fit_model_a(history, self.config, progress=self.progress,
                                  console=self.console)
        return self

    # -- predict -----------------------------------------------------------------------------
    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        f = self._require_fitted()
        snaps = build_snapshots(known, [season], f.roster, dates=[pd.Timestamp(as_of)])
        teams = known.teams_of_season(season)
        scores = pd.Series(f.score(snaps)[0], index=snaps.keys["team_id"].to_numpy())
        missing = sorted(set(teams) - set(scores.index))
        if missing:
            raise ValueError(f"model_a: no roster for team(s) {missing} in {season} at "
                             f"{pd.Timestamp(as_of):%Y-%m-%d} (no player rows this season or "
                             "last)")
        scores = scores.reindex(teams).rename("model_a")
        wm = f.win_model

        def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray) -> np.ndarray:
            return wm.predict_proba(scores.reindex(home).to_numpy()
                                    - scores.reindex(road).to_numpy(), neutral)

        return Prediction(scores, win_prob)

    def _require_fitted(self) -> FittedModelA:
        if self.fitted is None:
            raise RuntimeError("model_a: call fit() before predict()")
        return self.fitted


def _lists_for(snaps: RosterSnapshots, data: LeagueData, section: ModelASection,
               stride: int):
    keep = np.ones(len(snaps), dtype=bool)
    if stride > 1:
        # every stride-th date of each season (the last date always kept)
        k = snaps.keys
        rank = k.groupby("season")["date"].rank(method="dense").to_numpy()
        keep = (rank % stride == 0) | (k["date"] == k.groupby("season")["date"].transform(
            "max")).to_numpy()
    sub = snaps.select(keep)
    rel = team_targets(data, sub.keys, section.target)
    return sub, build_lists(sub, rel, max_teams=15)


def fit_model_a(history: LeagueData, config: Config, *, progress: bool = False,
                console: Console | None = None,
                snapshots: RosterSnapshots | None = None) -> FittedModelA:
    section, roster = config.model_a, roster_config(config.roster)
    torch.set_num_threads(section.threads)
    seasons = snapshot_seasons(history)
    if not seasons:
        raise ValueError("model_a needs at least one season with player rows")
    snaps = snapshots if snapshots is not None else training_snapshots(history, seasons,
                                                                         config.roster)
    scaler = FeatureScaler.fit(snaps, on_constant="zero")
    if scaler.zeroed:
        (console or Console()).print(
            f"model A: feature(s) constant over {', '.join(seasons)} are switched off: "
            f"{', '.join(scaler.zeroed)}", highlight=False)
    # Players of every training season, including the held-out one: the held-out run's
    # validation would otherwise meet only unknown players there, unlike any real prediction
    # (which knows every player seen before). Unknown ids are trained by unknown_player_rate.
    vocab = PlayerVocab.fit(history.player_logs["player_id"].to_numpy())
    scaled = scaler.transform(snaps)
    if len(seasons) == 1:
        # Nothing to hold out: a fixed number of epochs, and the game model is fitted in
        # sample (recorded in the checkpoint as holdout None).
        all_snaps, all_lists = _lists_for(scaled, history, section, section.date_stride)
        final = train_ranker(section, vocab, (TensorData.from_snapshots(all_snaps, vocab),
                                              all_lists), None,
                             epochs=section.epochs_without_holdout, console=console,
                             progress=progress, label=f"model A ({seasons[0]})")
        every = _lists_for(scaled, history, section, 1)[0]
        win_model = _fit_win_model(final.model, history, seasons[0], every, vocab)
        return FittedModelA(final.model, scaler, vocab, roster, section, win_model, seasons,
                            history.data_hash, final.history, [], None)
    holdout = seasons[-1]
    in_hold = (scaled.keys["season"] == holdout).to_numpy()
    tr_snaps, tr_lists = _lists_for(scaled.select(~in_hold), history, section,
                                    section.date_stride)
    va_snaps, va_lists = _lists_for(scaled.select(in_hold), history, section, 1)
    tr = (TensorData.from_snapshots(tr_snaps, vocab), tr_lists)
    va = (TensorData.from_snapshots(va_snaps, vocab), va_lists)
    first: TrainResult = train_ranker(section, vocab, tr, va, console=console,
                                      progress=progress, label=f"model A (hold out {holdout})")
    win_model = _fit_win_model(first.model, history, holdout, va_snaps, vocab)
    final = first
    if section.refit_on_all:
        all_snaps, all_lists = _lists_for(scaled, history, section, section.date_stride)
        final = train_ranker(section, vocab, (TensorData.from_snapshots(all_snaps, vocab),
                                              all_lists), None, epochs=max(first.best_epoch, 1),
                             console=console, progress=progress,
                             label=f"model A (all {len(seasons)} seasons)")
        # The game model was fitted on the held-out run's scores; the refit model scores on
        # its own scale, so the slope is carried over by the ratio of score spreads.
        held = TensorData.from_snapshots(va_snaps, vocab)
        ratio = (score_spread(score_snapshots(first.model, held)[0], va_snaps.keys["date"])
                 / score_spread(score_snapshots(final.model, held)[0], va_snaps.keys["date"]))
        win_model = win_model.rescaled(ratio)
    return FittedModelA(final.model, scaler, vocab, roster, section, win_model, seasons,
                        history.data_hash, final.history, first.history, holdout)


def _fit_win_model(model: RosterSetRanker, data: LeagueData, season: str,
                   snaps: RosterSnapshots, vocab: PlayerVocab) -> LogisticWinModel:
    """Logistic P(home wins) on the pre-game score difference over the held-out season."""
    scores, _ = score_snapshots(model, TensorData.from_snapshots(snaps, vocab))
    by = pd.Series(scores, index=pd.MultiIndex.from_frame(snaps.keys[["date", "team_id"]]))
    g = data.games[(data.games["season"] == season) & data.games["counts_for_standings"]]
    return fit_win_model_on_scores(by, g, f"model_a ({season})", min_games=50)
