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
target as ``training.lists.team_targets`` defines it (minus the final / playoff rank, or
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

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xgboost as xgb

from truestrength.config import ModelBSection
from truestrength.data.league import LeagueData
from truestrength.data.teams import season_start_year
from truestrength.evaluation.predictor import Prediction
from truestrength.evaluation.ratings import (
    LogisticWinModel,
    fit_win_model_on_scores,
    score_spread,
)
from truestrength.features.team_context import TeamContext, build_team_context
from truestrength.manifest import read_artifact
from truestrength.training.lists import team_targets

__all__ = ["ModelB", "ModelBSection", "mean_list_spearman", "out_of_fold_model_b",
           "training_seasons"]

Objective = Literal["rank", "regression"]
MODEL_B_FORMAT = "truestrength-model-b/1"


def training_seasons(data: LeagueData) -> list[str]:
    """Seasons Model B trains on and OOF folds over: those with player rows (Model A's), or
    every season with games when there are none."""
    with_players = sorted(data.player_logs["season"].unique())
    return with_players or data.seasons


def _check_allowed(names: Sequence[str], forbidden: Sequence[str]) -> None:
    for name in names:
        if name in forbidden:
            raise ValueError(f"feature {name!r} is forbidden by model_b.forbidden_features")


# --------------------------------------------------------------------------------------------
# lists and the per-list Spearman
# --------------------------------------------------------------------------------------------
def _grouped_ranks(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) of ``values`` within each group."""
    n = len(values)
    order = np.lexsort((values, group))
    v, g = values[order], group[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_tie = new_group.copy()
    new_tie[1:] |= v[1:] != v[:-1]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    tie_id = np.cumsum(new_tie) - 1
    tie_start = pos[new_tie]
    tie_len = np.diff(np.append(tie_start, n))
    # ranks in a tie block run from start+1 to start+len: their mean is start + (len + 1) / 2
    avg = tie_start + (tie_len + 1) / 2.0
    out = np.empty(n)
    out[order] = avg[tie_id] - group_start
    return out


def mean_list_spearman(pred: np.ndarray, target: np.ndarray, list_id: np.ndarray) -> float:
    """Mean over lists of Spearman(pred, target) with average ranks.

    Lists whose target is constant are left out (nothing to order); a constant prediction in
    a list counts as 0 (it orders nothing), which keeps the first boosting rounds defined.
    Plain numpy because it runs after every boosting round during early stopping.
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    _, gid = np.unique(np.asarray(list_id), return_inverse=True)
    if len(gid) == 0:
        return float("nan")
    count = np.bincount(gid).astype(np.float64)
    rp, rt = _grouped_ranks(pred, gid), _grouped_ranks(target, gid)
    a = rp - (np.bincount(gid, rp) / count)[gid]
    b = rt - (np.bincount(gid, rt) / count)[gid]
    aa, bb, ab = np.bincount(gid, a * a), np.bincount(gid, b * b), np.bincount(gid, a * b)
    valid = bb > 1e-12
    if not valid.any():
        return float("nan")
    aa, bb, ab = aa[valid], bb[valid], ab[valid]
    rho = np.where(aa > 1e-12, ab / np.sqrt(np.where(aa > 1e-12, aa, 1.0) * bb), 0.0)
    return float(rho.mean())


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
        self.selection: dict[str, Any] = {}
        self.train_seasons: list[str] = []
        self.holdout_season: str | None = None
        self.fit_seconds = 0.0

    # -- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """XGBoost's own JSON model file plus everything else needed to use it."""
        booster = self._require_fitted()
        folder.mkdir(parents=True, exist_ok=True)
        booster.save_model(folder / "booster.json")
        wm = self.win_model
        (folder / "model_b.json").write_text(json.dumps({
            "format": MODEL_B_FORMAT, "section": self.section.model_dump(mode="json"),
            "feature_names": list(self.feature_names), "objective": self.objective,
            "n_trees": self.n_trees, "selection": self.selection,
            "train_seasons": self.train_seasons, "holdout_season": self.holdout_season,
            "win_model": wm.to_dict(),
        }, indent=2, default=str))
        return folder

    @classmethod
    def load(cls, folder: Path, expect: ModelBSection | None = None) -> ModelB:
        path = folder / "model_b.json"
        meta = read_artifact(path, MODEL_B_FORMAT)
        section = ModelBSection.model_validate(meta["section"])
        if expect is not None and expect != section:
            diff = sorted(k for k, v in section.model_dump().items()
                          if expect.model_dump()[k] != v)
            raise ValueError(f"{path} was trained under a different model_b configuration "
                             f"({', '.join(diff)} differ)")
        out = cls(section)
        out.booster = xgb.Booster()
        out.booster.load_model(folder / "booster.json")
        out.feature_names = list(meta["feature_names"])
        out.objective = meta["objective"]
        out.n_trees = int(meta["n_trees"])
        out.selection = meta["selection"]
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
        seasons = training_seasons(history)
        if not seasons:
            raise ValueError("model_b: no training seasons in the history")
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
            self.win_model = _fit_win_model(final, history, seasons[0], context, features)
            self.selection = {"holdout_season": None, "chosen": objective,
                              "n_trees": final.n_trees,
                              "note": "one training season: fixed tree count, no selection"}
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
            self.selection = {
                "holdout_season": holdout, "chosen": objective,
                **{obj: {"val_spearman": t.val_spearman, "n_trees": t.n_trees}
                   for obj, t in trials.items()},
            }
            self.win_model = _fit_win_model(held, history, holdout,
                                            context.select(in_hold), features)
            all_rows = _rows(context, history, sec.target, features, sec.date_stride)
            final = _train(sec, objective, all_rows, None, n_trees=held.n_trees)
            # The game model was fitted on the held-out booster's scores: carry its slope to
            # the final booster's scale by the ratio of score spreads on the held-out season.
            hold_ctx = context.select(in_hold)
            dm = xgb.DMatrix(hold_ctx.X[features].to_numpy(np.float64),
                             feature_names=features, nthread=1)
            dates = hold_ctx.keys["date"]
            ratio = (score_spread(held.booster.predict(dm), dates)
                     / score_spread(final.booster.predict(dm), dates))
            self.win_model = self.win_model.rescaled(ratio)
            self.holdout_season = holdout
        self.booster, self.n_trees, self.objective = final.booster, final.n_trees, objective
        self.feature_names = features
        self.train_seasons = seasons
        self.fit_seconds = time.perf_counter() - t0
        return self

    # -- predict -----------------------------------------------------------------------------
    def score_context(self, ctx: TeamContext) -> np.ndarray:
        """Scores of prebuilt rows (higher = stronger)."""
        booster = self._require_fitted()
        _check_allowed(self.feature_names, self.section.forbidden_features)
        dm = xgb.DMatrix(ctx.X[self.feature_names].to_numpy(np.float64),
                         feature_names=self.feature_names, nthread=1)
        return booster.predict(dm).astype(np.float64)

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        self._require_fitted()
        as_of = pd.Timestamp(as_of).normalize()
        ctx = build_team_context(known, [season], dates=[as_of])
        teams = known.teams_of_season(season)
        scores = pd.Series(self.score_context(ctx), index=ctx.keys["team_id"].to_numpy())
        missing = sorted(set(teams) - set(scores.index))
        if missing:
            raise ValueError(f"model_b: no features for team(s) {missing} in {season}")
        scores = scores.reindex(teams).rename("model_b")
        wm = self.win_model
        assert wm is not None

        def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray) -> np.ndarray:
            return wm.predict_proba(scores.reindex(home).to_numpy()
                                    - scores.reindex(road).to_numpy(), neutral)

        return Prediction(scores, win_prob)

    def feature_importance(self, importance_type: str = "gain") -> pd.Series:
        """Per-feature importance of the final booster (0 for features never split on)."""
        booster = self._require_fitted()
        got = booster.get_score(importance_type=importance_type)
        return (pd.Series(got, dtype=np.float64).reindex(self.feature_names, fill_value=0.0)
                .sort_values(ascending=False).rename(importance_type))

    def _require_fitted(self) -> xgb.Booster:
        if self.booster is None:
            raise RuntimeError("model_b: call fit() before predict()")
        return self.booster


