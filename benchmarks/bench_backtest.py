"""Wall time of the full baseline backtest over ../shared/data (target: under 60 s).

Loads the real data into a temporary store, then runs every baseline over the default test
seasons (the last three: 2021-22, 2022-23, 2023-24) and prints the table that goes in
BENCHMARKS.md.  Run: python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from truestrength.app.predictors import predictor_factories
from truestrength.base.config import BacktestSection, Config
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store
from truestrength.evaluation.backtest import backtest
from truestrength.models.baselines import BASELINES

from _common import peak_rss_mib, require_real_data


def main() -> None:
    nba = require_real_data()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.duckdb") as store:
        ingest_files(store, [nba])
        data = store.league()
    t0 = time.perf_counter()
    factories = predictor_factories(list(BASELINES), Config())
    result = backtest(data, factories, BacktestSection(n_boot=1000), progress=False)
    wall = time.perf_counter() - t0
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(result.table().T.round(3).to_string())
    print(f"\ntest seasons: {result.meta.test_seasons}  data hash: {result.meta.data_hash}")
    print(f"baseline backtest wall time: {wall:.1f} s (target < 60 s); "
          f"peak memory {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
