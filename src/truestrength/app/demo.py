"""The demo: the whole pipeline, offline, on the built-in synthetic league.

Simulate, ingest, train A+B+stacker on all seasons but the last, predict the last season
from its 41-game mark, and backtest every predictor on that season (plus agreement with the
league's known true strengths); the prediction's HTML report carries the backtest's card.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

from truestrength.app.evaluate import write_backtest
from truestrength.app.predictors import predictor_factories
from truestrength.app.report import write_report
from truestrength.app.runs import PredictOutcome, TrainOutcome, predict, train
from truestrength.base.config import Config
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Predictor
from truestrength.base.targets import AsOfPoint, as_of_points
from truestrength.data.synth import SyntheticStore, synthetic_store
from truestrength.evaluation.backtest import BacktestResult, PredictorFactory, backtest
from truestrength.evaluation.truth import agreement_with_truth, read_truth
from truestrength.training.ensemble import EnsembleAB


@dataclass(frozen=True)
class DemoOutcome:
    out: Path
    league: SyntheticStore
    db_path: Path
    trained: TrainOutcome
    point: AsOfPoint
    predicted: PredictOutcome
    backtest: BacktestResult
    backtest_dir: Path
    truth: pd.DataFrame  # season, predictor, point, spearman_truth
    seconds: float
    report: Path | None = None  # the prediction's HTML report (with the backtest's card)

    def metrics(self, rows: list[str]) -> pd.DataFrame:
        """The backtest's ``rows`` (headline columns such as ``ros_spearman@g20``; those the
        backtest lacks are left out) by predictor, and ``TRUTH_ROW``: each predictor's
        Spearman with the league's true strengths at the 41-game mark."""
        tt = self.backtest.table().T
        out = tt.loc[[r for r in rows if r in tt.index]]
        agree = self.truth.pivot_table(index="predictor", columns="point",
                                       values="spearman_truth")
        truth = agree["g41"].reindex(tt.columns) if "g41" in agree.columns else None
        if truth is not None:
            out = pd.concat([out, truth.rename(TRUTH_ROW).to_frame().T])
        return out.astype(float)


TRUTH_ROW = "truth ρ @g41"
TRUTH_NOTE = ("Spearman correlation with the synthetic league's true strengths at the 41-game "
              "mark (1 = the true order)")


class _Prefitted:
    """The ensemble trained in step 3, for the one test season it was trained for."""

    name = "model_ab"

    def __init__(self, ensemble: EnsembleAB) -> None:
        self.ensemble = ensemble

    def fit(self, history: LeagueData) -> EnsembleAB:
        if history.seasons != self.ensemble.train_seasons:
            raise DataError("the demo's ensemble was trained on other seasons")
        return self.ensemble


class _FitOnce:
    """A predictor factory whose fits are kept per training seasons, so the demo's backtest
    and its truth check score the same fitted predictors instead of fitting each twice."""

    def __init__(self, factory: PredictorFactory) -> None:
        self.factory = factory
        self.fits: dict[tuple[str, ...], Predictor] = {}

    def __call__(self) -> _FitOnce:
        return self

    def fit(self, history: LeagueData) -> Predictor:
        key = tuple(history.seasons)
        if key not in self.fits:
            self.fits[key] = self.factory().fit(history)
        return self.fits[key]


def demo(out: Path, config: Config, *, on_step: Callable[[str], None] = lambda _: None,
         console: Console | None = None, progress: bool = False) -> DemoOutcome:
    """``on_step``: a line per step of five; ``console``: training's stage and epoch lines
    and the backtest's per-predictor lines too (minutes of work must not look hung when
    the output goes to a file); ``progress``: transient bars (a terminal only)."""
    started = time.perf_counter()
    league_dir, db_path, runs = out / "league", out / "truestrength.duckdb", out / "runs"
    league = synthetic_store(league_dir, db_path, config.synth)
    data = league.data
    on_step(f"1-2/5 synthetic league: {league.summary.n_games} games, "
            f"{league.summary.n_player_rows} player rows -> {league_dir}; ingested "
            f"{league.report.games_added} games into {db_path}")
    test = data.seasons[-1]
    trained = train(data, config, data.seasons[-2], runs, console=console,
                    progress=progress)
    blends = "; ".join(trained.ensemble.describe().splitlines())  # one step, one line
    on_step(f"3/5 trained A+B on {', '.join(trained.train_seasons)}: {blends} -> "
            f"{trained.run_dir}")
    point = next(p for p in as_of_points(data, test) if p.label == "g41")
    predicted = predict(data, config, trained.run_dir, str(point.date.date()), runs)
    on_step(f"4/5 predictions for {test} at its 41-game mark ({point.date:%Y-%m-%d}) -> "
            f"{predicted.out_dir}")
    names = [*config.backtest.predictors, "model_a"]
    factories = {name: _FitOnce(f) for name, f in predictor_factories(names, config).items()}
    factories["model_ab"] = lambda: _Prefitted(trained.ensemble)
    settings = config.backtest.model_copy(update={"test_seasons": [test]})
    on_step(f"5/5 backtesting {len(factories)} predictors on {test}...")
    result = backtest(data, factories, settings, config.simulation, progress=progress,
                      on_step=None if console is None else
                      (lambda line: console.print(line, highlight=False)),
                      playoff_rotation=config.playoff_rotation)
    truth = agreement_with_truth(data, read_truth(league_dir), factories, [test])
    bt_dir = out / "backtest"
    write_backtest(result, bt_dir, config.backtest.reference)
    page = write_report(predicted.out_dir, bt_dir, None, config)
    return DemoOutcome(out, league, db_path, trained, point, predicted, result, bt_dir, truth,
                       time.perf_counter() - started, page.path)
