"""The blend of the input models, fitted on the game results it forecasts.

Each input gives one number per team and date. Model A's and Model B's scores live on
arbitrary scales (ListMLE scores, XGBoost margins) and only their order on a date carries
meaning, so each is standardised within its list (the whole league on one date; per
conference would erase the gap between the conferences). Elo and RAPM are already on scales
that mean something (400 Elo points = 10:1 odds; RAPM in points of margin), so they keep
their points, centred on the date's league mean and divided by ``POINT_SCALES`` only to give
their weights a size like the others'::

    x_m = (s_m - mean_list(s_m)) / std_list(s_m)       for model_a, model_b (0 if constant)
    x_elo = (elo - mean_list(elo)) / 100
    x_rapm = (rapm - mean_list(rapm)) / 5           (and SRS, the postseason's, alike)
    strength = sum_m  w_m * x_m
    P(home wins) = sigmoid(h * (not neutral) + c * b2b + strength_home - strength_road)

``h``, ``c`` and ``w`` are one logistic regression of the home side's win on ``[not neutral,
b2b, x_m(home) - x_m(road) ...]`` (``b2b``: the back-to-back difference, home minus road)
over games whose inputs never saw their season (out of fold),
so the weights are chosen for exactly the probabilities that are published, as
FiveThirtyEight blended Elo with player ratings. One strength per team still orders the
league and feeds the simulation.

"Never worse than its best input": the blend and each input alone (its own logistic) are
scored by forward chaining over half-seasons of the out-of-fold games: each half-season is
forecast by a fit on the half-seasons before it only. The best single input alone is
published when the blend's pooled log loss there is worse than that input's by more than
``fallback_z`` standard errors of the paired per-game difference (0: whenever it is not
strictly below). A few hundred forward-chained games cannot tell apart log losses 0.002
apart; a fallback on such a difference trades a blend for one input on noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from truestrength.base.errors import ModelError
from truestrength.base.game_model import LogisticWinModel

LIST_KEYS = ["season", "date"]
# Inputs read in their own points: centred within the list, then divided by this.
POINT_SCALES = {"elo": 100.0, "rapm": 5.0, "srs": 5.0}
BLEND = "blend"
# The choice of a combination of single-input fits averaged, not fitted jointly
# (``models.postseason``'s ``blend.postseason_combine: mean``).
MEAN = "mean"


def _one_list(frame: pd.DataFrame, column: str) -> bool:
    """One (season, date) list and no missing value: numpy does what the groupby would."""
    if len(frame) == 0 or frame[column].isna().any():
        return False
    # numpy: pandas' comparison of a whole column costs more than the standardising it saves
    return all(bool((v == v[0]).all()) for v in (frame[k].to_numpy() for k in LIST_KEYS))


def standardise_within_lists(frame: pd.DataFrame, column: str) -> pd.Series:
    """z-score of ``column`` within each (season, date) list."""
    if _one_list(frame, column):  # one date's prediction: numpy, not a groupby per input and phase
        x = frame[column].to_numpy(float)
        std = x.std()
        z = (x - x.mean()) / std if std > 1e-12 else np.zeros_like(x)
        return pd.Series(z, index=frame.index, name=column)
    g = frame.groupby(LIST_KEYS, sort=False)[column]
    mean = g.transform("mean")
    std = g.transform("std", ddof=0)
    z = (frame[column] - mean) / std.where(std > 1e-12)
    return z.where(std > 1e-12, 0.0).astype(float)


def input_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """The blend's input ``x`` of ``column`` (module docstring) for every row of ``frame``."""
    if column in POINT_SCALES:
        if _one_list(frame, column):
            x = frame[column].to_numpy(float)
            return pd.Series((x - x.mean()) / POINT_SCALES[column], index=frame.index,
                             name=column)
        centred = frame[column] - frame.groupby(LIST_KEYS, sort=False)[column].transform("mean")
        return (centred / POINT_SCALES[column]).astype(float)
    return standardise_within_lists(frame, column)


@dataclass(frozen=True)
class BlendFit:
    """P(home wins) = sigmoid(home_advantage * (not neutral) + back_to_back * b2b
    + weights · (x_home - x_road))."""

    inputs: tuple[str, ...]
    weights: np.ndarray
    home_advantage: float
    n_games: int
    back_to_back: float = 0.0

    def logit(self, diffs: np.ndarray, neutral: np.ndarray, b2b: np.ndarray) -> np.ndarray:
        return (self.home_advantage * ~np.asarray(neutral, bool)
                + self.back_to_back * np.asarray(b2b, float) + diffs @ self.weights)

    def to_dict(self) -> dict:
        return {"inputs": list(self.inputs), "weights": self.weights.tolist(),
                "home_advantage": self.home_advantage, "n_games": self.n_games,
                "back_to_back": self.back_to_back}

    @classmethod
    def from_dict(cls, d: dict) -> BlendFit:
        return cls(tuple(d["inputs"]), np.asarray(d["weights"], float),
                   float(d["home_advantage"]), int(d["n_games"]),
                   float(d.get("back_to_back", 0.0)))


