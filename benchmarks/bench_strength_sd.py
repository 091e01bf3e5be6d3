"""How well a postseason's few series pin down the strength sd (``models.postseason``).

Series are drawn with known game logits (home-court team at home ~ N(0.4, 0.6), on the road
0.6 lower, as an NBA playoff field) and a true sd of each team's strength shock; the sd is
then fitted exactly as ``fit_postseason`` fits it (``fit_strength_sd``). Printed per true sd
and number of series: the share of draws whose fit is at most ``--small``, and the 10th, 50th
and 90th percentiles of the fitted sd. No data are read.

Run: python benchmarks/bench_strength_sd.py --series 100,1000 --true 0,0.25,0.5 --draws 200
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.special import expit

from truestrength.base.game_model import series_win_prob
from truestrength.models.postseason import fit_strength_sd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", default="100,1000", help="comma list of series counts")
    ap.add_argument("--true", default="0,0.25,0.5", help="comma list of true sds (logits)")
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--small", type=float, default=0.15)
    args = ap.parse_args()
    for n in (int(v) for v in args.series.split(",")):
        for true_sd in (float(v) for v in args.true.split(",")):
            fits = []
            for seed in range(args.draws):
                rng = np.random.default_rng(seed)
                lh = rng.normal(0.4, 0.6, n)
                lr = lh - 0.6
                d = rng.normal(0, np.sqrt(2) * true_sd, n)
                won = rng.random(n) < series_win_prob(expit(lh + d), expit(lr + d))
                fits.append(fit_strength_sd(lh, lr, won)[0])
            f = np.array(fits)
            q = np.quantile(f, [0.1, 0.5, 0.9])
            print(f"{n:5d} series, true sd {true_sd:.2f}: fit <= {args.small:g} in "
                  f"{np.mean(f <= args.small + 1e-9):.0%} of {args.draws}; fitted sd "
                  f"p10/p50/p90 {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f}", flush=True)


if __name__ == "__main__":
    main()
