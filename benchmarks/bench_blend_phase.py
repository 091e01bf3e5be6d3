"""Would blend weights that change over the season help? A check on a backtest's games.

Early in a season a team's record says little and the player ratings carry the forecast; late
in it Elo has seen most of the season. A blend whose weights move with the season's phase
(the share of the season's regular-season games already played) could use that. This reads
one backtest run's ``backtest_games.csv.gz`` and re-blends the given predictors' published
game logits, forward-chained by season (each season forecast by a fit on the seasons before
it only):

* ``blend``: logistic of the home win on [1, logit_m ...];
* ``phase``: the same plus [logit_m * (phase - 0.5) ...].

It prints each predictor alone, both blends, and the paired bootstrap of phase minus blend
over the forecast games (negative: phase better). It is a proxy for ``models.stacker``, which
fits on out-of-fold inputs, not on the backtest's published probabilities.

Run: python benchmarks/bench_blend_phase.py RUN --predictors model_a,rapm,elo_calibrated
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.linear_model import LogisticRegression

from truestrength.evaluation import metrics as m

N_BOOT, SEED = 2000, 0


def _design(logits: np.ndarray, phase: np.ndarray, with_phase: bool) -> np.ndarray:
    cols = [np.ones(len(logits)), *logits.T]
    if with_phase:
        cols += [*(logits * (phase - 0.5)[:, None]).T]
    return np.column_stack(cols)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--predictors", default="model_a,rapm,elo_calibrated")
    args = ap.parse_args()
    preds = args.predictors.split(",")
    g = pd.read_csv(args.run / "backtest_games.csv.gz", dtype={"game_id": str})
    g = g[(g["kind"] == "regular") & g["predictor"].isin(preds)]
    key = ["season", "game_id", "predictor"]
    repeats = g[g.duplicated(key)]
    if not repeats.empty:
        # a game listed twice is an error, not averaged: name it, not pandas' reshape error
        r = repeats.iloc[0]
        lines = g.index[(g[key] == r[key]).all(axis=1)] + 2  # the header is line 1
        raise SystemExit(f"{args.run / 'backtest_games.csv.gz'}: {len(repeats)} repeated "
                         f"(game, predictor) row(s); first: game {r['game_id']} of "
                         f"{r['season']}, predictor {r['predictor']}, on lines "
                         f"{', '.join(map(str, lines))}")
    w = (g.pivot(index=["season", "game_id", "game_date", "home_won"],
                 columns="predictor", values="p_home")
         .reset_index().dropna().sort_values(["season", "game_date", "game_id"]))
    missing = [p for p in preds if p not in w.columns]
    if missing:
        raise SystemExit(f"{args.run}: no games of {missing}")
    w["phase"] = (w.groupby("season").cumcount()
                  / w.groupby("season")["game_id"].transform("size"))
    x = logit(w[preds].to_numpy(float))
    y = w["home_won"].to_numpy(bool)
    phase = w["phase"].to_numpy(float)
    seasons = sorted(w["season"].unique())
    if len(seasons) < 2:
        raise SystemExit(f"{args.run}: forward chaining needs two seasons, got {seasons}")
    p = {"blend": [], "phase": []}
    forecast = w["season"].isin(seasons[1:]).to_numpy()
    for k in range(1, len(seasons)):
        train = w["season"].isin(seasons[:k]).to_numpy()
        test = (w["season"] == seasons[k]).to_numpy()
        for name, with_phase in (("blend", False), ("phase", True)):
            fit = LogisticRegression(C=np.inf, fit_intercept=False, max_iter=2000).fit(
                _design(x[train], phase[train], with_phase), y[train])
            p[name].append(fit.predict_proba(_design(x[test], phase[test], with_phase))[:, 1])
            print(f"{name} fitted on {seasons[0]}..{seasons[k - 1]}: weights "
                  f"{np.round(fit.coef_.ravel(), 3).tolist()}")
    yf = y[forecast].astype(float)
    print(f"\n{int(forecast.sum())} games of {seasons[1]}..{seasons[-1]}, log loss:")
    for name in preds:
        print(f"  {name} alone: {m.log_loss(w[name].to_numpy(float)[forecast], yf):.4f}")
    pb, pp = np.concatenate(p["blend"]), np.concatenate(p["phase"])
    print(f"  blend: {m.log_loss(pb, yf):.4f}\n  phase: {m.log_loss(pp, yf):.4f}")
    d = m.paired_bootstrap_diff(m.log_loss, pp, pb, yf, n_boot=N_BOOT, seed=SEED)
    print(f"phase - blend: {d.point:+.4f} [{d.low:+.4f}, {d.high:+.4f}]")


if __name__ == "__main__":
    main()