def fit_blend(diffs: np.ndarray, home_won: np.ndarray, neutral: np.ndarray, b2b: np.ndarray,
              inputs: tuple[str, ...], l2: float = 0.0) -> BlendFit:
    """Logistic regression of ``home_won`` on ``[not neutral, b2b, diffs]`` (``diffs``: one
    column per input, home minus road), no intercept so neutral games carry no home edge;
    ``l2`` = 0 is plain maximum likelihood, else scikit-learn's C = 1 / l2."""
    y = np.asarray(home_won).astype(np.int64)
    if y.size == 0 or y.min() == y.max():
        raise ModelError(f"blend of {list(inputs)}: {y.size} games, all won by the same side;"
                         " the weights cannot be fitted")
    x = np.column_stack([~np.asarray(neutral, bool), np.asarray(b2b, float),
                         np.asarray(diffs, float)])
    model = LogisticRegression(C=np.inf if l2 == 0 else 1.0 / l2, fit_intercept=False,
                               max_iter=1000).fit(x, y)
    coef = model.coef_.ravel()
    return BlendFit(tuple(inputs), coef[2:].astype(float), float(coef[0]), int(y.size),
                    float(coef[1]))


def game_log_losses(logit: np.ndarray, home_won: np.ndarray) -> np.ndarray:
    """Each game's log loss of P = sigmoid(logit), computed stably from the logit."""
    sign = np.where(np.asarray(home_won, bool), 1.0, -1.0)
    return np.logaddexp(0.0, -sign * logit)


def log_loss(logit: np.ndarray, home_won: np.ndarray) -> float:
    """Mean log loss of P = sigmoid(logit)."""
    return float(np.mean(game_log_losses(logit, home_won)))


def half_season_blocks(season: pd.Series, date: pd.Series) -> np.ndarray:
    """Block number per game: each season split at its median game date, in time order."""
    frame = pd.DataFrame({"season": season.to_numpy(), "date": date.to_numpy()})
    median = frame.groupby("season")["date"].transform("median")
    key = list(zip(frame["season"], frame["date"] > median, strict=True))
    order = {k: i for i, k in enumerate(sorted(set(key)))}
    return np.array([order[k] for k in key], dtype=np.int64)


