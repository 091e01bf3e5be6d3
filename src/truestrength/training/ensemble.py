"""A+B: Model A, Model B, Elo and RAPM blended on game results (``models.stacker``), as one
predictor.

``fit(history)``:
1. out-of-fold scores of A and of B over the training seasons (forward-chaining folds: fold k
   trains on seasons before k), plus each model's final fit on all training seasons; Elo's
   and the plain RAPM's rating of every team before each of those dates (neither has
   anything to fit across seasons: a rating at a date is made from earlier games only);
2. the blend: a logistic regression of the out-of-fold standings games' results on the
   inputs' home-minus-road differences (``blend.inputs``), checked forward-chained against
   each input alone; the better is published, with its weights, its home edge and the
   log losses that chose it.
3. the postseason blend (``models.postseason``, ``blend.postseason_inputs``): fitted on the
   play-in and playoff games of every training season, inputs read the day after each
   regular season.
``predict`` scores the final models, Elo and RAPM at the date and combines them with the
published weights; P(home wins) = sigmoid(home edge + strength_home - strength_road). The
prediction carries each published input's own scores (Model B's and Elo's always) and Model
A's attention. Asked for the postseason (``Availability.postseason``), it answers with the
postseason blend's strengths and probabilities instead, when there is one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from rich.console import Console

from truestrength.base import ratings
from truestrength.base.availability import Availability
from truestrength.base.config import (
    Config,
    EloSection,
    RapmSection,
    check_same_settings,
    saved_config,
)
from truestrength.base.errors import ModelError, RunError, check_is_fitted
from truestrength.base.game_model import LogisticWinModel, b2b_of
from truestrength.base.io import read_artifact, write_json
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction
from truestrength.features.player_rapm import RapmFit
from truestrength.models.baselines import Elo
from truestrength.models.model_a.predictor import FittedModelA, ModelA
from truestrength.models.model_b import ModelB
from truestrength.models.postseason import MIN_GAMES, Postseason, fit_postseason
from truestrength.models.rapm import Rapm
from truestrength.models.stacker import LIST_KEYS, Stacker, input_values
from truestrength.training.folds import out_of_fold, out_of_fold_model_b

KEYS = [*LIST_KEYS, "conference", "team_id"]
# 4: the blend is a logistic on game results with Elo as an input (models.stacker); runs of
# format 3 held a ridge on the final-rank target and are refused with "retrain".
# 3: Model A's weights are opened weights-only (models.model_a.predictor.CHECKPOINT_FORMAT).
ENSEMBLE_FORMAT = "truestrength-ensemble/4"
# What a trained run depends on; the other sections may change freely between train and use.
TRAINING_SECTIONS = ("roster", "model_a", "model_b", "elo", "rapm", "blend")


@dataclass
class EnsembleFit:
    stacker: Stacker
    win_model: LogisticWinModel
    oof: pd.DataFrame  # keys, model_a, model_b, elo, rapm (if an input), stacked
    # None: no postseason inputs, or too few earlier postseason games (the regular blend)
    postseason: Postseason | None = None


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
    rapm = "rapm" in config.blend.inputs
    say("stage 3/3: the blend on the out-of-fold games" + (
        " (first RAPM's weekly ridge fits over those seasons)" if rapm else ""),
        highlight=False)
    a = folds_a.scores.rename(columns={"score": "model_a"})[[*KEYS, "model_a"]]
    b = oof_b.rename(columns={"score": "model_b"})[[*KEYS, "model_b"]]
    oof = a.merge(b, on=KEYS, how="inner")
    if oof.empty:
        raise ModelError("A+B: models A and B have no out-of-fold (team, date) in common")
    oof["elo"] = elo_before(history.games, oof, config.elo)
    if rapm:
        oof["rapm"] = rapm_before(history, oof, config.rapm)
    return oof, model_a, model_b


def rapm_before(history: LeagueData, keys: pd.DataFrame, section: RapmSection) -> pd.Series:
    """The plain RAPM rating of each (season, date, team_id) row of ``keys`` from the games
    strictly before the date (``Rapm.ratings_dates``); a team with no player rows before the
    date has 0, the league average, as the ``rapm`` baseline."""
    rapm = Rapm(section)
    out = pd.Series(0.0, index=keys.index, name="rapm")
    dates = sorted(keys["date"].unique())
    for d, r in zip(dates, rapm.ratings_dates(history, dates), strict=True):
        rows = keys[keys["date"] == d]
        out.loc[rows.index] = r.reindex(rows["team_id"]).fillna(0.0).to_numpy()
    return out


def elo_before(games: pd.DataFrame, keys: pd.DataFrame, config: EloSection) -> pd.Series:
    """Elo of each (season, date, team_id) row of ``keys`` from the games strictly before the
    date (``ratings.elo_ratings_from_history``: the history is run once and read at each
    date); a team with no earlier game has ``config.initial``, as the ``elo`` baseline."""
    hist = ratings.elo_history(games, config)
    out = pd.Series(float(config.initial), index=keys.index, name="elo")
    for (season, date), rows in keys.groupby(["season", "date"], sort=False):
        r = ratings.elo_ratings_from_history(hist, date, season, config)
        out.loc[rows.index] = r.reindex(rows["team_id"]).fillna(config.initial).to_numpy()
    return out


def game_differences(oof: pd.DataFrame, games: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """One row per game of ``games`` scored for both teams in ``oof``: season, date,
    home_won, neutral_site, b2b and per input x(home) - x(road) (``stacker.input_values``)."""
    x = pd.DataFrame({m: input_values(oof, m).to_numpy() for m in inputs},
                     index=pd.MultiIndex.from_arrays([oof["date"], oof["team_id"]]))
    home = x.reindex(pd.MultiIndex.from_arrays([games["game_date"], games["home_team_id"]]))
    road = x.reindex(pd.MultiIndex.from_arrays([games["game_date"], games["road_team_id"]]))
    out = pd.DataFrame({"season": games["season"].to_numpy(),
                        "date": games["game_date"].to_numpy(),
                        "home_won": (games["home_pts"] > games["road_pts"]).to_numpy(),
                        "neutral_site": games["neutral_site"].to_numpy(bool),
                        "b2b": b2b_of(games)})
    for m in inputs:
        out[m] = home[m].to_numpy() - road[m].to_numpy()
    return out.dropna(subset=inputs).reset_index(drop=True)


def fit_ensemble(oof: pd.DataFrame, history: LeagueData, config: Config) -> EnsembleFit:
    inputs = list(config.blend.inputs)
    g = history.standings_games()
    g = g[g["season"].isin(oof["season"].unique())]
    diffs = game_differences(oof, g, inputs)
    if len(diffs) < 20:
        raise ModelError(f"model_ab: only {len(diffs)} out-of-fold games have scores for "
                         "both teams; cannot fit the blend")
    stacker = Stacker.fit(diffs, inputs, l2=config.blend.l2,
                          fallback_z=config.blend.fallback_z)
    oof = oof.assign(stacked=stacker.combine(oof))
    return EnsembleFit(stacker, stacker.win_model, oof)


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
                       f"version opens only {ENSEMBLE_FORMAT} (older runs blend A and B by a "
                       "ridge on the final-rank target, or store Model A by pickling, which "
                       "can run code when opened): retrain with `truestrength train`")
    return read_artifact(path, ENSEMBLE_FORMAT)


def _saved_config(run_dir: Path, meta: dict) -> Config:
    try:
        return saved_config(meta["config"])
    except (KeyError, ValidationError) as exc:
        raise RunError(f"{run_dir}: the run's saved configuration is not valid for this "
                       f"version ({exc}); retrain") from exc


def _out_and_moved(availability: Availability | None,
                   as_of: pd.Timestamp) -> tuple[frozenset[int], dict[int, int]]:
    """The players out at ``as_of`` and the traded ones on their new teams by then."""
    if availability is None:
        return frozenset(), {}
    day = pd.Timestamp(as_of).normalize()
    return availability.out_on(day), {p: team for p, (team, since)
                                      in availability.moves.items()
                                      if since is None or since <= day}


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
        self._rapm_: Rapm | None = None

    @property
    def reads_rosters(self) -> bool:
        """Whether the published forecast depends on who plays: Model A or RAPM is among its
        inputs, or RAPM among the postseason blend's."""
        check_is_fitted(self, "fit_")
        return bool({"model_a", "rapm"} & set(self.fit_.stacker.models)) or (
            self.has_postseason and "rapm" in self.fit_.postseason.inputs)

    def describe(self) -> str:
        """The published blend and the postseason's, one line each."""
        check_is_fitted(self, "fit_")
        post = self.fit_.postseason
        return "\n".join([self.fit_.stacker.describe(), post.describe() if post is not None
                          else "postseason: the regular-season blend (no postseason blend: "
                          "blend.postseason_inputs empty, fewer than "
                          f"{MIN_GAMES} earlier postseason games, or a run saved before it)"])

    @property
    def has_postseason(self) -> bool:
        """Whether the postseason is forecast by a blend of its own (``models.postseason``)."""
        check_is_fitted(self, "fit_")
        return self.fit_.postseason is not None

    @property
    def train_seasons(self) -> list[str]:
        check_is_fitted(self, "model_a")
        return self.model_a.fitted_.train_seasons

    def fit(self, history: LeagueData) -> EnsembleAB:
        oof, self.model_a, self.model_b = oof_frame(history, self.config, self.progress,
                                                         self.console)
        self.fit_ = fit_ensemble(oof, history, self.config)
        if self.config.blend.postseason_inputs:
            self.fit_.postseason = fit_postseason(history, self.config, self._rapm)
        return self

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp, *,
                availability: Availability | None = None,
                base: Prediction | None = None) -> Prediction:
        """The blend at ``as_of``. ``availability`` reaches Model A and RAPM: both leave out
        the players out and move the traded to their new teams (RAPM:
        ``models.rapm.available``). Model B reads team context (results, box totals) and Elo
        results, where a player cannot be taken out. Elo and RAPM read only games strictly
        before ``as_of``, whatever ``known`` holds. ``base``: a prediction of
        the same ``known``, season and date under another availability, whose Model B and Elo
        scores are reused (they cannot differ), so that only Model A and RAPM are scored again
        — a prediction scores one availability per return date."""
        check_is_fitted(self, "fit_", "model_a", "model_b")
        out, moved = _out_and_moved(availability, as_of)
        if availability is not None and availability.postseason and self.has_postseason:
            post = self.fit_.postseason
            scores, inputs = post.strengths(known, season, as_of, self.config, self._rapm,
                                            out, moved, availability.returning)
            return Prediction(scores, post.win_model.win_prob(scores),
                              components={m: inputs[m].rename(m) for m in inputs.columns},
                              postseason_sd=post.strength_sd)
        pa = self.model_a.predict(known, season, as_of, availability=availability)
        if base is None:
            pb = self.model_b.predict(known, season, as_of).scores
            elo = ratings.elo_ratings_before(known.games, as_of, season, self.config.elo)
        else:
            pb, elo = base.components["model_b"], base.components["elo"]
        return self._blend_under(pa, known, season, as_of, out, moved, pb, elo)

    def predict_phases(self, known: LeagueData, season: str, as_of: pd.Timestamp,
                       availabilities: list[Availability], base: Prediction) -> list[Prediction]:
        """``predict(known, season, as_of, availability=a, base=base)`` for each of
        ``availabilities`` (regular-season phases), Model A's rosters built at once."""
        check_is_fitted(self, "fit_", "model_a", "model_b")
        if any(a.postseason for a in availabilities):
            raise ValueError("model_ab: predict_phases scores regular-season availabilities; "
                             "the postseason is scored by predict")
        pas = self.model_a.predict_phases(known, season, as_of, availabilities)
        pb, elo = base.components["model_b"], base.components["elo"]
        return [self._blend_under(pa, known, season, as_of, *_out_and_moved(a, as_of), pb, elo)
                for a, pa in zip(availabilities, pas, strict=True)]

    def _blend_under(self, pa: Prediction, known: LeagueData, season: str,
                     as_of: pd.Timestamp, out: frozenset[int], moved: dict[int, int],
                     pb: pd.Series, elo: pd.Series) -> Prediction:
        """The blend of Model A's ``pa`` with Model B's and Elo's scores and RAPM's ratings
        with ``out`` left out and ``moved`` moved."""
        others = {"model_b": pb, "elo": elo}
        if "rapm" in self.fit_.stacker.models:
            others["rapm"] = self._rapm.ratings(known, as_of, out, moved)
        return self._blend(pa, others, season, as_of)

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        """``predict(data.before(d), season, d)`` at each of ``dates``, nobody out: each input
        predicts every date at once (their features read only games before the date)."""
        check_is_fitted(self, "fit_", "model_a", "model_b")
        pa = self.model_a.predict_dates(data, season, dates)
        pb = self.model_b.predict_dates(data, season, dates)
        elo = Elo(self.config.elo).predict_dates(data, season, dates)
        rapm = self._rapm.ratings_dates(data, dates) \
            if "rapm" in self.fit_.stacker.models else [None] * len(dates)
        return [self._blend(a, {"model_b": b.scores, "elo": e.scores}
                            | ({"rapm": r} if r is not None else {}), season, d)
                for a, b, e, r, d in zip(pa, pb, elo, rapm, dates, strict=True)]

    def _blend(self, pa: Prediction, others: dict[str, pd.Series], season: str,
               as_of: pd.Timestamp) -> Prediction:
        """``others``: Model B's and Elo's scores, and RAPM's ratings if it is published."""
        teams = pa.scores.index
        # A team unseen by Elo or RAPM is the league average, as in their own predictors.
        missing = {"elo": self.config.elo.initial, "rapm": 0.0}
        frame = pd.DataFrame({"model_a": pa.scores} | {
            m: s.reindex(teams).fillna(missing[m]) if m in missing else s.reindex(teams)
            for m, s in others.items()})
        if frame.isna().any().any():
            raise ModelError(f"model_ab: base models scored different teams at {as_of}")
        inputs = list(frame.columns)
        frame = frame.assign(season=season, date=pd.Timestamp(as_of))
        scores = self.fit_.stacker.combine(frame).rename("model_ab")
        return Prediction(scores, self.fit_.win_model.win_prob(scores),
                          components={m: frame[m].rename(m) for m in inputs},
                          attention=pa.attention)

    def rapm_fit(self, known: LeagueData, date: pd.Timestamp) -> RapmFit:
        """The plain RAPM's ridge fit in force at ``date`` (``Rapm.fit_at``), the one its
        ratings in the blend and the postseason read: each player's value."""
        return self._rapm.fit_at(known, date)

    @property
    def _rapm(self) -> Rapm:
        """One RAPM for every prediction of this run: its weekly ridge fits are kept."""
        if self._rapm_ is None:
            self._rapm_ = Rapm(self.config.rapm)
        return self._rapm_

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
            "postseason": (None if self.fit_.postseason is None
                           else self.fit_.postseason.to_dict()),
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
        post = meta.get("postseason")  # runs saved before it forecast with the regular blend
        out.fit_ = EnsembleFit(Stacker.from_dict(meta["stacker"]),
                               LogisticWinModel.from_dict(meta["win_model"]), oof,
                               None if post is None else Postseason.from_dict(post))
        return out
