"""Per-feature standardisation of roster snapshots, fitted on training seasons only.

Statistics come from real player slots only (``mask`` True): padding zeros would drag every
mean toward 0 by an amount that depends on roster sizes. Padding stays exactly 0 after
``transform``.

Zero variance: a feature that is constant over the training slots (std <= 1e-12 * max(1,
|mean|)) is an error naming the feature, not something dropped quietly: it means the data or
the feature code is broken, and dropping it would change F between fits and checkpoints.
Near-constant features are divided by ``max(std, STD_EPSILON)``, so a feature that varies by
1e-9 is not blown up into unit-scale noise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from truestrength.base.errors import DataError
from truestrength.features.roster import RosterSnapshots, check_finite

__all__ = ["STD_EPSILON", "FeatureScaler"]

STD_EPSILON = 1e-6
_ZERO_VARIANCE_RTOL = 1e-12
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class FeatureScaler:
    feature_names: tuple[str, ...]
    mean: np.ndarray  # float64 [F]
    std: np.ndarray  # float64 [F], already floored at STD_EPSILON
    n_fit: int  # player slots the statistics came from
    # Features constant in training, switched off (always 0 after transform). Only with
    # ``on_constant="zero"``: e.g. previous-season priors when training on the first season
    # of the data, where no previous season exists.
    zeroed: tuple[str, ...] = ()

    @classmethod
    def fit(cls, snapshots: RosterSnapshots, on_constant: str = "error",
            off_prefixes: tuple[str, ...] = ()) -> FeatureScaler:
        """``off_prefixes``: features whose names start with one of them are switched off as
        if constant (an ablation, e.g. ``("prior_",)`` hides the previous-season block)."""
        values = snapshots.x[snapshots.mask].astype(np.float64)
        if len(values) == 0:
            raise ValueError("cannot fit a FeatureScaler on snapshots with no real player")
        mean = values.mean(axis=0)
        std = values.std(axis=0)
        constant = std <= _ZERO_VARIANCE_RTOL * np.maximum(1.0, np.abs(mean))
        names = [snapshots.feature_names[i] for i in np.flatnonzero(constant)]
        if constant.any() and on_constant != "zero":
            raise DataError(
                f"feature(s) with zero variance over the {len(values)} training player slots: "
                f"{', '.join(names)} (constant value(s) {mean[constant].tolist()})")
        unknown = [p for p in off_prefixes
                   if not any(n.startswith(p) for n in snapshots.feature_names)]
        if unknown:
            raise ValueError(f"no feature starts with {unknown} (features: "
                             f"{', '.join(snapshots.feature_names)})")
        names += [n for n in snapshots.feature_names
                  if n.startswith(tuple(off_prefixes)) and n not in names]
        return cls(tuple(snapshots.feature_names), mean, np.maximum(std, STD_EPSILON),
                   len(values), tuple(names))

    def transform(self, snapshots: RosterSnapshots) -> RosterSnapshots:
        if tuple(snapshots.feature_names) != self.feature_names:
            raise ValueError("snapshot features differ from the scaler's: "
                             f"{snapshots.feature_names} vs {self.feature_names}")
        mean = self.mean.astype(np.float32)
        std = self.std.astype(np.float32)
        x = np.where(snapshots.mask[..., None], (snapshots.x - mean) / std, np.float32(0))
        if self.zeroed:
            # A feature never seen to vary in training would feed untrained weights at
            # prediction time: it is switched off rather than standardised.
            x[..., [self.feature_names.index(n) for n in self.zeroed]] = 0.0
        out = replace(snapshots, x=x.astype(np.float32, copy=False))
        check_finite(out, "scaled")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"version": _FORMAT_VERSION, "feature_names": list(self.feature_names),
                "mean": self.mean.tolist(), "std": self.std.tolist(), "n_fit": self.n_fit,
                "zeroed": list(self.zeroed),
                "std_epsilon": STD_EPSILON}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureScaler:
        if d.get("version") != _FORMAT_VERSION:
            raise ValueError(f"unsupported FeatureScaler format {d.get('version')!r}")
        names = tuple(d["feature_names"])
        mean = np.asarray(d["mean"], dtype=np.float64)
        std = np.asarray(d["std"], dtype=np.float64)
        if mean.shape != (len(names),) or std.shape != (len(names),):
            raise ValueError("FeatureScaler dict: mean/std length differs from feature_names")
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise ValueError("FeatureScaler dict: mean/std must be finite and std > 0")
        return cls(names, mean, std, int(d["n_fit"]), tuple(d.get("zeroed", ())))
