"""The game-probability model: P(home wins) from a difference of team scores.

Every predictor turns its scores into game probabilities the same way: a logistic model
``P(home wins) = sigmoid(a * (not neutral) + b * (score_home - score_road) + c * b2b)``
fitted on games it did not train on, where ``b2b`` is +1 when only the home team plays the
second night of a back-to-back, -1 when only the road team does, else 0 (known from the
schedule before the game: ``base.league.back_to_backs``). Models refitted after selection
score on another scale than the model the logistic was fitted on; :func:`fit_game_model`
carries the slope over by the ratio of the two models' within-date score spreads on the same
rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.linear_model import LogisticRegression

from truestrength.base.errors import ModelError

ArrayLike = npt.ArrayLike


class WinProb(Protocol):
    """P(home wins) for arrays of (home id, road id, neutral site) and, per game, the
    back-to-back difference (home minus road, -1/0/+1; None: no back-to-back anywhere)."""

    def __call__(self, home: np.ndarray, road: np.ndarray, neutral: np.ndarray,
                 b2b: np.ndarray | None = None) -> np.ndarray: ...


# --------------------------------------------------------------------------------------------
# logistic win model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogisticWinModel:
    """P(home wins) = sigmoid(a * (not neutral) + b * rating_diff + c * b2b).

    ``home_advantage`` is ``a`` (log-odds), ``slope`` is ``b`` (log-odds per rating unit),
    ``rating_diff`` is home rating minus road rating in whatever unit it was fitted on,
    ``back_to_back`` is ``c`` (log-odds per back-to-back of the home team's over the road's).
    """

    home_advantage: float
    slope: float
    n_games: int
    back_to_back: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {"home_advantage": self.home_advantage, "slope": self.slope,
                "n_games": self.n_games, "back_to_back": self.back_to_back}

    @classmethod
    def from_dict(cls, d: dict) -> LogisticWinModel:
        # Runs written before the back-to-back term forecast without it, as they were fitted.
        return cls(float(d["home_advantage"]), float(d["slope"]), int(d["n_games"]),
                   float(d.get("back_to_back", 0.0)))

    def rescaled(self, factor: float) -> LogisticWinModel:
        """The same model for ratings on another scale: ``rating_new = rating / factor``
        gives ``slope_new = slope * factor``."""
        if not np.isfinite(factor) or factor <= 0:
            raise ModelError(f"game model: the refit model's scores have no spread (rescale "
                             f"factor {factor}); it does not order teams")
        return LogisticWinModel(self.home_advantage, self.slope * factor, self.n_games,
                                self.back_to_back)

    def win_prob(self, scores: pd.Series) -> WinProb:
        """P(home wins) for games between teams scored by ``scores`` (index team_id)."""

        def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray,
                     b2b: np.ndarray | None = None) -> np.ndarray:
            return self.predict_proba(scores.reindex(home).to_numpy()
                                      - scores.reindex(road).to_numpy(), neutral, b2b)

        return win_prob

    def predict_proba(self, rating_diff: ArrayLike, neutral: ArrayLike = False,
                      b2b: ArrayLike | None = None) -> np.ndarray:
        """P(home wins) for each game, as a float64 array."""
        diff = np.asarray(rating_diff, dtype=np.float64)
        home = ~np.asarray(neutral, dtype=bool)
        z = self.home_advantage * home + self.slope * diff
        if b2b is not None:
            z = z + self.back_to_back * np.asarray(b2b, dtype=np.float64)
        return np.atleast_1d(1.0 / (1.0 + np.exp(-z)))


def fit_win_model_on_scores(scores: pd.Series, games: pd.DataFrame, what: str,
                            min_games: int = 20) -> LogisticWinModel:
    """Logistic P(home wins) on the pre-game score difference.

    ``scores`` is indexed by (date, team_id) and holds each team's score at the start of
    that date; ``games`` is a games frame. Games without a score for both teams are left out
    (and counted: fewer than ``min_games`` is an error naming ``what``).
    """
    home = scores.reindex(pd.MultiIndex.from_arrays([games["game_date"], games["home_team_id"]]))
    road = scores.reindex(pd.MultiIndex.from_arrays([games["game_date"], games["road_team_id"]]))
    ok = np.isfinite(home.to_numpy(float)) & np.isfinite(road.to_numpy(float))
    if ok.sum() < min_games:
        raise ModelError(f"{what}: only {int(ok.sum())} games have scores for both teams; "
                         "cannot fit the game-probability model")
    return fit_logistic_win_model(home.to_numpy(float)[ok] - road.to_numpy(float)[ok],
                                  (games["home_pts"] > games["road_pts"]).to_numpy()[ok],
                                  games["neutral_site"].to_numpy(bool)[ok],
                                  b2b_of(games)[ok])


def b2b_of(games: pd.DataFrame) -> np.ndarray:
    """The back-to-back difference of each game of a games frame (``LeagueData.games``
    carries ``home_b2b`` and ``road_b2b``)."""
    missing = [c for c in ("home_b2b", "road_b2b") if c not in games.columns]
    if missing:
        raise ValueError(f"games frame lacks {missing}: take games from a LeagueData, which "
                         "marks back-to-backs (base.league.back_to_backs)")
    return games["home_b2b"].to_numpy(np.float64) - games["road_b2b"].to_numpy(np.float64)


def fit_game_model(scores: pd.Series, games: pd.DataFrame, what: str, *,
                   refit_scores: pd.Series | None = None,
                   min_games: int = 20) -> LogisticWinModel:
    """The game model of a predictor, fitted on out-of-sample ``scores`` of ``games``.

    ``scores`` (index (date, team_id)) come from the model that did not see ``games``. When
    the predictor then uses a model refitted on more data, ``refit_scores`` are that model's
    scores on the same rows: the slope is carried to its scale by the ratio of within-date
    score spreads (the refit has the same shape, so it orders teams alike on another scale).
    """
    model = fit_win_model_on_scores(scores, games, what, min_games=min_games)
    if refit_scores is None:
        return model
    dates = scores.index.get_level_values("date")
    ratio = (score_spread(scores.to_numpy(float), dates)
             / score_spread(refit_scores.reindex(scores.index).to_numpy(float), dates))
    return model.rescaled(ratio)


def score_spread(scores: ArrayLike, groups: ArrayLike) -> float:
    """Mean within-group standard deviation of ``scores`` (groups: e.g. the date)."""
    frame = pd.DataFrame({"s": np.asarray(scores, dtype=np.float64), "g": np.asarray(groups)})
    return float(frame.groupby("g")["s"].std(ddof=0).mean())


def fit_win_model_or_home_edge(rating_diff: ArrayLike, home_won: ArrayLike,
                               neutral: ArrayLike,
                               b2b: ArrayLike | None = None) -> LogisticWinModel:
    """:func:`fit_logistic_win_model`, except that ratings with no spread at all (e.g. no
    earlier season to rate teams from) teach only home court and back-to-backs: slope 0."""
    d = np.asarray(rating_diff, dtype=np.float64).ravel()
    return fit_logistic_win_model(d, home_won, neutral, b2b, with_rating=bool(np.std(d) > 0))


def fit_logistic_win_model(
    rating_diff: ArrayLike | Sequence[float],
    home_won: ArrayLike | Sequence[bool],
    neutral: ArrayLike | Sequence[bool] | None = None,
    b2b: ArrayLike | None = None,
    *,
    with_rating: bool = True,
) -> LogisticWinModel:
    """Fit :class:`LogisticWinModel` by unpenalised maximum likelihood (scikit-learn
    ``LogisticRegression(C=inf, fit_intercept=False)`` on ``[not neutral, b2b,
    rating_diff]``; without ``b2b``, or with no back-to-back difference in the games, the
    back-to-back term is 0).

    The home term is a column rather than the intercept so that neutral games carry no home
    edge. ``rating_diff`` is standardised for the solver and the slope mapped back, because
    Elo-sized differences (hundreds) make L-BFGS stop early. If every game is neutral the home
    term cannot be estimated and is 0. Perfectly separable data has no finite MLE; scikit-learn
    then warns that it did not converge. ``with_rating=False`` fits home court and
    back-to-backs alone (slope 0), for ratings that cannot separate any two teams.
    """
    diff = np.asarray(rating_diff, dtype=np.float64).ravel()
    won = np.asarray(home_won).ravel()
    n = diff.size
    home = np.ones(n, dtype=bool) if neutral is None else ~np.asarray(neutral, dtype=bool).ravel()
    if won.size != n or home.size != n:
        raise ValueError(
            f"fit_logistic_win_model: lengths differ (rating_diff {n}, home_won {won.size}, "
            f"neutral {home.size})"
        )
    if n == 0:
        raise ValueError("fit_logistic_win_model: no games")
    if not np.isfinite(diff).all():
        raise ValueError("fit_logistic_win_model: rating_diff has NaN or inf")
    if not np.isin(won, [0, 1]).all():
        raise ValueError("fit_logistic_win_model: home_won must be 0/1 or bool")
    y = won.astype(np.int64)
    if y.min() == y.max():
        raise ModelError("fit_logistic_win_model: every game has the same winner side; the "
                         "game model cannot be fitted")
    scale = float(diff.std())
    if with_rating and scale == 0.0:
        raise ModelError("fit_logistic_win_model: the scores do not separate any two teams "
                         "(constant differences); the game model's slope is undefined")

    rest = np.zeros(n) if b2b is None else np.asarray(b2b, dtype=np.float64).ravel()
    if rest.size != n or not np.isfinite(rest).all():
        raise ValueError(f"fit_logistic_win_model: b2b must be {n} finite values")
    fit_home, fit_rest = bool(home.any()), bool(rest.any())
    columns = (([home.astype(np.float64)] if fit_home else []) + ([rest] if fit_rest else [])
               + ([diff / scale] if with_rating else []))
    if not columns:  # every game neutral, no back-to-back and no rating: a coin flip
        return LogisticWinModel(home_advantage=0.0, slope=0.0, n_games=n)
    model = LogisticRegression(C=np.inf, fit_intercept=False, max_iter=1000)
    model.fit(np.column_stack(columns), y)
    coef = model.coef_.ravel()
    a = float(coef[0]) if fit_home else 0.0
    c = float(coef[int(fit_home)]) if fit_rest else 0.0
    b = float(coef[-1]) / scale if with_rating else 0.0
    return LogisticWinModel(home_advantage=a, slope=b, n_games=n, back_to_back=c)


# --------------------------------------------------------------------------------------------
# best-of-seven series
# --------------------------------------------------------------------------------------------
def series_win_prob(p_home: np.ndarray | float, p_road: np.ndarray | float) -> np.ndarray:
    """P(the team with home court wins a best-of-seven), given its P(win) at home and on the
    road (2-2-1-1-1: it hosts games 1, 2, 5, 7).

    Closed form without enumerating sequences: imagine all seven games are played even after
    the series is decided. Each game's venue is fixed by its number, not by earlier results,
    so the games stay independent, and whoever reaches four wins first is exactly whoever wins
    at least four of the seven. So P = P(Bin(4, p_home) + Bin(3, p_road) >= 4). (It follows
    that any format with four home games gives the same answer; only the count matters.)
    """
    p = np.asarray(p_home, dtype=np.float64)[..., None]
    q = np.asarray(p_road, dtype=np.float64)[..., None]
    i, j = np.arange(5), np.arange(4)
    comb4 = np.array([math.comb(4, k) for k in i], dtype=np.float64)
    comb3 = np.array([math.comb(3, k) for k in j], dtype=np.float64)
    a = comb4 * p**i * (1 - p) ** (4 - i)  # [..., 5] home-game wins
    b = comb3 * q**j * (1 - q) ** (3 - j)  # [..., 4] road-game wins
    enough = (i[:, None] + j[None, :]) >= 4
    return np.einsum("...i,...j,ij->...", a, b, enough.astype(np.float64))
