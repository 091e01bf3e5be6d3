"""Model B: gradient-boosted trees (XGBoost) on team-context features, as a backtest predictor.

Rows are ``features.team_context`` rows (one team at one date, built from games strictly
before the date); lists are the teams of one conference on one date, as for Model A.

``fit(history)`` (history = training seasons only, plus any earlier team-only seasons for Elo
and carry-over):

1. training seasons = the seasons with player rows (Model A's), or every season with games if
   there are none; features at every game date of them (every ``date_stride``-th date for
   training rows, all dates for the held-out season);
2. the last training season is held out: boosters are fitted on the earlier ones and
   early-stopped on it by mean per-list Spearman with the target (custom XGBoost metric; the
   tree count is the curve's first maximum at or above ``min_trees``, because one season's
   curve is nearly flat and its raw argmax is often 1-3 trees that tie many teams).
   ``objective="auto"`` does this for both objectives and keeps the one with the higher
   held-out Spearman (ties: rank), recording both figures in ``selection``;
3. the chosen objective is refitted on every training season with the selected tree count:
   nothing is ever early-stopped on a season that is later scored;
4. the game model P(home wins) = sigmoid(a * (not neutral) + b * (score_home - score_road)) is
   fitted (``ratings.fit_logistic_win_model``) on the held-out season's standings games with
   the held-out booster's pre-game scores, so it is out of sample. The refitted booster has the
   same objective and tree count, hence scores on about the same scale.

With a single training season nothing can be held out: ``objective_without_holdout`` (an
"auto" run cannot compare) and ``trees_without_holdout`` trees, no selection, and the game
model fitted in sample on that season.

Objectives. ``rank``: ``rank:pairwise`` (or ``rank:ndcg``, ``rank_objective``) with one query
id per (season, date, conference) list. XGBoost wants integer relevance grades: the grade is
the dense rank of the target within its list, 0 for the worst (``final_rank`` -> the
conference order 0..14; ``rest_win_pct`` -> equal win% share a grade). Pairs: ``topk`` with
k = the longest list, i.e. every pair of a list. ``regression``: ``reg:squarederror`` on the
target as ``base.targets.team_targets`` defines it (minus the final / playoff rank, or
rest-of-season win%).

Forbidden features. ``forbidden_features`` names columns the booster may never receive; the
default pipeline drops them, and a caller who asks for one (``fit(features=[...])``) gets a
ValueError naming it. The check sits where the matrix is handed to XGBoost, so no path
around it exists.

Predict: features at ``as_of`` from ``known`` (the view holds only games before ``as_of``; the
rows are built strictly before it anyway), one score per team of the season.
Remaining-schedule features use ``schedule="expected"``, which needs no future game: training
rows (built from complete seasons) and prediction rows (built from ``known``) are the same
feature. Seeds are fixed and XGBoost runs on ``nthread`` threads.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xgboost as xgb

from truestrength.base.config import ModelBSection, check_same_settings
from truestrength.base.errors import ModelError, RunError, check_is_fitted
from truestrength.base.game_model import LogisticWinModel, fit_game_model
from truestrength.base.io import read_artifact, write_json
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction
from truestrength.base.stats import mean_list_spearman
from truestrength.base.targets import team_targets
from truestrength.features.team_context import TeamContext, build_team_context, default_seasons

__all__ = ["ModelB", "ModelBSelection", "ObjectiveTrial"]

Objective = Literal["rank", "regression"]
MODEL_B_FORMAT = "truestrength-model-b/2"


@dataclass(frozen=True)
class ObjectiveTrial:
    """One objective early-stopped on the held-out season."""

    val_spearman: float | None
    n_trees: int


@dataclass(frozen=True)
class ModelBSelection:
    """What the held-out season decided: the objective and the tree count."""

    holdout_season: str | None
    chosen: Objective
    n_trees: int
    trials: dict[str, ObjectiveTrial] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelBSelection:
        trials = {k: ObjectiveTrial(**v) for k, v in d["trials"].items()}
        return cls(d["holdout_season"], d["chosen"], int(d["n_trees"]), trials, d["note"])


def _check_allowed(names: Sequence[str], forbidden: Sequence[str]) -> None:
    for name in names:
        if name in forbidden:
            raise ModelError(f"feature {name!r} is forbidden by model_b.forbidden_features")


# --------------------------------------------------------------------------------------------
# training rows
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rows:
    """Rows ready for XGBoost: sorted by list id (XGBoost's qid must be contiguous)."""

    X: pd.DataFrame
    target: np.ndarray
    grade: np.ndarray
    list_id: np.ndarray
    keys: pd.DataFrame


def _stride_mask(keys: pd.DataFrame, stride: int) -> np.ndarray:
    if stride <= 1:
        return np.ones(len(keys), dtype=bool)
    rank = keys.groupby("season")["date"].rank(method="dense").to_numpy()
    last = (keys["date"] == keys.groupby("season")["date"].transform("max")).to_numpy()
    return (rank % stride == 0) | last


def _rows(ctx: TeamContext, data: LeagueData, target: str, features: list[str],
          stride: int) -> _Rows:
    sub = ctx.select(_stride_mask(ctx.keys, stride))
    y = team_targets(data, sub.keys, target)
    ok = np.isfinite(y)
    keys = sub.keys[ok].reset_index(drop=True)
    y = y[ok]
    lid = keys.groupby(["season", "date", "conference"], sort=True).ngroup().to_numpy()
    size = np.bincount(lid)[lid]
    keep = size >= 2  # a list of one team teaches nothing
    order = np.flatnonzero(keep)[np.argsort(lid[keep], kind="stable")]
    keys, y, lid = keys.iloc[order].reset_index(drop=True), y[order], lid[order]
    _, lid = np.unique(lid, return_inverse=True)
    X = sub.X[ok].reset_index(drop=True).iloc[order].reset_index(drop=True)[features]
    grade = (pd.Series(y).groupby(lid).rank(method="dense").to_numpy() - 1.0)
    return _Rows(X, y, grade, lid, keys)


# --------------------------------------------------------------------------------------------
# boosters
# --------------------------------------------------------------------------------------------
@dataclass
class _Trained:
    booster: xgb.Booster
    n_trees: int
    val_spearman: float | None = None
    curve: list[float] = field(default_factory=list)


def _params(section: ModelBSection, objective: Objective, max_list: int) -> dict[str, Any]:
    p: dict[str, Any] = {
        "max_depth": section.max_depth, "eta": section.learning_rate,
        "subsample": section.subsample, "colsample_bytree": section.colsample_bytree,
        "min_child_weight": section.min_child_weight, "lambda": section.reg_lambda,
        "seed": section.seed, "nthread": section.nthread, "tree_method": "hist",
        "disable_default_eval_metric": 1, "verbosity": 0,
    }
    if objective == "rank":
        p.update(objective=section.rank_objective, lambdarank_pair_method="topk",
                 lambdarank_num_pair_per_sample=max(int(max_list), 1))
    else:
        p["objective"] = "reg:squarederror"
    return p


def _dmatrix(rows: _Rows, objective: Objective, forbidden: Sequence[str]) -> xgb.DMatrix:
    _check_allowed(list(rows.X.columns), forbidden)
    label = rows.grade if objective == "rank" else rows.target
    dm = xgb.DMatrix(rows.X.to_numpy(np.float64), label=label,
                     feature_names=list(rows.X.columns), nthread=1)
    if objective == "rank":
        dm.set_info(qid=rows.list_id)
    return dm


def _train(section: ModelBSection, objective: Objective, train: _Rows, val: _Rows | None,
           n_trees: int | None = None) -> _Trained:
    """Early-stopped on ``val`` by mean per-list Spearman, or exactly ``n_trees`` trees."""
    max_list = int(np.bincount(train.list_id).max()) if len(train.list_id) else 1
    params = _params(section, objective, max_list)
    dtrain = _dmatrix(train, objective, section.forbidden_features)
    if val is None:
        booster = xgb.train(params, dtrain, num_boost_round=int(n_trees or 1))
        return _Trained(booster, int(n_trees or 1))
    dval = _dmatrix(val, objective, section.forbidden_features)

    def spearman(predt: np.ndarray, _: xgb.DMatrix) -> tuple[str, float]:
        v = mean_list_spearman(predt, val.target, val.list_id)
        return "list_spearman", 0.0 if not np.isfinite(v) else v

    log: dict[str, dict[str, list[float]]] = {}
    booster = xgb.train(params, dtrain, num_boost_round=section.n_estimators,
                        evals=[(dval, "val")], custom_metric=spearman, maximize=True,
                        early_stopping_rounds=section.early_stopping_rounds,
                        evals_result=log, verbose_eval=False)
    curve = [float(v) for v in log["val"]["list_spearman"]]
    floor = min(section.min_trees, section.n_estimators)
    if len(curve) < floor:  # stopped before the floor (short patience): grow to it
        booster = xgb.train(params, dtrain, num_boost_round=floor)
        curve = [spearman(booster.predict(dval, iteration_range=(0, n)), dval)[1]
                 for n in range(1, floor + 1)]
    best = floor - 1 + int(np.argmax(curve[floor - 1:]))  # first maximum from the floor
    return _Trained(booster[: best + 1], best + 1, curve[best], curve)


# --------------------------------------------------------------------------------------------
# the predictor
# --------------------------------------------------------------------------------------------
class ModelB:
    """The backtest predictor ``model_b`` (see the module docstring)."""

    name = "model_b"

    def __init__(self, section: ModelBSection | None = None) -> None:
        self.section = section or ModelBSection()
        self.booster: xgb.Booster | None = None
        self.win_model: LogisticWinModel | None = None
        self.feature_names: list[str] = []
        self.objective: Objective | None = None
        self.n_trees = 0
        self.selection: ModelBSelection | None = None
        self.train_seasons: list[str] = []
        self.holdout_season: str | None = None
        self.fit_seconds = 0.0

    # -- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """XGBoost's own JSON model file plus everything else needed to use it."""
        check_is_fitted(self, "booster", "win_model", "selection")
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(folder / "booster.json")
        write_json(folder / "model_b.json", {
            "format": MODEL_B_FORMAT, "section": self.section.model_dump(mode="json"),
            "feature_names": list(self.feature_names), "objective": self.objective,
            "n_trees": self.n_trees, "selection": self.selection.to_dict(),
            "train_seasons": self.train_seasons, "holdout_season": self.holdout_season,
            "win_model": self.win_model.to_dict(),
        })
        return folder

    @classmethod
    def load(cls, folder: Path, expect: ModelBSection | None = None) -> ModelB:
        path = folder / "model_b.json"
        meta = read_artifact(path, MODEL_B_FORMAT)
        section = ModelBSection.model_validate(meta["section"])
        if expect is not None:
            check_same_settings(path, "model_b", section, expect)
        out = cls(section)
        out.booster = xgb.Booster()
        try:
            # XGBoost's JSON model format: parsed as data, nothing is unpickled.
            out.booster.load_model(folder / "booster.json")
        except xgb.core.XGBoostError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
            raise RunError(f"{folder / 'booster.json'}: not a readable XGBoost JSON model "
                           f"({first}); copy the run folder whole or retrain") from exc
        out.feature_names = list(meta["feature_names"])
        out.objective = meta["objective"]
        out.n_trees = int(meta["n_trees"])
        out.selection = ModelBSelection.from_dict(meta["selection"])
        out.train_seasons = list(meta["train_seasons"])
        out.holdout_season = meta["holdout_season"]
        out.win_model = LogisticWinModel.from_dict(meta["win_model"])
        return out

    # -- fit ---------------------------------------------------------------------------------
    def fit(self, history: LeagueData, *, context: TeamContext | None = None,
            features: Sequence[str] | None = None) -> ModelB:
        """Fit on ``history``. ``context``: prebuilt rows of exactly the training seasons
        (built from any data: rows at d read only games before d); ``features``: the columns
        to use (default: every context feature not in ``forbidden_features``)."""
        t0 = time.perf_counter()
        sec = self.section
        seasons = default_seasons(history)
        if not seasons:
            raise ModelError("model_b: no training seasons in the history")
        if context is None:
            context = build_team_context(history, seasons)
        got = sorted(context.keys["season"].unique())
        if got != seasons:
            raise ValueError(f"model_b: context seasons {got} differ from the training "
                             f"seasons {seasons}")
        if features is None:
            features = [f for f in context.feature_names if f not in sec.forbidden_features]
        features = list(features)
        unknown = [f for f in features if f not in context.feature_names]
        if unknown:
            raise ValueError(f"model_b: unknown feature(s) {unknown}")
        _check_allowed(features, sec.forbidden_features)

        if len(seasons) == 1:
            objective = (sec.objective_without_holdout if sec.objective == "auto"
                         else sec.objective)
            rows = _rows(context, history, sec.target, features, sec.date_stride)
            final = _train(sec, objective, rows, None, n_trees=sec.trees_without_holdout)
            self.win_model = fit_game_model(
                _scores_by_date(final, context, features), history.standings_games(seasons[0]),
                f"model_b ({seasons[0]})")
            self.selection = ModelBSelection(None, objective, final.n_trees,
                                             note="one training season: fixed tree count, "
                                                  "no selection")
            self.holdout_season = None
        else:
            holdout = seasons[-1]
            in_hold = (context.keys["season"] == holdout).to_numpy()
            tr = _rows(context.select(~in_hold), history, sec.target, features,
                       sec.date_stride)
            va = _rows(context.select(in_hold), history, sec.target, features, 1)
            candidates: list[Objective] = (["rank", "regression"] if sec.objective == "auto"
                                           else [sec.objective])
            trials = {obj: _train(sec, obj, tr, va) for obj in candidates}

            def merit(o: Objective) -> tuple[float, bool]:
                v = trials[o].val_spearman
                return (-np.inf if v is None else v, o == "rank")  # ties go to rank

            objective = max(candidates, key=merit)
            held = trials[objective]
            all_rows = _rows(context, history, sec.target, features, sec.date_stride)
            final = _train(sec, objective, all_rows, None, n_trees=held.n_trees)
            hold_ctx = context.select(in_hold)
            self.win_model = fit_game_model(
                _scores_by_date(held, hold_ctx, features), history.standings_games(holdout),
                f"model_b ({holdout})", refit_scores=_scores_by_date(final, hold_ctx, features))
            self.selection = ModelBSelection(
                holdout, objective, held.n_trees,
                {obj: ObjectiveTrial(t.val_spearman, t.n_trees) for obj, t in trials.items()})
            self.holdout_season = holdout
        self.booster, self.n_trees, self.objective = final.booster, final.n_trees, objective
        self.feature_names = features
        self.train_seasons = seasons
        self.fit_seconds = time.perf_counter() - t0
        return self

    # -- predict -----------------------------------------------------------------------------
    def score_context(self, ctx: TeamContext) -> np.ndarray:
        """Scores of prebuilt rows (higher = stronger)."""
        check_is_fitted(self, "booster")
        _check_allowed(self.feature_names, self.section.forbidden_features)
        dm = xgb.DMatrix(ctx.X[self.feature_names].to_numpy(np.float64),
                         feature_names=self.feature_names, nthread=1)
        return self.booster.predict(dm).astype(np.float64)

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        return self.predict_dates(known, season, [as_of])[0]

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        """``predict(data.before(d), season, d)`` at each of ``dates``, from one context build:
        a context row reads only games before its date."""
        check_is_fitted(self, "booster", "win_model")
        dates = [pd.Timestamp(d).normalize() for d in dates]
        ctx = build_team_context(data, [season], dates=dates)
        teams = data.teams_of_season(season)
        scores = self.score_context(ctx)
        day, team_ids = ctx.keys["date"].to_numpy(), ctx.keys["team_id"].to_numpy()
        out = []
        for date in dates:
            rows = np.flatnonzero(day == date.to_datetime64())
            s = pd.Series(scores[rows], index=team_ids[rows])
            missing = sorted(set(teams) - set(s.index))
            if missing:
                raise ModelError(f"model_b: no features for team(s) {missing} in {season}")
            s = s.reindex(teams).rename("model_b")
            out.append(Prediction(s, self.win_model.win_prob(s)))
        return out

    def feature_importance(self, importance_type: str = "gain") -> pd.Series:
        """Per-feature importance of the final booster (0 for features never split on)."""
        check_is_fitted(self, "booster")
        got = self.booster.get_score(importance_type=importance_type)
        return (pd.Series(got, dtype=np.float64).reindex(self.feature_names, fill_value=0.0)
                .sort_values(ascending=False).rename(importance_type))


def _scores_by_date(trained: _Trained, ctx: TeamContext, features: list[str]) -> pd.Series:
    """A booster's scores of context rows, indexed by (date, team_id)."""
    dm = xgb.DMatrix(ctx.X[features].to_numpy(np.float64), feature_names=features, nthread=1)
    scores = trained.booster.predict(dm).astype(np.float64)
    return pd.Series(scores, index=pd.MultiIndex.from_frame(ctx.keys[["date", "team_id"]]))
