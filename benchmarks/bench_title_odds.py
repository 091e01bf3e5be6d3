"""How separable one predictor's title odds are from others', and how sure it was.

A backtest's title log loss has one outcome a season, so five test seasons are five
champions. This reads a backtest run's ``backtest_odds.csv.gz`` and ``backtest.json``
and prints, for ``--predictor`` against each of ``--against``:

* each season's title log loss (-ln of the odds the champion got) and the mean difference
  with a bootstrap interval over seasons (seasons resampled, ``bootstrap_ci_over_groups``);
* how sure each was: the mean of each season's largest title odds, and how many of those
  favourites won;
* each season's postseason log loss from ``backtest.json`` (its play-in and playoff games,
  each forecast the day after the regular season: the probabilities the title odds are
  simulated with). ``backtest_games.csv.gz``'s postseason rows are not these: they are
  forecast on each game's own day by the regular-season model.

Run: python benchmarks/bench_title_odds.py RUN [--predictor model_ab]
     [--against srs,point_diff,win_pct,elo_calibrated,rapm]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.evaluation import metrics as m

N_BOOT, SEED = 2000, 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--predictor", default="model_ab")
    ap.add_argument("--against", default="srs,point_diff,win_pct,elo_calibrated,rapm")
    args = ap.parse_args()
    names = [args.predictor, *args.against.split(",")]
    odds = pd.read_csv(args.run / "backtest_odds.csv.gz")
    missing = [p for p in names if p not in set(odds["predictor"])]
    if missing:
        raise SystemExit(f"{args.run}: no title odds of {missing}")
    odds = odds[odds["predictor"].isin(names)]
    champ = odds[odds["won_title"].astype(bool)].pivot(index="season", columns="predictor",
                                                       values="p_title")[names]
    if champ.isna().any().any() or (champ <= 0).any().any():
        raise SystemExit(f"{args.run}: a champion without positive title odds:\n{champ}")
    title_ll = -np.log(champ)
    fav = odds.loc[odds.groupby(["season", "predictor"])["p_title"].idxmax()]
    sure = fav.groupby("predictor")["p_title"].mean()
    fav_won = fav.groupby("predictor")["won_title"].sum()

    print(f"{args.run}: {len(title_ll)} seasons\n\ntitle log loss per season:")
    print(title_ll.round(3).to_string())
    print(f"\n{'predictor':16s} {'title LL':>8s} {'fav p':>6s} {'fav won':>7s}   "
          f"{args.predictor} - it, seasons resampled [95%]")
    for p in names:
        line = f"{p:16s} {title_ll[p].mean():8.3f} {sure[p]:6.3f} {int(fav_won[p]):7d}"
        if p != args.predictor:
            ci = m.bootstrap_ci_over_groups((title_ll[args.predictor] - title_ll[p]).to_numpy(),
                                            n_boot=N_BOOT, seed=SEED)
            line += f"   {ci.point:+.3f} [{ci.low:+.3f}, {ci.high:+.3f}]"
        print(line)

    per = pd.DataFrame(json.loads((args.run / "backtest.json").read_text())["per_season"])
    post = per[(per["metric"] == "postseason_log_loss") & per["predictor"].isin(names)].pivot(
        index="season", columns="predictor", values="value")[names]
    print("\npostseason log loss per season (the play-in and playoff games, each forecast the "
          "day after the regular season;\nthe run keeps no per-game postseason forecasts, so "
          "no paired interval):")
    print(post.round(4).to_string())
    print("mean " + "  ".join(f"{p} {post[p].mean():.4f}" for p in names))

if __name__ == "__main__":
    main()
