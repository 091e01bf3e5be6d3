"""How many teams do the Sleeper / Paper Tiger labels flag on real dates? (issue 12)

For each trained run and date (``RUN:DATE[,DATE...]``), predicts the date with the run and
counts the teams whose projected final conference rank (record to date plus the simulated
games left) is at least m places from today's standings rank, for m = 1..4, and the labels
this version's default margin gives. The acceptance: between 2 and 10 teams flagged on a typical
mid-season date. Use validation seasons only (runs trained up to 2016-17 / 2017-18,
predicting 2017-18 / 2018-19), never a test season.

Run: python benchmarks/bench_labels.py --db STORE --out DIR
         RUN:2018-12-15,2019-01-15 [RUN:DATE,...]
Prints one table. A prediction takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from truestrength.app.runs import predict
from truestrength.app.store import load_data
from truestrength.base.config import PredictSection
from truestrength.training.ensemble import run_config

MARGINS = (1, 2, 3, 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="folder for the predictions")
    ap.add_argument("runs", nargs="+", help="RUN:DATE[,DATE...]")
    args = ap.parse_args()
    data = load_data(args.db)
    default = PredictSection().label_margin
    print(f"| run | date | median games | {' | '.join(f'|gap| >= {m}' for m in MARGINS)} "
          f"| Sleeper | Paper Tiger | seconds |")
    print("|---|---|---|" + "---|" * (len(MARGINS) + 3))
    for spec in args.runs:
        run, _, dates = spec.rpartition(":")
        for date in dates.split(","):
            t0 = time.perf_counter()
            # the run's configuration with this version's label settings
            config = run_config(Path(run)).model_copy(update={"predict": PredictSection()})
            table = predict(data, config, Path(run), date, args.out,
                            force=True).predictions.table
            gap = (table["standings_rank"] - table["projected_rank"]).abs()
            counts = " | ".join(str(int((gap >= m).sum())) for m in MARGINS)
            labels = table["label"].value_counts()
            print(f"| {Path(run).name} | {date} | {(table['wins'] + table['losses']).median():.0f} "
                  f"| {counts} | {labels.get('Sleeper', 0)} | {labels.get('Paper Tiger', 0)} "
                  f"| {time.perf_counter() - t0:.0f} |", flush=True)
    print(f"(labels with this version's default margin, {default} places)")


if __name__ == "__main__":
    main()
