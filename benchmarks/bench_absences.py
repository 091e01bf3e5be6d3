"""How long absences last on real data (issue 10): the hazard ``features.absence_model``
learns from the seasons before the test seasons (2015-16 .. 2018-19), as a table of
P(back for the next game | missed k) and the median further games missed, for k = 1, 3, 5,
10, 20, at the default rotation rule (and at 25 minutes, the regular starters).

Run: python benchmarks/bench_absences.py --db STORE   (a store with the real data ingested:
truestrength ingest ../shared/data/nba --db STORE)
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from truestrength.base.config import AvailabilitySection, Config
from truestrength.data.store import Store
from truestrength.features.absence_model import AbsenceModel

SEASONS = ["2015-16", "2016-17", "2017-18", "2018-19"]
KS = (1, 3, 5, 10, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    store = Store(args.db)
    data = store.league().restrict_seasons(SEASONS)
    # fitted the day after the last regular-season game of 2018-19: nothing of 2019-20 on
    date = data.standings_games("2018-19")["game_date"].max() + pd.Timedelta(days=1)
    cfg = Config()
    for minutes in (cfg.availability.rotation_min_minutes, 25.0):
        section = cfg.availability.model_copy(update={"rotation_min_minutes": minutes})
        t0 = time.perf_counter()
        m = AbsenceModel(AvailabilitySection(**section.model_dump()),
                         cfg.roster.recent_games).fit(data, date)
        secs = time.perf_counter() - t0
        print(f"\nrotation >= {minutes:g} min over the last {cfg.roster.recent_games} games: "
              f"{m.n_spells_} spells ({m.n_returned_} returned, "
              f"{m.n_spells_ - m.n_returned_} censored), fitted in {secs:.2f} s")
        print("| k missed | at risk | back next | P(back next) raw | P(back next) | "
              "median further missed |")
        print("|---|---|---|---|---|---|")
        for k in KS:
            row = m.table_[k - 1] if k <= len(m.table_) else None
            n, d = (row.at_risk, row.returned) if row else (0, 0)
            raw = f"{row.raw:.3f}" if row and n else "—"
            print(f"| {k} | {n} | {d} | {raw} | {float(m.hazard(k)):.3f} | "
                  f"{m.quantile(k, horizon=82)} |")
    store.close()


if __name__ == "__main__":
    main()
