"""Wall time and peak memory of Model A's full out-of-fold plus final training, nine seasons.

Target: under 10 minutes on 2 cores. Also prints the time per epoch, and the training figures
the acceptance asks for (loss vs ln(15!), validation Spearman, attention entropy), measured on
the final model's hold-out run (trained 2015-16..2022-23, hold-out 2023-24 — training seasons
of this run; the backtest, not this script, is what scores test seasons).
Run: python benchmarks/bench_model_a.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from truestrength.base.config import Config, RosterSection
from truestrength.base.targets import standings
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store
from truestrength.models.model_a.listmle import log_factorial
from truestrength.training.folds import out_of_fold

from _common import peak_rss_mib, require_real_data


def main() -> None:
    nba = require_real_data()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.duckdb") as store:
        ingest_files(store, [nba])
        data = store.league()
    # No snapshot cache: the build time is one of the figures.
    config = Config(roster=RosterSection(cache_dir=None))
    t0 = time.perf_counter()
    result = out_of_fold(data, config)
    wall = time.perf_counter() - t0
    final = result.final
    hist = final.history
    h, refit = hist.holdout_run, hist.final_run
    epochs = len(h) + len(refit)
    print(f"seasons: {final.train_seasons[0]}..{final.train_seasons[-1]} "
          f"({len(final.train_seasons)}); out-of-fold rows: {len(result.scores)}")
    print(f"snapshots: {result.snapshot_seconds:.1f} s; folds: "
          + ", ".join(f"{s} {t:.0f}s" for s, t in result.fold_seconds.items()))
    print(f"final model: {result.final_seconds:.1f} s for {epochs} epochs "
          f"({result.final_seconds / max(epochs, 1):.2f} s per epoch incl. evaluation)")
    print(f"TOTAL out-of-fold + final: {wall:.1f} s (target < 600 s); peak memory "
          f"{peak_rss_mib():.0f} MiB")
    lnf = log_factorial(15)
    # train_loss_over_ln_lfact: the loss over the mean ln(L!) of the training lists
    # (= ln(15!) for two 15-team conferences)
    print(f"\nfinal model's hold-out run ({hist.holdout_season} held out), ln(15!) = {lnf:.4f}")
    if h:
        best = min(h, key=lambda r: r.val_loss)
        for r in h:
            print(f"  epoch {r.epoch:2d}  train {r.train_loss:.3f} "
                  f"({r.train_loss_over_ln_lfact:.1%} of ln 15!)  val {r.val_loss:.3f}  "
                  f"val rho {r.val_spearman:.3f}  attn entropy {r.attn_entropy_share:.1%} "
                  f"of max  attn max {r.attn_max_mean:.3f}")
        print(f"best epoch {best.epoch}: train loss {best.train_loss_over_ln_lfact:.1%} of "
              f"ln(15!), val Spearman {best.val_spearman:.3f} vs first epoch "
              f"{h[0].val_spearman:.3f}")
    if refit:
        last = refit[-1]
        print(f"refit on all seasons: {len(refit)} epochs, final train loss "
              f"{last.train_loss:.3f} = {last.train_loss_over_ln_lfact:.1%} of ln(15!)")
    # out-of-fold agreement with each season's final win% (a sanity figure, not a test score)
    oof = result.scores
    by_season = {}
    for season, g in oof.groupby("season"):
        wp = standings(data, season).set_index("team_id")["win_pct"]
        r = [spearmanr(d["score"], d["team_id"].map(wp)).statistic
             for _, d in g.groupby("date")]
        by_season[season] = float(np.mean(r))
    print("out-of-fold mean Spearman with final win%: "
          + ", ".join(f"{s} {v:.3f}" for s, v in by_season.items()))


if __name__ == "__main__":
    main()
