"""The blend on game results: it recovers known weights, gives noise no weight, and publishes
its best input when it is worse forward-chained beyond the check's noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import BlendSection
from truestrength.base.errors import ModelError
from truestrength.models.stacker import (
    BlendFit,
    Stacker,
    half_season_blocks,
    input_values,
    standardise_within_lists,
)

INPUTS = ["model_a", "model_b", "elo"]
BLEND = BlendSection()


def fit(frame: pd.DataFrame, fallback_z: float = BLEND.fallback_z) -> Stacker:
    """The stacker with the configuration's defaults (``fallback_z`` unless given)."""
    return Stacker.fit(frame, INPUTS, l2=BLEND.l2, fallback_z=fallback_z)


def games(weights, *, n_per_season=6000, seasons=("2030-31", "2031-32"), home=0.35,
          b2b=-0.25, seed=0, flip_b_after=None):
    """Games whose home side wins with P = sigmoid(home * (not neutral) + b2b * (home b2b
    - road b2b) + weights · x), a quarter of the games with a back-to-back on one side,
    x ~ N(0, 2) per input (a difference of two teams' unit-variance values). With
    ``flip_b_after`` the weight of model_b changes sign from that block on."""
    rng = np.random.default_rng(seed)
    parts = []
    for season in seasons:
        start = pd.Timestamp(f"{season[:4]}-10-20")
        date = start + pd.to_timedelta(rng.integers(0, 170, n_per_season), "D")
        x = rng.normal(scale=np.sqrt(2.0), size=(n_per_season, len(weights)))
        neutral = rng.random(n_per_season) < 0.05
        rest = rng.choice([-1, 0, 0, 0, 0, 0, 0, 1], n_per_season)
        parts.append(pd.DataFrame({"season": season, "date": date, "neutral_site": neutral,
                                   "b2b": rest,
                                   **{m: x[:, i] for i, m in enumerate(INPUTS)}}))
    frame = pd.concat(parts, ignore_index=True).sort_values("date", ignore_index=True)
    w = np.tile(np.asarray(weights, float), (len(frame), 1))
    if flip_b_after is not None:
        block = half_season_blocks(frame["season"], frame["date"])
        w[block >= flip_b_after, 1] *= -1
    logit = (home * ~frame["neutral_site"].to_numpy() + b2b * frame["b2b"].to_numpy()
             + (frame[INPUTS].to_numpy() * w).sum(1))
    frame["home_won"] = rng.random(len(frame)) < 1 / (1 + np.exp(-logit))
    return frame


def test_the_blend_recovers_the_weights_it_was_generated_with():
    st = fit(games([0.6, 0.25, 0.4]))
    blend = st.candidates["blend"]
    # 12,000 games: a weight's standard error is about 0.012
    np.testing.assert_allclose(blend.weights, [0.6, 0.25, 0.4], atol=0.05)
    assert blend.home_advantage == pytest.approx(0.35, abs=0.06)
    # 3,000 games with a back-to-back on one side: its standard error is about 0.04
    assert blend.back_to_back == pytest.approx(-0.25, abs=0.12)
    assert st.win_model.back_to_back == blend.back_to_back
    # every input carries signal the others lack: the blend beats each alone and is published
    assert st.choice == "blend" and st.models == tuple(INPUTS)
    assert st.nested_log_loss["blend"] < min(st.nested_log_loss[m] for m in INPUTS)
    # three forward-chained half-seasons (the first is only fitted on)
    assert st.nested_games == pytest.approx(12000 * 3 / 4, rel=0.02)


def test_an_input_of_pure_noise_gets_no_weight():
    st = fit(games([0.7, 0.0, 0.3], seed=1))
    w = dict(zip(st.candidates["blend"].inputs, st.candidates["blend"].weights, strict=True))
    assert abs(w["model_b"]) < 0.04
    assert w["model_a"] == pytest.approx(0.7, abs=0.05)
    # alone, the noise forecasts no better than the home edge
    assert st.nested_log_loss["model_b"] > st.nested_log_loss["model_a"] + 0.05


