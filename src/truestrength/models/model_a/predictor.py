"""Model A as a predictor: roster snapshots -> set-attention ranker trained with ListMLE.

``fit(history)`` (history = training seasons only):
1. roster snapshots of every training season at every game date;
2. feature standardisation and the player vocabulary, from those seasons only;
3. a run with the last training season held out for early stopping (epoch selection and the
   game-probability fit use that season, never a test season); its vocabulary holds only the
   players of the seasons before it, so the held-out season's newcomers are unknown players
   there, as they are to a model predicting a new season;
4. unless ``refit_on_all`` is off, a final model on all training seasons for the selected
   number of epochs.
With ``game_loss_weight`` > 0, both runs also fit the game loss on the training seasons'
game rosters (``features.game_rosters``: who played each game, features from before it),
the held-out season's games joining the early-stopping criterion.
``predict(known, season, as_of)`` builds the snapshots at ``as_of`` from ``known`` (games
strictly before ``as_of``) and scores every team of the season; the prediction carries the
attention over each roster as well, so drivers need no second pass.

Game probability: P(home wins) = sigmoid(a + b * (score_home - score_road)), fitted on the
held-out season's games with the held-out model's pre-game scores, so it is out of sample
(``base.game_model.fit_game_model`` carries it to the refit model's scale).

Checkpoint (``FittedModelA.save``): ``model_a.pt`` holds the weights only, a plain state_dict
of tensors opened with ``torch.load(weights_only=True)``; ``model_a.json`` beside it holds the
configuration, scaler, vocabulary, game model, history and the weights' SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from pydantic import ValidationError
from rich.console import Console

from truestrength.base import memo
from truestrength.base.availability import Availability
from truestrength.base.config import (
    Config,
    ModelASection,
    RapmSection,
    RosterSection,
    check_same_settings,
    saved_section,
)
from truestrength.base.errors import ModelError, RunError, check_is_fitted
from truestrength.base.game_model import LogisticWinModel, fit_game_model
from truestrength.base.io import atomic_write, write_json
from truestrength.base.league import LeagueData
from truestrength.base.manifest import code_version
from truestrength.base.predictor import Prediction, RosterAttention
from truestrength.base.targets import team_targets
from truestrength.features.cache import snapshots as cached_snapshots
from truestrength.features.game_rosters import GameRosters, build_game_rosters
from truestrength.features.player_rapm import FLOOR_SLOTS
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.features.roster import RosterSnapshots, build_snapshots
from truestrength.features.scaling import FeatureScaler
from truestrength.models.model_a.game_loss import GameTensors
from truestrength.models.model_a.lists import ListSet, build_lists
from truestrength.models.model_a.network import (
    RosterModelConfig,
    RosterSetRanker,
    SeedEnsemble,
)
from truestrength.models.model_a.trainer import (
    EpochRecord,
    TensorData,
    TrainResult,
    score_snapshots,
    train_ranker,
)
from truestrength.models.model_a.vocab import UNK_INDEX, PlayerVocab

# 3: weights alone in the .pt (opened weights-only), everything else in JSON beside it.
# 2 and before pickled everything into one file and are refused (retrain).
CHECKPOINT_FORMAT = "truestrength-model-a/3"


@dataclass
class ModelAHistory:
    """The epochs of a fit: the held-out run (selects the epoch count) and the final run."""

    holdout_season: str | None
    holdout_run: list[EpochRecord] = field(default_factory=list)
    final_run: list[EpochRecord] = field(default_factory=list)
    # Share of the held-out season's roster slots whose player the held-out run never saw
    # (they use the unknown-player embedding); None without a held-out season.
    holdout_unknown_share: float | None = None
    # What the fit decided on its own that a reader of train_history.json should know (e.g.
    # features switched off as constant); kept here rather than printed, since it is about
    # the training data, not something the user has to act on.
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"holdout_season": self.holdout_season,
                "holdout_run": [asdict(r) for r in self.holdout_run],
                "final_run": [asdict(r) for r in self.final_run],
                "holdout_unknown_share": self.holdout_unknown_share,
                "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict) -> ModelAHistory:
        return cls(d["holdout_season"], [EpochRecord(**r) for r in d["holdout_run"]],
                   [EpochRecord(**r) for r in d["final_run"]], d.get("holdout_unknown_share"),
                   list(d.get("notes", [])))


@dataclass
class FittedModelA:
    """Everything needed to use trained weights: the checkpoint's content."""

    model: RosterSetRanker | SeedEnsemble
    scaler: FeatureScaler
    vocab: PlayerVocab
    roster: RosterSection
    section: ModelASection
    win_model: LogisticWinModel
    train_seasons: list[str]
    data_hash: str
    history: ModelAHistory
    # The ridge settings of the RAPM roster features (read only with roster.rapm_feature).
    rapm: RapmSection = field(default_factory=RapmSection)

    def score(self, snaps: RosterSnapshots) -> tuple[np.ndarray, np.ndarray]:
        """Scores ``[N]`` and attention ``[N, H, P]`` of raw (unscaled) snapshots."""
        scaled = self.scaler.transform(snaps)
        return score_snapshots(self.model, TensorData.from_snapshots(scaled, self.vocab))

    def save(self, path: Path) -> Path:
        """Weights to ``path`` (a plain state_dict of tensors) and everything else to the JSON
        beside it (``path`` with suffix ``.json``); returns ``path``.

        Nothing but tensors goes through torch's pickle-based format, so ``load`` can open the
        weights with ``weights_only=True``: a run folder received from someone else cannot
        run code when it is loaded. The JSON records the weights' SHA-256, so a weights file
        swapped or half-copied apart from its metadata is refused."""
        path = Path(path)
        state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
        atomic_write(path, lambda tmp: torch.save(state, tmp))
        write_json(meta_path(path), {
            "format": CHECKPOINT_FORMAT,
            "weights": path.name,
            "weights_sha256": _sha256(path),
            "model_config": self.model.config.to_dict(),
            "members": len(self.model.members) if isinstance(self.model, SeedEnsemble) else 1,
            "scaler": self.scaler.to_dict(),
            "vocab": self.vocab.to_dict(),
            "roster_config": self.roster.model_dump(mode="json"),
            "model_a_config": self.section.model_dump(mode="json"),
            "rapm_config": self.rapm.model_dump(mode="json"),
            "win_model": self.win_model.to_dict(),
            "train_seasons": self.train_seasons,
            "data_hash": self.data_hash,
            "code_version": code_version(),
            "history": self.history.to_dict(),
        })
        return path

    @classmethod
    def load(cls, path: Path, expect: Config | None = None) -> FittedModelA:
        """Load a checkpoint; with ``expect``, refuse one trained under another config."""
        path = Path(path)
        ck = _read_meta(path)
        if not path.is_file():
            raise RunError(f"{path}: Model A's weights are missing (its {meta_path(path).name} "
                           "is there); copy the run folder whole or retrain")
        if _sha256(path) != ck.get("weights_sha256"):
            raise RunError(f"{path}: the weights do not match {meta_path(path).name} (SHA-256 "
                           "differs): the run folder was altered or copied in part; copy it "
                           "whole or retrain")
        state = _load_weights(path)
        try:
            section = ModelASection.model_validate(ck["model_a_config"])
            roster = RosterSection.model_validate(ck["roster_config"])
            # Checkpoints from before the RAPM features have no rapm_config (nor the feature).
            rapm = saved_section("rapm", ck.get("rapm_config", {}))
        except (KeyError, ValidationError) as exc:
            raise RunError(f"{meta_path(path)}: Model A's saved configuration is not valid "
                           f"for this version ({exc}); retrain") from exc
        if expect is not None:
            check_same_settings(path, "model_a", section, expect.model_a)
            check_same_settings(path, "roster", roster, expect.roster)
            if roster.rapm_feature:
                check_same_settings(path, "rapm", rapm, expect.rapm)
        try:
            net_config = RosterModelConfig.from_dict(ck["model_config"])
            members = int(ck.get("members", 1))
            model = (RosterSetRanker(net_config) if members == 1
                     else SeedEnsemble(net_config, members))
            model.load_state_dict(state, strict=True)
            fitted = cls(model, FeatureScaler.from_dict(ck["scaler"]),
                         PlayerVocab.from_dict(ck["vocab"]), roster, section,
                         LogisticWinModel.from_dict(ck["win_model"]),
                         list(ck["train_seasons"]), ck["data_hash"],
                         ModelAHistory.from_dict(ck["history"]), rapm)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            # RuntimeError: load_state_dict's missing / unexpected / mis-shaped weights
            raise RunError(f"{path}: the weights and {meta_path(path).name} do not make a "
                           f"Model A ({exc}); retrain") from exc
        model.eval()
        return fitted


