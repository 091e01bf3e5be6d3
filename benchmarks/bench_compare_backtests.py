"""Paired comparison of one predictor across two backtest runs on the same games and teams.

The backtest's own paired bootstrap compares predictors *within* a run; comparing Model A
under two settings (e.g. ``model_a.game_loss_weight`` 0 vs 30) needs two runs. This reads
their ``backtest_games.csv.gz`` and ``backtest_team_scores.csv.gz`` and prints, per season and
pooled, the paired bootstrap (same resampled games, resp. teams, for both) of

* regular-season game log loss (B - A; negative = B better), over games;
* Spearman with rest-of-season win% at g20 and g41 (B - A; positive = B better), over teams.

Run: python benchmarks/bench_compare_backtests.py RUN_A RUN_B [--predictor model_a]
     [--predictor-b NAME]   (e.g. compare model_a of RUN_B with elo of RUN_A)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.evaluation import metrics as m

N_BOOT, SEED = 2000, 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--predictor", default="model_a")
    ap.add_argument("--predictor-b", default=None)
    args = ap.parse_args()
    pa, pb = args.predictor, args.predictor_b or args.predictor
    ga = pd.read_csv(args.run_a / "backtest_games.csv.gz", dtype={"game_id": str})
    gb = pd.read_csv(args.run_b / "backtest_games.csv.gz", dtype={"game_id": str})
    key = ["season", "game_id"]
    games = ga[(ga["predictor"] == pa) & (ga["kind"] == "regular")].merge(
        gb[(gb["predictor"] == pb) & (gb["kind"] == "regular")], on=key, suffixes=("_a", "_b"),
        validate="one_to_one")
    if (games["home_won_a"] != games["home_won_b"]).any():
        raise SystemExit("the two runs disagree on game results: not the same games")
    rows = []
    for season, g in [*games.groupby("season"), ("pooled", games)]:
        y = g["home_won_a"].to_numpy(float)
        d = m.paired_bootstrap_diff(m.log_loss, g["p_home_b"].to_numpy(float),
                                    g["p_home_a"].to_numpy(float), y, n_boot=N_BOOT,
                                    seed=SEED)
        rows.append({"season": season, "metric": "game_log_loss", "n": len(g),
                     "A": m.log_loss(g["p_home_a"], y), "B": m.log_loss(g["p_home_b"], y),
                     "B-A": d.point, "low": d.low, "high": d.high,
                     "share B not better": d.share_a_ge_b})
    ta = pd.read_csv(args.run_a / "backtest_team_scores.csv.gz")
    tb = pd.read_csv(args.run_b / "backtest_team_scores.csv.gz")
    teams = ta[ta["predictor"] == pa].merge(tb[tb["predictor"] == pb],
                                            on=["season", "point", "team_id"],
                                            suffixes=("_a", "_b"), validate="one_to_one")
    for (season, point), g in teams[teams["point"].isin(["g20", "g41"])].groupby(
            ["season", "point"]):
        t = g["true_rank_a"].to_numpy(float)
        d = m.paired_bootstrap_diff(m.spearman, g["score_b"].to_numpy(float),
                                    g["score_a"].to_numpy(float), t, n_boot=N_BOOT, seed=SEED)
        rows.append({"season": season, "metric": f"ros_spearman@{point}", "n": len(g),
                     "A": m.spearman(g["score_a"], t), "B": m.spearman(g["score_b"], t),
                     "B-A": d.point, "low": d.low, "high": d.high,
                     "share B not better": d.share_a_le_b})
    out = pd.DataFrame(rows)
    print(f"A = {pa} of {args.run_a}, B = {pb} of {args.run_b}; paired bootstrap {N_BOOT}, "
          f"95% interval")
    with pd.option_context("display.width", 160):
        print(out.round(4).to_string(index=False))
    print("\nSpearman, mean over seasons (B-A: each season's teams resampled within it, the "
          "same resample for A and B, and the season differences averaged):")
    for point in ("g20", "g41"):
        per = [g for _, g in teams[teams["point"] == point].groupby("season")]
        if not per:
            continue
        a, b, d = _mean_over_seasons(per)
        print(f"ros_spearman@{point}: A {a:.4f}  B {b:.4f}  B-A {d.point:+.4f} "
              f"[{d.low:+.4f}, {d.high:+.4f}]  share B not better {d.share_a_le_b:.3f}")


def _mean_over_seasons(per: list[pd.DataFrame]) -> tuple[float, float, m.PairedDiff]:
    rng = np.random.default_rng(SEED)
    diffs = np.zeros(N_BOOT)
    a_mean = b_mean = 0.0
    for g in per:
        t = g["true_rank_a"].to_numpy(float)
        sa, sb = g["score_a"].to_numpy(float), g["score_b"].to_numpy(float)
        a_mean += m.spearman(sa, t) / len(per)
        b_mean += m.spearman(sb, t) / len(per)
        idx = rng.integers(0, len(t), size=(N_BOOT, len(t)))
        for k in range(N_BOOT):
            i = idx[k]
            if np.ptp(t[i]) == 0 or np.ptp(sa[i]) == 0 or np.ptp(sb[i]) == 0:
                continue  # a degenerate resample of identical teams: no rank order
            diffs[k] += (m.spearman(sb[i], t[i]) - m.spearman(sa[i], t[i])) / len(per)
    low, high = np.quantile(diffs, [0.025, 0.975])
    return a_mean, b_mean, m.PairedDiff(b_mean - a_mean, float(low), float(high),
                                        share_a_le_b=float(np.mean(diffs <= 0)),
                                        share_a_ge_b=float(np.mean(diffs >= 0)))


if __name__ == "__main__":
    main()