def _fit_win_model(trained: _Trained, data: LeagueData, season: str, ctx: TeamContext,
                   features: list[str]) -> LogisticWinModel:
    """Logistic P(home wins) on the pre-game score difference over ``season``'s games."""
    rows = ctx.select((ctx.keys["season"] == season).to_numpy())
    dm = xgb.DMatrix(rows.X[features].to_numpy(np.float64), feature_names=features, nthread=1)
    scores = trained.booster.predict(dm).astype(np.float64)
    by = pd.Series(scores, index=pd.MultiIndex.from_frame(rows.keys[["date", "team_id"]]))
    g = data.games[(data.games["season"] == season) & data.games["counts_for_standings"]]
    return fit_win_model_on_scores(by, g, f"model_b ({season})")


# --------------------------------------------------------------------------------------------
# out of fold
# --------------------------------------------------------------------------------------------
def out_of_fold_model_b(data: LeagueData, section: ModelBSection | None = None, *,
                        context: TeamContext | None = None) -> pd.DataFrame:
    """Out-of-fold scores by forward-chaining seasons: fold k is fitted on the training seasons
    before season k (its history holds no game of season k or later; earlier team-only seasons
    stay for Elo and carry-over) and scores every (team, date) row of season k.

    Rows are built once from all the data (a row at d reads only games before d, and
    ``schedule="expected"`` reads no future game at all), so each fold sees exactly the rows it
    would have built from its own history. Columns: season, date, team_id, conference, score,
    fold; ``attrs["train_seasons"]`` maps each scored season to its fold's training seasons.
    """
    section = section or ModelBSection()
    seasons = training_seasons(data)
    if len(seasons) < 2:
        raise ValueError(f"out-of-fold scores need at least two seasons, got {seasons}")
    ctx = context if context is not None else build_team_context(data, seasons)
    parts, trained_on = [], {}
    for k, season in enumerate(seasons[1:], start=1):
        start = season_start_year(season)
        history = data.restrict_seasons([s for s in data.seasons
                                         if season_start_year(s) < start])
        train = seasons[:k]
        in_train = ctx.keys["season"].isin(train).to_numpy()
        model = ModelB(section).fit(history, context=ctx.select(in_train))
        target = ctx.select((ctx.keys["season"] == season).to_numpy())
        parts.append(target.keys.assign(score=model.score_context(target), fold=k))
        trained_on[season] = list(model.train_seasons)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["train_seasons"] = trained_on
    return out
