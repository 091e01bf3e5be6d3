"""FeatureScaler: statistics over real player slots only, zero-variance error, checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from truestrength.base.errors import DataError
from truestrength.features.roster import KEY_COLUMNS, RosterSnapshots
from truestrength.features.scaling import STD_EPSILON, FeatureScaler


def fake_snapshots(seed: int = 0, n: int = 40, p: int = 6, f: int = 4) -> RosterSnapshots:
    rng = np.random.default_rng(seed)
    mask = np.zeros((n, p), bool)
    sizes = rng.integers(1, p + 1, n)
    for i, s in enumerate(sizes):
        mask[i, :s] = True
    scale = np.array([1.0, 10.0, 0.01, 3.0])[:f]
    x = (rng.normal(5.0, 1.0, (n, p, f)) * scale).astype(np.float32) * mask[..., None]
    keys = pd.DataFrame({
        "season": pd.Series(["2021-22"] * n, dtype="str"),
        "date": pd.date_range("2021-10-20", periods=n).astype("datetime64[us]"),
        "team_id": np.arange(n, dtype=np.int64), "conference": pd.Series(["E"] * n, dtype="str"),
        "n_players": mask.sum(1).astype(np.int64), "from_previous_season": np.zeros(n, bool)})
    assert list(keys.columns) == list(KEY_COLUMNS)
    return RosterSnapshots(keys=keys, x=x, player_ids=np.where(mask, 7, 0).astype(np.int64),
                           minutes=(mask * 20.0).astype(np.float32), mask=mask,
                           feature_names=tuple(f"f{i}" for i in range(f)))


def test_fit_uses_real_slots_only_and_standardises() -> None:
    snaps = fake_snapshots()
    scaler = FeatureScaler.fit(snaps)
    real = snaps.x[snaps.mask].astype(np.float64)
    np.testing.assert_allclose(scaler.mean, real.mean(0), rtol=1e-6)
    assert scaler.n_fit == snaps.mask.sum()
    z = scaler.transform(snaps)
    v = z.x[z.mask].astype(np.float64)
    np.testing.assert_allclose(v.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(v.std(0), 1.0, atol=1e-4)
    assert (z.x[~z.mask] == 0).all()
    assert z.x.dtype == np.float32
    np.testing.assert_array_equal(z.player_ids, snaps.player_ids)


def test_zero_variance_feature_is_an_error_naming_it() -> None:
    snaps = fake_snapshots()
    x = snaps.x.copy()
    x[..., 2] = np.where(snaps.mask, 3.5, 0.0)
    with pytest.raises(DataError, match=r"zero variance .*: f2 "):
        FeatureScaler.fit(RosterSnapshots(**{**snaps.__dict__, "x": x}))


def test_tiny_variance_is_floored_not_amplified() -> None:
    snaps = fake_snapshots()
    x = snaps.x.astype(np.float64)
    x[..., 0] = np.where(snaps.mask, 1.0, 0.0)
    x[0, 0, 0] += 1e-7  # std ~ 1e-9: above the zero test, below the floor
    scaler = FeatureScaler.fit(RosterSnapshots(**{**snaps.__dict__,
                                                  "x": x.astype(np.float32)}))
    assert scaler.std[0] == STD_EPSILON


def test_roundtrip_through_json_gives_the_same_transform() -> None:
    snaps = fake_snapshots(1)
    scaler = FeatureScaler.fit(snaps)
    again = FeatureScaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(again.transform(snaps).x, scaler.transform(snaps).x)
    with pytest.raises(ValueError, match="length"):
        FeatureScaler.from_dict({**scaler.to_dict(), "mean": [0.0]})


def test_feature_mismatch_and_non_finite_input_raise() -> None:
    snaps = fake_snapshots()
    scaler = FeatureScaler.fit(snaps)
    renamed = RosterSnapshots(**{**snaps.__dict__, "feature_names": ("a", "b", "c", "d")})
    with pytest.raises(ValueError, match="differ"):
        scaler.transform(renamed)
    x = snaps.x.copy()
    x[2, 0, 3] = np.nan
    with pytest.raises(ValueError, match=r"non-finite scaled feature 'f3' .* player 7, team 2"):
        scaler.transform(RosterSnapshots(**{**snaps.__dict__, "x": x}))


def test_constant_features_can_be_switched_off_instead_of_raising():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 2)).astype(np.float32)
    x[..., 1] = 7.0  # constant in training
    keys = pd.DataFrame([("2030-31", pd.Timestamp("2030-11-01"), i, "E", 3, False)
                         for i in range(4)], columns=list(KEY_COLUMNS))
    snaps = RosterSnapshots(keys, x, np.ones((4, 3), np.int64), np.ones((4, 3), np.float32),
                            np.ones((4, 3), bool), ("a", "b"))
    with pytest.raises(DataError, match="zero variance.*b"):
        FeatureScaler.fit(snaps)
    scaler = FeatureScaler.fit(snaps, on_constant="zero")
    assert scaler.zeroed == ("b",)
    later = RosterSnapshots(keys, x + np.float32(3.0), snaps.player_ids, snaps.minutes,
                            snaps.mask, ("a", "b"))
    out = scaler.transform(later)
    assert (out.x[..., 1] == 0).all() and (out.x[..., 0] != 0).any()
    assert FeatureScaler.from_dict(scaler.to_dict()).zeroed == ("b",)


def test_features_can_be_switched_off_by_name_prefix_for_an_ablation():
    snaps = fake_snapshots()
    snaps = RosterSnapshots(snaps.keys, snaps.x, snaps.player_ids, snaps.minutes, snaps.mask,
                            ("prior_a", "sea_b", "prior_c", "rec_d"))
    scaler = FeatureScaler.fit(snaps, off_prefixes=("prior_",))
    assert scaler.zeroed == ("prior_a", "prior_c")
    out = scaler.transform(snaps)
    assert (out.x[..., [0, 2]] == 0).all() and (out.x[..., [1, 3]][snaps.mask] != 0).any()
    with pytest.raises(ValueError, match=r"no feature starts with \['pior_'\]"):
        FeatureScaler.fit(snaps, off_prefixes=("pior_",))
