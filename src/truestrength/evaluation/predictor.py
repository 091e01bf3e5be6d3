"""The predictor interface every baseline and model implements for the backtest.

``fit(history)`` sees only the training seasons. ``predict(known, season, as_of)`` sees only
games strictly before ``as_of`` (``known = data.before(as_of)``), and returns one strength
score per team of ``season`` (higher = stronger), and optionally a game win probability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from truestrength.data.league import LeagueData

# P(home team wins) for arrays of (home id, road id, neutral site).
WinProb = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Prediction:
    scores: pd.Series  # index team_id, higher = stronger; every team of the season
    win_prob: WinProb | None = None

    def __post_init__(self) -> None:
        s = self.scores
        if s.empty:
            raise ValueError("a prediction must score at least one team")
        if not np.isfinite(s.to_numpy(dtype=float)).all():
            bad = s[~np.isfinite(s.to_numpy(dtype=float))].index.tolist()
            raise ValueError(f"prediction has non-finite scores for teams {bad[:5]}")
        if s.index.duplicated().any():
            raise ValueError("prediction scores a team twice")


class Predictor(Protocol):
    name: str

    def fit(self, history: LeagueData) -> Predictor: ...

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction: ...
