"""Ridge meta-learner over the out-of-fold scores of the base models.

Base scores live on different scales (ListMLE scores, XGBoost margins), and only their order
on a date carries meaning, so each base score is standardised within its list before the
blend. The list here is the whole league on one date, not one conference: standardising per
conference would erase the gap between the conferences, which league ranks, title odds and
every inter-conference game probability depend on.

    z_m = (s_m - mean_list(s_m)) / std_list(s_m)          (z_m = 0 if the list is constant)
    blend = sum_m  w_m * z_m

The weights w come from scikit-learn's RidgeCV (no intercept: everything is centred per
list) fitted on out-of-fold scores against the list-standardised target. They are what
prediction uses, they are printed, and they are saved with the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV

from truestrength.base.errors import ModelError

LIST_KEYS = ["season", "date"]
ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 13))


def standardise_within_lists(frame: pd.DataFrame, column: str) -> pd.Series:
    """z-score of ``column`` within each (season, date) list."""
    g = frame.groupby(LIST_KEYS, sort=False)[column]
    mean = g.transform("mean")
    std = g.transform(lambda s: s.std(ddof=0))
    z = (frame[column] - mean) / std.where(std > 1e-12)
    return z.where(std > 1e-12, 0.0).astype(float)


@dataclass
class Stacker:
    models: tuple[str, ...]
    weights: np.ndarray  # one per model
    alpha: float
    n_rows: int

    @classmethod
    def fit(cls, oof: pd.DataFrame, models: list[str], target: str = "target") -> Stacker:
        """``oof``: one row per (season, date, team) with a column per model's
        out-of-fold score and the ``target`` (higher = better)."""
        missing = [c for c in [*LIST_KEYS, *models, target] if c not in oof.columns]
        if missing:
            raise ValueError(f"stacker: out-of-fold frame lacks column(s) {missing}")
        frame = oof.dropna(subset=[*models, target])
        if len(frame) < 10:
            raise ModelError(f"stacker: only {len(frame)} complete out-of-fold rows")
        x = np.column_stack([standardise_within_lists(frame, m) for m in models])
        y = standardise_within_lists(frame, target).to_numpy()
        ridge = RidgeCV(alphas=ALPHAS, fit_intercept=False).fit(x, y)
        return cls(tuple(models), np.asarray(ridge.coef_, dtype=float), float(ridge.alpha_),
                   len(frame))

    def combine(self, scores: pd.DataFrame) -> pd.Series:
        """Blend: ``scores`` has the list keys and one column per model."""
        missing = [m for m in self.models if m not in scores.columns]
        if missing:
            raise ValueError(f"stacker needs scores of {missing}")
        z = np.column_stack([standardise_within_lists(scores, m) for m in self.models])
        return pd.Series(z @ self.weights, index=scores.index, name="stacked")

    def describe(self) -> str:
        parts = ", ".join(f"{m} {w:+.3f}" for m, w in zip(self.models, self.weights,
                                                            strict=True))
        return f"ridge weights: {parts} (alpha {self.alpha:g}, {self.n_rows} rows)"

    def to_dict(self) -> dict:
        return {"models": list(self.models), "weights": self.weights.tolist(),
                "alpha": self.alpha, "n_rows": self.n_rows}

    @classmethod
    def from_dict(cls, d: dict) -> Stacker:
        return cls(tuple(d["models"]), np.asarray(d["weights"], float), float(d["alpha"]),
                   int(d["n_rows"]))