def test_a_blend_worse_than_its_best_input_publishes_that_input():
    # model_b predicts in the first half-season and predicts backwards after it: every
    # forward-chained fit gives it weight learnt from the past that the future punishes.
    g = games([0.8, 0.5, 0.0], seed=2, flip_b_after=1)
    st = fit(g)
    assert st.nested_log_loss["blend"] > st.nested_log_loss["model_a"]
    # by far more than the check's noise
    assert st.nested_margin > BLEND.fallback_z * st.nested_margin_se
    assert st.choice == "model_a" and st.models == ("model_a",)
    # published = model_a's own logistic, and its game model carries its home edge
    assert st.published is st.candidates["model_a"]
    assert st.win_model.home_advantage == st.published.home_advantage
    assert st.win_model.slope == 1.0
    frame = pd.DataFrame({"season": "2032-33", "date": pd.Timestamp("2032-11-01"),
                          "model_a": [1.0, 3.0], "model_b": [5.0, -5.0], "elo": [1400., 1600.]})
    s = st.combine(frame)
    np.testing.assert_allclose(s, st.weights[0] * np.array([-1.0, 1.0]))
    assert "published model_a" in st.describe()


def test_a_blend_worse_only_within_the_checks_noise_is_still_published():
    # 800 games, two of the inputs pure noise: forward-chained, the blend trails model_a by
    # less than half a standard error of the paired difference
    g = games([0.7, 0.0, 0.0], n_per_season=400, seed=4)
    strict, st = fit(g, fallback_z=0.0), fit(g)
    margin = st.nested_log_loss["blend"] - st.nested_log_loss["model_a"]
    assert st.nested_margin == pytest.approx(margin, abs=1e-12)
    assert 0 < st.nested_margin < 0.5 * st.nested_margin_se
    assert strict.choice == "model_a"  # the strict rule falls back on any shortfall
    assert st.choice == "blend" and st.models == tuple(INPUTS)
    assert "falls back beyond 1.96 standard errors" in st.describe()


def test_inputs_are_standardised_within_a_date_except_elo_in_points():
    f = pd.DataFrame({"season": "2030-31", "date": pd.Timestamp("2030-11-01"),
                      "model_a": [1.0, 2.0, 6.0], "elo": [1400.0, 1500.0, 1630.0]})
    z = standardise_within_lists(f, "model_a")
    assert z.mean() == pytest.approx(0) and z.std(ddof=0) == pytest.approx(1)
    np.testing.assert_allclose(input_values(f, "model_a"), z)
    np.testing.assert_allclose(input_values(f, "elo"), [-1.1, -0.1, 1.2])
    # several dates: each its own list, as each date alone gives it (one date is computed
    # apart, without a groupby); a constant input is 0
    g = pd.concat([f, f.assign(date=pd.Timestamp("2030-11-02"), model_a=[5.0, 5.0, 5.0],
                               elo=[1500.0, 1510.0, 1490.0])], ignore_index=True)
    for col in ("model_a", "elo"):
        both = input_values(g, col).to_numpy()
        np.testing.assert_allclose(both[:3], input_values(f, col), atol=1e-12)
        np.testing.assert_allclose(both[3:], input_values(g.iloc[3:], col), atol=1e-12)
    np.testing.assert_array_equal(input_values(g.iloc[3:], "model_a"), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(input_values(g.iloc[3:], "elo"), [0.0, 0.1, -0.1], atol=1e-12)
    # a missing value stays missing and the others are standardised among themselves
    h = f.assign(model_a=[1.0, np.nan, 3.0], elo=[1400.0, np.nan, 1600.0])
    np.testing.assert_allclose(input_values(h, "model_a"), [-1.0, np.nan, 1.0])
    np.testing.assert_allclose(input_values(h, "elo"), [-1.0, np.nan, 1.0])


def test_round_trip_and_errors():
    st = fit(games([0.5, 0.3, 0.2], n_per_season=2000, seed=3))
    back = Stacker.from_dict(st.to_dict())
    assert back.choice == st.choice and back.nested_log_loss == st.nested_log_loss
    assert (back.nested_margin, back.nested_margin_se, back.fallback_z) == (
        st.nested_margin, st.nested_margin_se, st.fallback_z)
    np.testing.assert_array_equal(back.weights, st.weights)
    assert st.to_dict()["input_scales"] == {"model_a": "z within date",
                                            "model_b": "z within date", "elo": 100.0}
    with pytest.raises(ValueError, match="lacks column"):
        fit(games([0.5, 0.3, 0.2]).drop(columns=["elo"]))
    # one date cannot be split in time: nothing to check the blend on
    one_day = games([0.5, 0.3, 0.2], n_per_season=500, seasons=("2030-31",))
    with pytest.raises(ModelError, match="fewer than two half-seasons"):
        fit(one_day.assign(date=pd.Timestamp("2030-11-01")))
    with pytest.raises(ValueError, match="needs scores"):
        Stacker(BlendFit(("elo",), np.array([1.0]), 0.0, 1), "elo", {}, {}, 0).combine(
            pd.DataFrame({"season": ["x"], "date": [pd.Timestamp("2030-11-01")]}))
