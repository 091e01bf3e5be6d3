"""What the blend publishes, trained before each season, for several sets of inputs.

For each season S and each ``--inputs`` set, fits A+B on the store's seasons before S (as the
backtest does) and prints the stacker's choice, weights and forward-chained log losses
(``Stacker.describe``). The backtest keeps no fitted model; this shows what it published.
Model A's out-of-fold fits are shared between the input sets (``base.memo``). Use validation
seasons only (2017-18, 2018-19), never a test season.

Run: python benchmarks/bench_blend_choice.py --db STORE --seasons 2017-18,2018-19
         --inputs model_a,model_b,elo --inputs model_a,elo,rapm [-c CONFIG.yaml]
About two minutes per season on 2 cores (Model A's folds), then seconds per input set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from truestrength.app.store import load_data
from truestrength.base import memo
from truestrength.base.config import Config, load_config, with_overrides
from truestrength.training.ensemble import EnsembleAB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seasons", required=True, help="comma list of seasons to train before")
    ap.add_argument("--inputs", action="append", required=True,
                    help="comma list of blend inputs; repeat for several sets")
    ap.add_argument("-c", "--config", type=Path, default=None)
    args = ap.parse_args()
    base = load_config(args.config) if args.config else Config()
    data = load_data(args.db)
    with memo.reusing_fits():
        for season in args.seasons.split(","):
            # the backtest's history: every stored season before S (Model B and Elo read
            # the seasons before the player logs too)
            history = data.restrict_seasons([s for s in data.seasons if s < season])
            for inputs in args.inputs:
                config = with_overrides(base, "blend", inputs=inputs.split(","))
                model = EnsembleAB(config).fit(history)
                print(f"trained before {season}, inputs {inputs}:\n    "
                      f"{model.fit_.stacker.describe()}", flush=True)


if __name__ == "__main__":
    main()
