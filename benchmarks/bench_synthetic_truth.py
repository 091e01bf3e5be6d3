"""How well each predictor recovers the synthetic league's true strengths.

Generates a 5-season synthetic league (seed 0), ingests it, fits each predictor on the
seasons before each of the last two, and prints the Spearman between its scores and the true
strengths at each as-of point.  Run: python benchmarks/bench_synthetic_truth.py [--model-a]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from truestrength.app.predictors import predictor_factories
from truestrength.base.config import Config, SynthSection
from truestrength.data.synth import synthetic_store
from truestrength.evaluation.truth import agreement_with_truth, read_truth


def main() -> None:
    names = ["win_pct", "point_diff", "srs", "elo", "prev_rank"]
    if "--model-a" in sys.argv:
        names.append("model_a")
    with tempfile.TemporaryDirectory() as tmp:
        league = Path(tmp) / "league"
        data = synthetic_store(league, Path(tmp) / "s.duckdb",
                               SynthSection(n_seasons=5, seed=0)).data
        truth = read_truth(league)
    t0 = time.perf_counter()
    factories = predictor_factories(names, Config())
    rows = agreement_with_truth(data, truth, factories, data.seasons[-2:])
    table = rows.pivot_table(index="predictor", columns="point", values="spearman_truth")
    with pd.option_context("display.width", 160):
        print(table.reindex(names)[["g10", "g20", "g41", "g61", "end"]].round(3).to_string())
    print(f"\nseasons {data.seasons[-2:]} (mean of the two), {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
