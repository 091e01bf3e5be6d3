"""The predictor interface every baseline and model implements, and what it returns.

``fit(history)`` sees only the training seasons. ``predict(known, season, as_of)`` sees only
games strictly before ``as_of`` (``known = data.before(as_of)``), and returns a
:class:`Prediction`: one strength score per team of ``season`` (higher = stronger), the game
probabilities those scores imply, and, for a blend, each input model's own scores (and Model
A's attention over each roster), so that nothing downstream has to score a model twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from truestrength.base.game_model import WinProb
from truestrength.base.league import LeagueData

__all__ = ["Prediction", "Predictor", "RosterAttention", "WinProb", "predict_dates"]


@dataclass(frozen=True)
class RosterAttention:
    """Model A's attention over each team's roster at one date (mean over heads).

    Row i is team ``team_ids[i]``; ``weights[i, p]`` is the attention on player
    ``player_ids[i, p]``; ``mask`` marks real players (padding False).
    """

    team_ids: np.ndarray  # int64 [N]
    player_ids: np.ndarray  # int64 [N, P]
    weights: np.ndarray  # float [N, P]
    mask: np.ndarray  # bool [N, P]


@dataclass(frozen=True)
class Prediction:
    scores: pd.Series  # index team_id, higher = stronger; every team of the season
    win_prob: WinProb | None = None
    # Each input model's scores (index team_id) when this prediction blends several.
    components: dict[str, pd.Series] = field(default_factory=dict)
    attention: RosterAttention | None = None
    # The sd (logits) of each team's strength shock per simulated postseason, for a
    # prediction of the postseason whose model knows how sure its strengths are
    # (``inference.simulate``); 0: strengths known exactly.
    postseason_sd: float = 0.0

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
    """A predictor whose scores depend on who plays also has ``reads_rosters = True`` and
    takes ``predict(..., availability=)``; any other is read as not reading rosters."""

    name: str

    def fit(self, history: LeagueData) -> Predictor: ...

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction: ...


def predict_dates(predictor: Predictor, data: LeagueData, season: str,
                  dates: list[pd.Timestamp]) -> list[Prediction]:
    """``predictor.predict(data.before(d), season, d)`` at each of ``dates``, in order.

    A predictor whose features are built for many dates at once (Model A's snapshots, Model
    B's context, Elo's history, RAPM's rotations) has its own ``predict_dates``, which gives
    those same predictions from ``data`` whole: there the guard against the future is its
    feature builders' reading only games before each date, not ``before``; tests hold each
    one to the date-by-date predictions."""
    own = getattr(predictor, "predict_dates", None)
    if own is not None:
        return own(data, season, list(dates))
    return [predictor.predict(data.before(d), season, pd.Timestamp(d)) for d in dates]
