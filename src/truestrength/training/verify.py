"""``truestrength verify``: does Model A learn where the answer is known, and on real data?

Two checks, each PASS or FAIL with the figures that decided it:
1. synthetic league (true strengths known): train briefly; the held-out season's loss must
   fall well below ln(L!), attention must not be degenerate, and the scores must agree with
   the true strengths;
2. one real season from the store (if it holds two seasons with player rows): the same
   training check, with the earlier season for training and the later one held out.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from scipy.stats import spearmanr

from truestrength.config import Config
from truestrength.data.ingest import ingest_files
from truestrength.data.league import LeagueData
from truestrength.data.store import Store
from truestrength.data.synth import SynthConfig, generate_league
from truestrength.features.roster import build_snapshots
from truestrength.training.model_a import FittedModelA, fit_model_a, snapshot_seasons

# "Well below ln(L!)": the held-out loss must be at most this share of it.
MAX_LOSS_RATIO = 0.9
ENTROPY_BOUNDS = (0.2, 0.95)
MIN_TRUTH_SPEARMAN = 0.5


@dataclass
class Check:
    name: str
    passed: bool
    figures: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def render(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        figs = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in self.figures.items())
        out = f"{status}  {self.name}: {figs}"
        return out + "".join(f"\n      - {r}" for r in self.reasons)


def _training_check(name: str, fitted: FittedModelA) -> Check:
    hist = fitted.holdout_history or fitted.history
    first = hist[0]
    best = min(hist, key=lambda r: r.get("val_loss", r["train_loss"]))
    lnf = best["train_loss"] / best["train_loss_over_ln_lfact"]
    loss = best.get("val_loss", best["train_loss"])
    figures = {
        "ln(L!)": lnf,
        "train loss (best epoch)": best["train_loss"],
        "held-out loss (best epoch)": loss,
        "held-out loss / ln(L!)": loss / lnf,
        "val Spearman first epoch": first.get("val_spearman", float("nan")),
        "val Spearman best epoch": best.get("val_spearman", float("nan")),
        "attention entropy share": best.get("attn_entropy_share", float("nan")),
        "attention max weight": best.get("attn_max_mean", float("nan")),
        "epochs": float(len(hist)),
    }
    reasons = []
    if not loss / lnf <= MAX_LOSS_RATIO:
        reasons.append(f"held-out loss is {loss / lnf:.1%} of ln(L!), not below "
                       f"{MAX_LOSS_RATIO:.0%}: the model is not learning to rank")
    share = figures["attention entropy share"]
    if not ENTROPY_BOUNDS[0] <= share <= ENTROPY_BOUNDS[1]:
        reasons.append(f"attention entropy is {share:.1%} of its maximum, outside "
                       f"{ENTROPY_BOUNDS[0]:.0%}-{ENTROPY_BOUNDS[1]:.0%}: attention is "
                       + ("collapsed onto one player" if share < ENTROPY_BOUNDS[0]
                          else "uniform, it ignores who is on the floor"))
    return Check(name, not reasons, figures, reasons)


def verify_synthetic(config: Config, *, seasons: int = 3, seed: int = 0,
                     console: Console | None = None) -> Check:
    with tempfile.TemporaryDirectory() as tmp:
        league = Path(tmp) / "league"
        generate_league(league, SynthConfig(n_seasons=seasons, seed=seed))
        with Store(Path(tmp) / "s.duckdb") as store:
            ingest_files(store, [league / "teams.csv", league / "games",
                                 league / "player_game_logs"])
            data = LeagueData.from_store(store)
        truth = pd.read_csv(league / "truth" / "team_strength.csv", parse_dates=["game_date"])
    # No refit: the model scored against the truth must not have trained on that season.
    held_out = config.model_copy(update={"model_a": config.model_a.model_copy(
        update={"refit_on_all": False})})
    fitted = fit_model_a(data, held_out, console=console)
    check = _training_check("synthetic league (true strengths known)", fitted)
    # Agreement with the truth on the held-out season, at every date.
    hold = fitted.holdout_season or fitted.train_seasons[-1]
    snaps = build_snapshots(data, [hold], fitted.roster)
    scores, _ = fitted.score(snaps)
    k = snaps.keys.assign(score=scores).merge(
        truth.rename(columns={"game_date": "date"}), on=["season", "date", "team_id"])
    rhos = [spearmanr(g["score"], g["strength"]).statistic for _, g in k.groupby("date")
            if len(g) > 2]
    rho = float(np.mean(rhos)) if rhos else float("nan")
    check.figures["Spearman with true strength"] = rho
    if not rho >= MIN_TRUTH_SPEARMAN:
        check.reasons.append(f"scores agree with the true strengths at Spearman {rho:.2f}, "
                             f"below {MIN_TRUTH_SPEARMAN}")
        check.passed = False
    return check


def verify_real(data: LeagueData, config: Config, *,
                console: Console | None = None) -> Check | None:
    """Train on one real season and hold out the next; None if the data lacks them."""
    seasons = snapshot_seasons(data)
    if len(seasons) < 2:
        return None
    pair = seasons[-2:]
    fitted = fit_model_a(data.restrict_seasons(pair), config, console=console)
    return _training_check(f"real data: train {pair[0]}, hold out {pair[1]}", fitted)


def run_verify(store_path: Path | None, config: Config | None = None,
               console: Console | None = None) -> list[Check]:
    config = config or Config()
    checks = [verify_synthetic(config, console=console)]
    if store_path is not None and store_path.exists():
        with Store(store_path, read_only=True) as store:
            data = LeagueData.from_store(store)
        real = verify_real(data, config, console=console)
        if real is not None:
            checks.append(real)
    return checks