def meta_path(weights: Path) -> Path:
    """The JSON file that describes the weights file ``weights`` (``model_a.pt`` ->
    ``model_a.json``)."""
    return Path(weights).with_suffix(".json")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_meta(path: Path) -> dict:
    meta = meta_path(path)
    if not meta.is_file():
        if path.is_file():
            # Format 2 and before: one torch file holding everything, opened by unpickling.
            raise RunError(f"{path}: a Model A checkpoint of an older format (before "
                           f"{CHECKPOINT_FORMAT}, without {meta.name}); it is not opened, "
                           "since that format loads by unpickling, which can run code: "
                           "retrain with `truestrength train`")
        raise RunError(f"{path}: no Model A checkpoint there (neither it nor {meta.name})")
    try:
        ck = json.loads(meta.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{meta}: not a readable Model A checkpoint ({exc})") from exc
    fmt = ck.get("format") if isinstance(ck, dict) else None
    if fmt != CHECKPOINT_FORMAT:
        raise RunError(f"{meta}: format {fmt!r}, not {CHECKPOINT_FORMAT}: retrain with "
                       "`truestrength train` (this version reads only its own format)")
    return ck


def _load_weights(path: Path) -> dict[str, torch.Tensor]:
    """The state_dict at ``path``, unpickled with torch's weights-only loader: it builds
    tensors and plain containers and refuses any other object before constructing it."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunError(f"{path}: refused: the file holds objects other than tensors, and "
                       f"opening them could run code ({first}); only plain weights are "
                       "loaded. Retrain, or use a run folder `truestrength train` wrote"
                       ) from exc
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise RunError(f"{path}: not readable Model A weights ({exc})") from exc
    if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise RunError(f"{path}: not Model A weights (expected a mapping of names to "
                       f"tensors, got {type(state).__name__})")
    return state


class ModelA:
    """The predictor ``model_a``."""

    name = "model_a"
    reads_rosters = True

    def __init__(self, config: Config | None = None, *, progress: bool = False,
                 console: Console | None = None) -> None:
        self.config = config or Config()
        self.progress = progress
        self.console = console or Console(quiet=not progress)
        self.fitted_: FittedModelA | None = None

    @classmethod
    def from_fitted(cls, fitted: FittedModelA, config: Config) -> ModelA:
        out = cls(config)
        out.fitted_ = fitted
        return out

    def fit(self, history: LeagueData) -> ModelA:
        self.fitted_ = fit_model_a(history, self.config, progress=self.progress,
                                   console=self.console)
        return self

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp, *,
                availability: Availability | None = None) -> Prediction:
        """Scores at ``as_of``; ``availability`` keeps out players off the rosters and moves
        traded ones (``features.roster``); one with ``playoff_rotation`` set (the postseason)
        is scored with each team's playoff rotation (``features.playoff_rotation``)."""
        check_is_fitted(self, "fitted_")
        f = self.fitted_
        po = availability.playoff_rotation if availability is not None else None
        rotation = fit_playoff_power(known, season, po) if po is not None else None
        as_of = pd.Timestamp(as_of)
        snaps = build_snapshots(known, [season], f.roster, dates=[as_of],
                                availability=availability, rapm=f.rapm, rotation=rotation)
        return self._predictions(snaps, known.teams_of_season(season), season, [as_of])[0]

    def predict_phases(self, known: LeagueData, season: str, as_of: pd.Timestamp,
                       availabilities: list[Availability]) -> list[Prediction]:
        """``predict`` under each of ``availabilities`` (a prediction's regular-season
        phases: no playoff rotation), from one snapshot build."""
        check_is_fitted(self, "fitted_")
        if any(a.playoff_rotation is not None for a in availabilities):
            raise ValueError("model_a: predict_phases scores regular-season availabilities; "
                             "a postseason one is scored by predict")
        f = self.fitted_
        as_of = pd.Timestamp(as_of)
        snaps = build_snapshots(known, [season], f.roster, dates=[as_of],
                                availability=list(availabilities), rapm=f.rapm)
        return self._predictions(snaps, known.teams_of_season(season), season, [as_of],
                                 phases=len(availabilities))

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        """``predict(data.before(d), season, d)`` at each of ``dates``, nobody out, from one
        snapshot build: the snapshots read only games before their date."""
        check_is_fitted(self, "fitted_")
        f = self.fitted_
        dates = [pd.Timestamp(d) for d in dates]
        snaps = build_snapshots(data, [season], f.roster, dates=dates, rapm=f.rapm)
        return self._predictions(snaps, data.teams_of_season(season), season, dates)

    def _predictions(self, snaps: RosterSnapshots, teams: list[int], season: str,
                     dates: list[pd.Timestamp], phases: int = 1) -> list[Prediction]:
        """One prediction per date, or per phase of the one date (``phases``: the date's
        snapshots come phase by phase, each phase's teams in order)."""
        f = self.fitted_
        raw, attn = f.score(snaps)
        attn = attn.mean(axis=1)
        day = snaps.keys["date"].to_numpy()
        all_teams = snaps.keys["team_id"].to_numpy()
        out = []
        for date in dates:
            on_day = np.flatnonzero(day == date.normalize().to_datetime64())
            # a new phase starts where the team order starts again
            starts = np.flatnonzero(np.diff(all_teams[on_day], prepend=np.inf) <= 0) \
                if phases > 1 else np.zeros(min(len(on_day), 1), np.int64)
            for rows in np.split(on_day, starts[1:]) if len(on_day) else [on_day]:
                out.append(self._prediction(raw, attn, snaps, rows, teams, season, date))
        if len(out) != len(dates) * phases:
            raise ModelError(f"model_a: {len(out)} roster sets for {phases} availability "
                             f"phases in {season} at {dates[0]:%Y-%m-%d} (a phase lacks every "
                             "roster)")
        return out

    def _prediction(self, raw: np.ndarray, attn: np.ndarray, snaps: RosterSnapshots,
                    rows: np.ndarray, teams: list[int], season: str,
                    date: pd.Timestamp) -> Prediction:
        f = self.fitted_
        team_ids = snaps.keys["team_id"].to_numpy()[rows]
        missing = sorted(set(teams) - set(team_ids))
        if missing:
            raise ModelError(f"model_a: no roster for team(s) {missing} in {season} at "
                             f"{date:%Y-%m-%d} (no player rows this season or last)")
        scores = pd.Series(raw[rows], index=team_ids).reindex(teams).rename("model_a")
        attention = RosterAttention(team_ids, snaps.player_ids[rows], attn[rows],
                                    snaps.mask[rows])
        return Prediction(scores, f.win_model.win_prob(scores), attention=attention)


def _lists_for(snaps: RosterSnapshots, data: LeagueData, section: ModelASection,
               stride: int) -> tuple[RosterSnapshots, ListSet]:
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


def _scores_by_date(model: RosterSetRanker | SeedEnsemble, snaps: RosterSnapshots,
                    vocab: PlayerVocab) -> pd.Series:
    """Scores of (scaled) snapshots, indexed by (date, team_id)."""
    scores, _ = score_snapshots(model, TensorData.from_snapshots(snaps, vocab))
    return pd.Series(scores, index=pd.MultiIndex.from_frame(snaps.keys[["date", "team_id"]]))


def _game_tensors(games: GameRosters | None, keep: np.ndarray | None,
                  vocab: PlayerVocab, half_life_years: float | None = None) -> GameTensors | None:
    if games is None:
        return None
    return GameTensors.from_game_rosters(games if keep is None else games.select(keep), vocab,
                                         half_life_years)


def _fit_key(history: LeagueData, config: Config, snaps: RosterSnapshots) -> tuple:
    def digest(frame: pd.DataFrame) -> int:
        return int(pd.util.hash_pandas_object(frame, index=False).sum())

    return (history.data_hash, tuple(history.seasons_with_players),
            digest(history.games), digest(history.player_logs),
            digest(history.team_seasons),
            config.model_a.model_dump_json(), config.roster.model_dump_json(),
            config.rapm.model_dump_json(), snaps.x.shape, digest(snaps.keys),
            float(snaps.x.sum(dtype=np.float64)), float(snaps.minutes.sum(dtype=np.float64)))


def fit_model_a(history: LeagueData, config: Config, *, progress: bool = False,
                console: Console | None = None,
                snapshots: RosterSnapshots | None = None) -> FittedModelA:
    """Model A fitted on ``history`` (every season with player rows). Inside
    ``base.memo.reusing_fits`` (a backtest) a repeat of a fit made there is returned, not
    refitted: a fit is a deterministic function of ``_fit_key``."""
    seasons = history.seasons_with_players
    if not seasons:
        raise ModelError("model_a needs at least one season with player rows")
    snaps = (snapshots if snapshots is not None
             else cached_snapshots(history, seasons, config.roster, rapm=config.rapm))
    return memo.reuse(lambda: ("model_a", *_fit_key(history, config, snaps)),
                      lambda: _fit(history, config, snaps, progress=progress, console=console))


def _fit(history: LeagueData, config: Config, snaps: RosterSnapshots, *, progress: bool,
         console: Console | None) -> FittedModelA:
    section, roster, rapm = config.model_a, config.roster, config.rapm
    half_life = section.game_half_life_years
    torch.set_num_threads(section.threads)
    seasons = history.seasons_with_players
    scaler = _fit_scaler(snaps, section)
    notes = ([f"feature(s) constant over {', '.join(seasons)} are switched off: "
              f"{', '.join(scaler.zeroed)}"] if scaler.zeroed else [])
    # The final model knows every player of the training seasons.
    logs = history.player_logs
    vocab = PlayerVocab.fit(logs["player_id"].to_numpy())
    scaled = scaler.transform(snaps)
    # The game loss's rosters (who played each training game, pre-game features), scaled by
    # the same scaler; built only when the game loss is on. A few seconds a season: uncached.
    raw_games: GameRosters | None = None
    if section.game_loss_weight > 0:
        raw_games = build_game_rosters(history, seasons, roster, rapm=rapm)

    def scale_games(by: FeatureScaler) -> GameRosters | None:
        return None if raw_games is None else raw_games.with_sides(by.transform(raw_games.sides))

    games_played = scale_games(scaler)

    def games(season: str) -> pd.DataFrame:
        return history.standings_games(season)

    seeds = [section.seed + i for i in range(section.members)]

    def train(seed: int, *args, label: str, **kwargs) -> TrainResult:
        if len(seeds) > 1:
            label += f", seed {seed}"
        return train_ranker(section.model_copy(update={"seed": seed}), *args, label=label,
                            console=console, progress=progress, **kwargs)

    if len(seasons) == 1:
        # Nothing to hold out: a fixed number of epochs, and the game model is fitted in
        # sample (recorded as holdout None).
        all_snaps, all_lists = _lists_for(scaled, history, section, section.date_stride)
        finals = [train(seed, vocab, (TensorData.from_snapshots(all_snaps, vocab), all_lists),
                        None, train_games=_game_tensors(games_played, None, vocab, half_life),
                        epochs=section.epochs_without_holdout,
                        label=f"model A ({seasons[0]})",
                        skip_init=_skip_init(scaler, section)) for seed in seeds]
        model = _combined(finals)
        every = _lists_for(scaled, history, section, 1)[0]
        win_model = fit_game_model(_scores_by_date(model, every, vocab),
                                   games(seasons[0]), f"model_a ({seasons[0]})",
                                   min_games=section.game_model_min_games)
        return FittedModelA(model, scaler, vocab, roster, section, win_model, seasons,
                            history.data_hash, ModelAHistory(None, [], finals[0].history,
                                                             notes=notes), rapm)
    holdout = seasons[-1]
    # The held-out run knows only the players of the seasons it trains on, as a model used on
    # a new season does: the held-out season's newcomers map to the unknown-player embedding,
    # which unknown_player_rate trains, instead of rows of their own that no gradient reaches.
    holdout_vocab = PlayerVocab.fit(logs.loc[logs["season"] != holdout, "player_id"].to_numpy())
    # Its feature scaling likewise comes from the seasons it trains on: statistics of the
    # season that judges it (early stopping, the game model's slope) must not reach it.
    in_hold = (snaps.keys["season"] == holdout).to_numpy()
    hold_scaler = _fit_scaler(snaps.select(~in_hold), section)
    if hold_scaler.zeroed != scaler.zeroed:
        notes.append(f"the held-out run's scaling ({', '.join(seasons[:-1])}) switches off: "
                     f"{', '.join(hold_scaler.zeroed) or 'nothing'}")
    hold_scaled = hold_scaler.transform(snaps)
    hold_games = scale_games(hold_scaler)
    tr_snaps, tr_lists = _lists_for(hold_scaled.select(~in_hold), history, section,
                                    section.date_stride)
    va_snaps, va_lists = _lists_for(hold_scaled.select(in_hold), history, section, 1)
    tr = (TensorData.from_snapshots(tr_snaps, holdout_vocab), tr_lists)
    va = (TensorData.from_snapshots(va_snaps, holdout_vocab), va_lists)
    g_hold = (None if hold_games is None
              else (hold_games.games["season"] == holdout).to_numpy())
    firsts = [train(seed, holdout_vocab, tr, va,
                    train_games=_game_tensors(hold_games, None if g_hold is None else ~g_hold,
                                              holdout_vocab, half_life),
                    val_games=_game_tensors(hold_games, g_hold, holdout_vocab),
                    label=f"model A (hold out {holdout})",
                    skip_init=_skip_init(hold_scaler, section)) for seed in seeds]
    # The game model's slope is fitted on the held-out scores of the same kind of model as
    # the one published: with several members, on their mean.
    first_model = _combined(firsts)
    held_scores = _scores_by_date(first_model, va_snaps, holdout_vocab)
    unknown_share = _unknown_share(va_snaps, holdout_vocab)
    # Without a refit the held-out run is the model, with its own vocabulary and scaling; the
    # refit on every season knows every training player (``vocab``) and season (``scaler``).
    if not section.refit_on_all:
        model, vocab, scaler = first_model, holdout_vocab, hold_scaler
        finals, refit_va = firsts, None
    else:
        all_snaps, all_lists = _lists_for(scaled, history, section, section.date_stride)
        all_data = (TensorData.from_snapshots(all_snaps, vocab), all_lists)
        finals = [train(seed, vocab, all_data, None, epochs=max(first.best_epoch, 1),
                        train_games=_game_tensors(games_played, None, vocab, half_life),
                        label=f"model A (all {len(seasons)} seasons)",
                        skip_init=_skip_init(scaler, section))
                  for seed, first in zip(seeds, firsts, strict=True)]
        model = _combined(finals)
        refit_va = _lists_for(scaled.select(in_hold), history, section, 1)[0]
    win_model = fit_game_model(
        held_scores, games(holdout), f"model_a ({holdout})",
        refit_scores=(None if refit_va is None
                      else _scores_by_date(model, refit_va, vocab)),
        min_games=section.game_model_min_games)
    if len(seeds) > 1:
        notes.append(f"{len(seeds)} members (seeds {seeds[0]}-{seeds[-1]}), scores averaged; "
                     "the epoch records are the first member's")
    return FittedModelA(model, scaler, vocab, roster, section, win_model, seasons,
                        history.data_hash, ModelAHistory(holdout, firsts[0].history,
                                                         finals[0].history, unknown_share,
                                                         notes), rapm)


def _combined(runs: list[TrainResult]) -> RosterSetRanker | SeedEnsemble:
    """One run's network, or the seed ensemble of several."""
    return runs[0].model if len(runs) == 1 else SeedEnsemble.of([r.model for r in runs])


def _skip_init(scaler: FeatureScaler, section: ModelASection) -> np.ndarray | None:
    """With ``value_skip``, its starting weights under ``scaler``: the ridge's value
    (``rapm_value``, when a feature) carried to the team score as the plain RAPM's rating over
    ``value_skip_points``, every other feature 0. A scaled feature is (raw - mean) / std, and
    the value head weights players by shares summing to 1 where the rating's sum to 5."""
    if not section.value_skip:
        return None
    w = np.zeros(len(scaler.feature_names))
    if "rapm_value" in scaler.feature_names and "rapm_value" not in scaler.zeroed:
        i = scaler.feature_names.index("rapm_value")
        w[i] = FLOOR_SLOTS * scaler.std[i] / section.value_skip_points
    return w


def _fit_scaler(snaps: RosterSnapshots, section: ModelASection) -> FeatureScaler:
    off = tuple(section.features_off)
    if "prior_newcomer" in snaps.feature_names:
        newcomer = snaps.x[..., snaps.feature_names.index("prior_newcomer")][snaps.mask]
        if (newcomer == 1).all():
            # No training player has a previous season (the store's first season): the prior
            # block is everyone's newcomer baseline of the date, league drift with no player
            # in it, whose tiny spread blows up a later season's real priors (real data,
            # prior_usg: sd 0.0027 in 2015-16, 0.036 in 2016-17; |z| 47 at the 99th pct).
            off += ("prior_",)
    return FeatureScaler.fit(snaps, on_constant="zero", off_prefixes=off)


def _unknown_share(snaps: RosterSnapshots, vocab: PlayerVocab) -> float:
    """Share of the real roster slots of ``snaps`` that map to the unknown-player embedding."""
    idx = vocab.lookup(snaps.player_ids, snaps.mask)
    n = int(snaps.mask.sum())
    return float((idx[snaps.mask] == UNK_INDEX).sum() / n) if n else float("nan")