@dataclass
class Stacker:
    """The published blend, why it was chosen, and what it was chosen against."""

    published: BlendFit
    choice: str  # BLEND, the name of the single input published instead, or MEAN
    candidates: dict[str, BlendFit]  # each fitted on every out-of-fold game
    nested_log_loss: dict[str, float]  # each candidate's pooled forward-chained log loss
    nested_games: int  # games those log losses are over
    l2: float = 0.0
    # blend minus best single input, per forward-chained game: mean and its standard error
    nested_margin: float = 0.0
    nested_margin_se: float = 0.0
    fallback_z: float = 0.0

    @property
    def models(self) -> tuple[str, ...]:
        return self.published.inputs

    @property
    def weights(self) -> np.ndarray:
        return self.published.weights

    @classmethod
    def fit(cls, games: pd.DataFrame, inputs: list[str], *, l2: float,
            fallback_z: float) -> Stacker:
        """``games``: one row per out-of-fold game with ``season, date, home_won,
        neutral_site, b2b`` and, per input, the column ``<input>`` = x(home) - x(road)."""
        inputs = tuple(inputs)
        missing = [c for c in ["season", "date", "home_won", "neutral_site", "b2b", *inputs]
                   if c not in games.columns]
        if missing:
            raise ValueError(f"stacker: games frame lacks column(s) {missing}")
        games = games.dropna(subset=list(inputs))
        won = games["home_won"].to_numpy(bool)
        neutral = games["neutral_site"].to_numpy(bool)
        b2b = games["b2b"].to_numpy(float)
        names = [BLEND, *inputs] if len(inputs) > 1 else list(inputs)
        cols = {BLEND: list(inputs), **{m: [m] for m in inputs}}
        candidates = {n: fit_blend(games[cols[n]].to_numpy(float), won, neutral, b2b,
                                   tuple(cols[n]), l2) for n in names}
        block = half_season_blocks(games["season"], games["date"])
        if block.max(initial=-1) < 1:
            raise ModelError(f"stacker: the {len(games)} out-of-fold games fall in fewer than "
                             "two half-seasons; the blend cannot be checked against its "
                             "inputs")
        scored = block >= 1
        logits = {n: np.empty(int(scored.sum())) for n in names}
        for k in range(1, int(block.max()) + 1):
            before, now = block < k, block == k
            at = now[scored]
            for n in names:
                fit = fit_blend(games.loc[before, cols[n]].to_numpy(float), won[before],
                                neutral[before], b2b[before], tuple(cols[n]), l2)
                logits[n][at] = fit.logit(games.loc[now, cols[n]].to_numpy(float),
                                          neutral[now], b2b[now])
        nested = {n: log_loss(logits[n], won[scored]) for n in names}
        singles = [n for n in names if n != BLEND]
        best_single = min(singles, key=nested.__getitem__)
        if BLEND not in nested:
            return cls(candidates[best_single], best_single, candidates, nested,
                       int(scored.sum()), l2, fallback_z=fallback_z)
        d = game_log_losses(logits[BLEND], won[scored]) \
            - game_log_losses(logits[best_single], won[scored])
        margin, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
        worse = margin > fallback_z * se if fallback_z > 0 else margin >= 0
        choice = best_single if worse else BLEND
        return cls(candidates[choice], choice, candidates, nested, int(scored.sum()), l2,
                   margin, se, fallback_z)

    @property
    def win_model(self) -> LogisticWinModel:
        """The game model of :meth:`combine`'s strengths: the weights are already in them."""
        return LogisticWinModel(self.published.home_advantage, 1.0, self.published.n_games,
                                self.published.back_to_back)

    def combine(self, scores: pd.DataFrame) -> pd.Series:
        """Strength per row: ``scores`` has the list keys and one column per published
        input in its own scale."""
        missing = [m for m in self.models if m not in scores.columns]
        if missing:
            raise ValueError(f"stacker needs scores of {missing}")
        x = np.column_stack([input_values(scores, m) for m in self.models])
        return pd.Series(x @ self.weights, index=scores.index, name="stacked")

    def describe(self) -> str:
        parts = ", ".join(f"{m} {w:+.3f}" for m, w in zip(self.models, self.weights,
                                                            strict=True))
        losses = ", ".join(f"{n} {v:.4f}" for n, v in self.nested_log_loss.items())
        home, b2b = self.published.home_advantage, self.published.back_to_back
        if self.choice == MEAN:
            alone = ", ".join(f"{n} {v:.4f} ({self.candidates[n].n_games} games)"
                              for n, v in self.nested_log_loss.items())
            what = ("the mean of each input's own fit" if len(self.models) > 1
                    else f"{self.models[0]}'s own fit")
            return (f"published {what}: weights {parts}, home "
                    f"{home:+.3f}, back-to-back {b2b:+.3f}; forward-chained log loss of each "
                    f"alone, on the games it has: {alone}")
        margin = (f"; blend − best input {self.nested_margin:+.4f} ± "
                  f"{self.nested_margin_se:.4f} (falls back beyond {self.fallback_z:g} "
                  "standard errors)") if BLEND in self.candidates else ""
        return (f"published {self.choice}: weights {parts}, home {home:+.3f}, back-to-back "
                f"{b2b:+.3f} "
                f"({self.published.n_games} games); forward-chained log loss over "
                f"{self.nested_games} games: {losses}{margin}")

    def to_dict(self) -> dict:
        return {"choice": self.choice, "published": self.published.to_dict(),
                "candidates": {n: c.to_dict() for n, c in self.candidates.items()},
                "nested_log_loss": self.nested_log_loss, "nested_games": self.nested_games,
                "l2": self.l2, "nested_margin": self.nested_margin,
                "nested_margin_se": self.nested_margin_se, "fallback_z": self.fallback_z,
                "input_scales": {m: POINT_SCALES.get(m, "z within date")
                                                for m in self.candidates.get(
                                                    BLEND, self.published).inputs}}

    @classmethod
    def from_dict(cls, d: dict) -> Stacker:
        return cls(BlendFit.from_dict(d["published"]), str(d["choice"]),
                   {n: BlendFit.from_dict(c) for n, c in d["candidates"].items()},
                   {n: float(v) for n, v in d["nested_log_loss"].items()},
                   int(d["nested_games"]), float(d["l2"]),
                   # runs saved before the margin was kept: the rule was "not below" (z 0)
                   float(d.get("nested_margin", 0.0)), float(d.get("nested_margin_se", 0.0)),
                   float(d.get("fallback_z", 0.0)))
