"""``truestrength verify``: does Model A learn where the answer is known, and on real data?

Two checks, each PASS or FAIL with the figures that decided it:
1. synthetic league (true strengths known): train briefly; the held-out season's loss must
   fall well below ln(L!), attention must not be degenerate, and the scores must agree with
   the true strengths;
2. one real season from the store, ``verify.real_holdout_season`` (2018-19), the season
   before the test seasons 2019-20 ... 2023-24: the same training check, trained on the
   seasons before it (their players only: the held-out season's newcomers are unknown
   players, as in a real prediction). Skipped (None) when the store lacks that season or a
   season before it; a hold-out among the backtest's test seasons is a ConfigError.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from truestrength.base.config import Config
from truestrength.base.errors import ConfigError, DataError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import season_start_year
from truestrength.base.stats import mean_list_spearman
from truestrength.data.store import Store
from truestrength.data.synth import synthetic_store
from truestrength.evaluation.backtest import default_test_seasons
from truestrength.evaluation.truth import read_truth
from truestrength.features.roster import build_snapshots
from truestrength.models.model_a.predictor import FittedModelA, fit_model_a
from truestrength.models.model_a.trainer import EpochRecord

# "Well below ln(L!)": the held-out ListMLE, at the scores' best temperature, must be at most
# this share of it. At their own scale the scores are spread by the game loss (weight λ), and
# the raw ratio then moves with how long training ran more than with the order (synthetic
# league: 0.93 after 9 epochs at validation Spearman 0.83, 0.78 after 30 at 0.80).
MAX_LOSS_RATIO = 0.9
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


def _training_check(name: str, fitted: FittedModelA, config: Config) -> Check:
    low, high = config.predict.attention_entropy_bounds  # the same bounds flag drivers
    h = fitted.history
    hist = h.holdout_run or h.final_run
    first = hist[0]
    nan = float("nan")

    def held(r: EpochRecord) -> float:
        return r.val_loss if r.val_loss is not None else r.train_loss

    best = min(hist, key=held)  # the epoch early stopping keeps
    lnf = best.train_loss / best.train_loss_over_ln_lfact
    # Against ln(L!) goes the ListMLE part alone: with the game loss on, val_loss adds it.
    raw = best.val_listmle if best.val_listmle is not None else held(best)
    loss = best.val_listmle_best_scale if best.val_listmle_best_scale is not None else raw
    figures = {
        "ln(L!)": lnf,
        "train loss (best epoch)": best.train_loss,
        "held-out loss (best epoch)": raw,
        "held-out loss at best scale": loss,
        "held-out loss / ln(L!)": loss / lnf,
        "val Spearman first epoch": nan if first.val_spearman is None else first.val_spearman,
        "val Spearman best epoch": nan if best.val_spearman is None else best.val_spearman,
        "attention entropy share": (nan if best.attn_entropy_share is None
                                    else best.attn_entropy_share),
        "attention max weight": nan if best.attn_max_mean is None else best.attn_max_mean,
        "epochs": float(len(hist)),
    }
    if best.val_game_loss is not None:
        figures["held-out game loss (best epoch)"] = best.val_game_loss
    reasons = []
    if not loss / lnf <= MAX_LOSS_RATIO:
        reasons.append(f"held-out loss at its best scale is {loss / lnf:.1%} of ln(L!), not below "
                       f"{MAX_LOSS_RATIO:.0%}: the model is not learning to rank")
    share = figures["attention entropy share"]
    if not low <= share <= high:
        reasons.append(f"attention entropy is {share:.1%} of its maximum, outside "
                       f"{low:.0%}-{high:.0%}: attention is "
                       + ("collapsed onto one player" if share < low
                          else "uniform, it ignores who is on the floor"))
    return Check(name, not reasons, figures, reasons)


def verify_synthetic(config: Config, *, console: Console | None = None) -> Check:
    """Model A on the synthetic league of ``config.synth`` (three seasons by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        league = Path(tmp) / "league"
        data = synthetic_store(league, Path(tmp) / "s.duckdb", config.synth).data
        truth = read_truth(league)
    # No refit: the model scored against the truth must not have trained on that season.
    held_out = config.model_copy(update={"model_a": config.model_a.model_copy(
        update={"refit_on_all": False})})
    fitted = fit_model_a(data, held_out, console=console)
    check = _training_check("synthetic league (true strengths known)", fitted, config)
    # Agreement with the truth on the held-out season, at every date.
    hold = fitted.history.holdout_season or fitted.train_seasons[-1]
    snaps = build_snapshots(data, [hold], fitted.roster, rapm=fitted.rapm)
    scores, _ = fitted.score(snaps)
    k = snaps.keys.assign(score=scores).merge(
        truth.rename(columns={"game_date": "date"}), on=["season", "date", "team_id"])
    k = k[k.groupby("date")["team_id"].transform("size") > 2]
    rho = mean_list_spearman(k["score"], k["strength"], k["date"])
    check.figures["Spearman with true strength"] = rho
    if not rho >= MIN_TRUTH_SPEARMAN:
        check.reasons.append(f"scores agree with the true strengths at Spearman {rho:.2f}, "
                             f"below {MIN_TRUTH_SPEARMAN}")
        check.passed = False
    return check


def verify_real(data: LeagueData, config: Config, *,
                console: Console | None = None) -> Check | None:
    """Hold out ``config.verify.real_holdout_season``, train on the seasons before it; None
    if the data lacks them."""
    hold = config.verify.real_holdout_season
    _check_not_a_test_season(data, config, hold)
    seasons = data.seasons_with_players
    earlier = [s for s in seasons if season_start_year(s) < season_start_year(hold)]
    if config.verify.real_train_seasons is not None:
        earlier = earlier[-config.verify.real_train_seasons:]
    if hold not in seasons or not earlier:
        return None
    # No refit: the check reads the held-out run only.
    run = config.model_copy(update={"model_a": config.model_a.model_copy(
        update={"refit_on_all": False})})
    fitted = fit_model_a(data.restrict_seasons([*earlier, hold]), run, console=console)
    if fitted.history.holdout_season != hold:
        raise AssertionError(f"verify: held out {fitted.history.holdout_season}, not {hold}")
    span = earlier[0] if len(earlier) == 1 else f"{earlier[0]} ... {earlier[-1]}"
    check = _training_check(f"real data: train {span}, hold out {hold}", fitted, config)
    share = fitted.history.holdout_unknown_share
    check.figures["held-out roster slots of unseen players"] = (
        float("nan") if share is None else share)
    return check


def _check_not_a_test_season(data: LeagueData, config: Config, hold: str) -> None:
    """The hold-out must come before every season the backtest judges."""
    tests = config.backtest.test_seasons
    if not tests:
        try:
            tests = default_test_seasons(data)
        except DataError:
            tests = []  # nothing complete to backtest: no season is a test season
    late = [t for t in tests if season_start_year(t) <= season_start_year(hold)]
    if late:
        raise ConfigError(f"verify.real_holdout_season {hold} is not before the test "
                          f"season(s) {', '.join(late)} (backtest.test_seasons or the last "
                          "complete seasons): verify must not train on or select with a "
                          "season the backtest judges; choose an earlier season")


def run_verify(store_path: Path | None, config: Config | None = None,
               console: Console | None = None) -> list[Check]:
    config = config or Config()
    checks = [verify_synthetic(config, console=console)]
    if store_path is not None and store_path.exists():
        with Store(store_path, read_only=True) as store:
            data = store.league()
        real = verify_real(data, config, console=console)
        if real is not None:
            checks.append(real)
    return checks
