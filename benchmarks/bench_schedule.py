"""How close the expected rest-of-season schedule is to the real one.

For a season cut after 25%, 50% and 75% of its standings games, the share of the remaining
games played within a conference: the real remaining games vs ``expected_schedule`` (the
fallback ``predict`` uses when the store holds no schedule), plus the time to draw it. The
issue's target: within 5 points. Synthetic league (seed 0, three seasons) always; the real
seasons 2011-12 (66 games), 2020-21 (72) and 2022-23 with ``--real``.

Run: python benchmarks/bench_schedule.py [--real]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.base.config import SynthSection
from truestrength.base.league import LeagueData
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store
from truestrength.data.synth import synthetic_store
from truestrength.inference.schedule import expected_schedule

from _common import require_real_data


def intra_share(games: pd.DataFrame, conference: pd.Series) -> float:
    home = conference.reindex(games["home_team_id"]).to_numpy()
    road = conference.reindex(games["road_team_id"]).to_numpy()
    return float(np.mean(home == road))


def rows(data: LeagueData, season: str, label: str) -> list[tuple]:
    conf = data.conference_of(season)
    games = data.standings_games(season).sort_values(["game_date", "game_id"])
    out = []
    for frac in (0.25, 0.5, 0.75):
        cut = pd.Timestamp(games["game_date"].iloc[int(frac * len(games))])
        real = games[games["game_date"] >= cut]
        t0 = time.perf_counter()
        drawn = expected_schedule(data.before(cut), season, seed=0)
        seconds = time.perf_counter() - t0
        out.append((label, season, f"{frac:.0%}", len(real), len(drawn),
                    intra_share(real, conf), intra_share(drawn, conf), seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", action="store_true")
    args = parser.parse_args()
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        synth = synthetic_store(Path(tmp) / "league", Path(tmp) / "s.duckdb",
                                SynthSection(n_seasons=3, seed=0))
        for season in synth.data.seasons:
            table += rows(synth.data, season, "synthetic")
        if args.real:
            nba = require_real_data()
            with Store(Path(tmp) / "real.duckdb") as store:
                ingest_files(store, [nba / "games" / f"{s}.csv.gz"
                                     for s in ("2011-12", "2020-21", "2022-23")])
                real = store.league()
            for season in ("2011-12", "2020-21", "2022-23"):
                table += rows(real, season, "real")
    print(f"{'league':<10} {'season':<8} {'cut':>4} {'real n':>7} {'exp n':>6} "
          f"{'real intra':>10} {'exp intra':>9} {'gap (pts)':>9} {'s':>6}")
    for league, season, cut, n_real, n_exp, a, b, s in table:
        print(f"{league:<10} {season:<8} {cut:>4} {n_real:>7} {n_exp:>6} {a:>10.3f} "
              f"{b:>9.3f} {100 * (b - a):>+9.1f} {s:>6.2f}")
    worst = max(abs(b - a) for *_, a, b, _ in table)
    print(f"largest gap: {100 * worst:.1f} points (target: within 5)")


if __name__ == "__main__":
    main()
