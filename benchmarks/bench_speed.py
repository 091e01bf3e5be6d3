"""Wall-clock (and CPU-time) figures that used to be asserted in unit tests, now measured.

Prints one line per figure: what was measured, the time, its target and whether the target
was met. Never fails on a missed target (exit status 0): timings depend on the machine and on
what else runs on it.

Always: (a) bootstrap CI of Spearman, 2,000 resamples, 30 teams; (b) 10,000 and 50,000 Monte
Carlo seasons from a full 1,230-game schedule; (c) 200 Adam steps of Model A's network on the tiny
ranking problem, single-threaded, CPU time. With ``--real`` (and ../shared/data present):
(d) roster snapshots of the nine real seasons; (e) Model B's team context of every real
season; (f) a roster-snapshot cache hit against a build.

Run: python benchmarks/bench_speed.py [--real]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from _common import SHARED_NBA

NAME_WIDTH = 58


def report(name: str, seconds: float, target: float, unit: str = "s wall",
           note: str = "") -> None:
    ok = seconds < target
    print(f"{name:<{NAME_WIDTH}} {seconds:8.3f} {unit:<6}  target < {target:.3f}  "
          f"{'met' if ok else 'MISSED'}{'  ' + note if note else ''}")


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# -- (a) bootstrap ---------------------------------------------------------------------------
def bench_bootstrap() -> None:
    from truestrength.evaluation import metrics

    rng = np.random.default_rng(0)  # a 30-team league: scores correlated with the true order
    strength = rng.normal(size=30)
    scores = strength + rng.normal(scale=0.8, size=30)
    true_rank = stats.rankdata(-(strength + rng.normal(scale=0.3, size=30)))
    _, wall = timed(lambda: metrics.bootstrap_ci(metrics.spearman, scores, true_rank,
                                                 n_boot=2000))
    report("(a) bootstrap_ci(spearman), 30 teams, n_boot=2000", wall, 1.0)


# -- (b) season simulation -------------------------------------------------------------------
def bench_simulation() -> None:
    from truestrength.base.config import SimulationSection
    from truestrength.inference.simulate import SeasonState, logistic_win_prob, simulate_season

    teams = np.arange(1001, 1031, dtype=np.int64)
    conference = np.array(["E"] * 15 + ["W"] * 15)
    rng = np.random.default_rng(5)
    pairs = np.array([(h, r) for h in teams for r in teams if h != r])  # 870
    sched = np.concatenate([pairs, pairs[rng.choice(len(pairs), 360, replace=False)]])
    remaining = pd.DataFrame({"home_team_id": sched[:, 0], "road_team_id": sched[:, 1],
                              "neutral_site": False})
    zeros = np.zeros(30, dtype=np.int64)
    state = SeasonState("2030-31", pd.Timestamp("2030-10-20"), teams, conference, zeros, zeros,
                        zeros, remaining)
    strengths = pd.Series(np.random.default_rng(0).normal(0, 1, 30), index=teams)
    win_prob = logistic_win_prob(strengths, home_advantage_logit=0.3, slope=0.8)
    simulate_season(state, win_prob, SimulationSection(n_sims=100))  # warm-up
    _, wall = timed(lambda: simulate_season(state, win_prob, SimulationSection(n_sims=10_000)))
    report(f"(b) simulate_season, 10,000 sims, {len(remaining):,} games left", wall, 5.0)
    # issue 11's target: 50,000 seasons under a second
    _, wall = timed(lambda: simulate_season(state, win_prob, SimulationSection(n_sims=50_000)))
    report(f"(b') simulate_season, 50,000 sims, {len(remaining):,} games left", wall, 1.0)


# -- (c) tiny ranking overfit ----------------------------------------------------------------
def bench_tiny_overfit() -> None:
    import torch

    from truestrength.models.model_a.diagnostics import make_toy_ranking_problem
    from truestrength.models.model_a.listmle import listmle_loss, log_factorial
    from truestrength.models.model_a.network import RosterModelConfig, RosterSetRanker, score_lists

    toy = make_toy_ranking_problem(n_lists=20, list_len=15, n_players=13, n_features=4, seed=0)
    torch.manual_seed(0)
    model = RosterSetRanker(RosterModelConfig(
        n_features=4, n_players_vocab=toy.n_players_vocab, embed_dim=16, hidden_dim=64,
        n_heads=4, n_seeds=1, dropout=0.1, minutes_bias=True, minutes_bias_init=1.0,
        query_init_std=0.02, embed_init_std=0.1, scorer_residual=True, value_head=False,
        value_skip=False))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    losses = []
    try:
        t0 = time.process_time()
        for _ in range(200):
            out = score_lists(model, toy.x, toy.player_idx, toy.minutes, toy.mask)
            loss = listmle_loss(out.score, toy.relevance)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        cpu = time.process_time() - t0
    finally:
        torch.set_num_threads(threads)
    final = sum(losses[-10:]) / 10
    report("(c) tiny ranking overfit, 200 Adam steps, 1 thread", cpu, 5.0, unit="s CPU",
           note=f"(last-10 loss {final / log_factorial(15):.0%} of ln 15!)")


# -- (d)-(f) real data -----------------------------------------------------------------------
def bench_real() -> None:
    from truestrength.base.config import RosterSection
    from truestrength.data.ingest import ingest_files
    from truestrength.data.store import Store
    from truestrength.features import cache
    from truestrength.features.roster import build_snapshots
    from truestrength.features.team_context import build_team_context

    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "speed.duckdb") as store:
            ingest_files(store, [SHARED_NBA])
            data = store.league()
        seasons = data.seasons_with_players
        _, wall = timed(lambda: build_snapshots(data, seasons))
        report(f"(d) build_snapshots, {len(seasons)} real seasons", wall, 60.0)
        ctx, wall = timed(lambda: build_team_context(data))
        n = ctx.keys["season"].nunique()
        report(f"(e) build_team_context, all {n} real seasons", wall, 30.0)
        section = RosterSection(cache_dir=str(Path(tmp) / "cache"))
        _, build = timed(lambda: cache.snapshots(data, None, section))
        _, hit = timed(lambda: cache.snapshots(data, None, section))
        report("(f) roster cache hit (vs a build)", hit, build / 2,
               note=f"(build {build:.3f} s; target = half the build)")


def main() -> None:
    real = "--real" in sys.argv[1:]
    print(f"{'figure':<{NAME_WIDTH}} {'measured':>15}  target")
    bench_bootstrap()
    bench_simulation()
    bench_tiny_overfit()
    if not real:
        print("(d)-(f) real-data figures: skipped (run with --real)")
    elif not (SHARED_NBA / "games").is_dir():
        print(f"(d)-(f) real-data figures: skipped (no data at {SHARED_NBA}; "
              "set TRUESTRENGTH_SHARED_DATA)")
    else:
        bench_real()


if __name__ == "__main__":
    main()
