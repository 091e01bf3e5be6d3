"""The ridge stacker: fitted weights are what prediction uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truestrength.models.stacker import Stacker, standardise_within_lists


def frame(n_dates=30, teams=30, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_dates):
        truth = rng.normal(size=teams)
        good = truth + rng.normal(scale=0.3, size=teams)
        noisy = 100 + 50 * (truth + rng.normal(scale=2.0, size=teams))  # other scale, noisier
        for t in range(teams):
            rows.append(("2030-31", pd.Timestamp("2030-11-01") + pd.Timedelta(days=d),
                         "E" if t < 15 else "W", t + 1, good[t], noisy[t], truth[t]))
    return pd.DataFrame(rows, columns=["season", "date", "conference", "team_id", "a", "b",
                                       "target"])


def test_standardise_within_lists():
    f = frame(n_dates=2)
    z = standardise_within_lists(f, "b")
    g = z.groupby(f["date"])
    assert np.allclose(g.mean(), 0) and np.allclose(g.std(ddof=0), 1)


def test_weights_favour_the_better_model_and_drive_the_output():
    f = frame()
    st = Stacker.fit(f, ["a", "b"])
    assert st.weights[0] > 3 * st.weights[1] > 0
    out = st.combine(f)
    # changing the weights changes the output: the blend is what prediction uses
    other = Stacker(st.models, st.weights[::-1].copy(), st.alpha, st.n_rows)
    assert not np.allclose(out, other.combine(f))
    manual = (st.weights[0] * standardise_within_lists(f, "a")
              + st.weights[1] * standardise_within_lists(f, "b"))
    np.testing.assert_allclose(out, manual)
    assert Stacker.from_dict(st.to_dict()).weights.tolist() == st.weights.tolist()
    assert "a +" in st.describe()


def test_missing_columns_are_an_error():
    with pytest.raises(ValueError, match="lacks column"):
        Stacker.fit(frame(n_dates=1).drop(columns=["b"]), ["a", "b"])
