"""Wall time and peak memory to ingest all of ../shared/data into a new store.

Target: under 20 s and under 1 GiB on 2 cores.  Run: python benchmarks/bench_ingest.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store

from _common import peak_rss_mib, require_real_data


def main() -> None:
    nba = require_real_data()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with Store(Path(tmp) / "bench.duckdb") as store:
            report = ingest_files(store, [nba])
            counts = store.counts()
        wall = time.perf_counter() - t0
        t1 = time.perf_counter()
        with Store(Path(tmp) / "bench.duckdb") as store:
            again = ingest_files(store, [nba])
        rerun = time.perf_counter() - t1
    print(f"files: {len(report.files)}  games: {counts['games']}  player rows: "
          f"{counts['player_game_logs']}  team rows: {counts['team_game_logs']}  series: "
          f"{counts['playoff_series']}")
    print(f"ingest wall time: {wall:.2f} s (target < 20 s)")
    print(f"re-ingest (idempotent, changed={again.changed}): {rerun:.2f} s")
    print(f"peak memory: {peak_rss_mib():.0f} MiB (target < 1024 MiB)")


if __name__ == "__main__":
    main()
