"""How separable one predictor's title odds are from others', and how sure it was.

A backtest's title log loss has one outcome a season, so five test seasons are five
champions. This reads a backtest run's ``backtest_odds.csv.gz`` and ``backtest.json``
and prints, for ``--predictor`` against each of ``--against``:

* each season's title log loss (-ln of the odds the champion got, the backtest's own
  figure) and the mean difference, with a bootstrap interval over seasons (seasons
  resampled, ``bootstrap_ci_over_groups``) and an exact sign-flip p: over five seasons the
  percentile interval is too narrow to call anything separable, the sign-flip p is not;
* how sure each was: the mean of each season's largest title odds, and how many of those
  favourites won;
* each season's postseason log loss from ``backtest.json`` (its play-in and playoff games,
  each forecast the day after the regular season: the probabilities the title odds are
  simulated with, before the simulation's strength shocks). ``backtest_games.csv.gz``'s
  postseason rows are not these: they are forecast on each game's own day by the
  regular-season model.

Run: python benchmarks/bench_title_odds.py RUN [--predictor model_ab]
     [--against srs,point_diff,win_pct,elo_calibrated,rapm]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import permutation_test

from truestrength.evaluation import metrics as m

N_BOOT, SEED = 2000, 0


def sign_flip_p(d: np.ndarray) -> float:
    """Exact two-sided p of a mean difference of 0, every season's sign flipped every way
    (scipy's permutation test, all 2^G): a percentile bootstrap over a handful of seasons
    gives intervals far too narrow. With 5 seasons the smallest p is 2/32 = 0.0625."""
    return float(permutation_test((d,), np.mean, permutation_type="samples",
                                  n_resamples=np.inf).pvalue)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--predictor", default="model_ab")
    ap.add_argument("--against", default="srs,point_diff,win_pct,elo_calibrated,rapm")
    args = ap.parse_args()
    names = [args.predictor, *args.against.split(",")]
    per = pd.DataFrame(json.loads((args.run / "backtest.json").read_text())["per_season"])
    per = per[per["predictor"].isin(names)]
    missing = [p for p in names if p not in set(per["predictor"])]
    if missing:
        raise SystemExit(f"{args.run}: no figures of {missing}")

    def metric(name: str) -> pd.DataFrame:
        return per[per["metric"] == name].pivot(index="season", columns="predictor",
                                                values="value")[names]

    # the backtest's own figure (its clipping), not -ln of the rounded odds file
    title_ll = metric("title_log_loss")
    odds = pd.read_csv(args.run / "backtest_odds.csv.gz")
    odds = odds[odds["predictor"].isin(names)]
    fav = odds.loc[odds.groupby(["season", "predictor"])["p_title"].idxmax()]
    sure = fav.groupby("predictor")["p_title"].mean()
    fav_won = fav.groupby("predictor")["won_title"].sum()

    print(f"{args.run}: {len(title_ll)} seasons\n\ntitle log loss per season:")
    print(title_ll.round(3).to_string())
    print(f"\n{'predictor':16s} {'title LL':>8s} {'fav p':>6s} {'fav won':>7s}   "
          f"{args.predictor} - it: seasons resampled [95%]; exact sign-flip p")
    for p in names:
        line = f"{p:16s} {title_ll[p].mean():8.3f} {sure[p]:6.3f} {int(fav_won[p]):7d}"
        if p != args.predictor:
            d = (title_ll[args.predictor] - title_ll[p]).to_numpy(float)
            ci = m.bootstrap_ci_over_groups(d, n_boot=N_BOOT, seed=SEED)
            line += (f"   {ci.point:+.3f} [{ci.low:+.3f}, {ci.high:+.3f}]; "
                     f"p {sign_flip_p(d):.3f}")
        print(line)

    post = metric("postseason_log_loss")
    print("\npostseason log loss per season (the play-in and playoff games, each forecast the "
          "day after the regular season,\nbefore the simulation's strength shocks; the run "
          "keeps no per-game postseason forecasts, so no paired interval):")
    print(post.round(4).to_string())
    print("mean of the season means: "
          + "  ".join(f"{p} {post[p].mean():.4f}" for p in names))


if __name__ == "__main__":
    main()
