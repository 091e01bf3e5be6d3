"""Backtest and verify: how good the predictors are, on the store's own seasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from truestrength.app.predictors import predictor_factories
from truestrength.base.config import Config
from truestrength.base.league import LeagueData
from truestrength.base.seasons import parse_seasons
from truestrength.evaluation.backtest import BacktestResult, backtest
from truestrength.evaluation.verify import Check, run_verify
from truestrength.report.html import write_backtest_html
from truestrength.report.plots import plot_odds_reliability, plot_reliability


def run_backtest(data: LeagueData, config: Config, seasons: str | None,
                 predictors: str | None, out: Path, *, progress: bool = True,
                 on_step: Callable[[str], None] | None = None
                 ) -> tuple[BacktestResult, Path, Path]:
    """``seasons`` / ``predictors``: the command's spec strings, None = the config's;
    ``progress`` / ``on_step``: a bar, or a line per step (``evaluation.backtest``)."""
    settings = config.backtest
    if seasons:
        settings = settings.model_copy(update={"test_seasons": parse_seasons(seasons)})
    names = ([n.strip() for n in predictors.split(",")] if predictors
             else list(settings.predictors))
    result = backtest(data, predictor_factories(names, config), settings, config.simulation,
                      progress=progress, on_step=on_step,
                      playoff_rotation=config.playoff_rotation)
    js, md = write_backtest(result, out, settings.reference)
    return result, js, md


def write_backtest(result: BacktestResult, out: Path, reference: str) -> tuple[Path, Path]:
    """backtest.json / .md and the tables beside them, the reliability plots of game
    probabilities (reliability.png) and of title and finals odds (title_reliability.png),
    and backtest.html (which embeds them); the paired comparisons only when the reference
    predictor was run."""
    ref = reference if reference in result.meta.predictors else None
    js, md = result.write(out, reference=ref)
    seasons = f"test seasons {', '.join(result.meta.test_seasons)}"
    rel = result.reliability()
    if not rel.empty:
        plot_reliability(rel, out / "reliability.png", seasons)
    odds = result.odds_reliability()
    if not odds.empty:
        plot_odds_reliability(odds, out / "title_reliability.png", seasons)
    write_backtest_html(result, out, ref)
    return js, md


def verify(store_path: Path | None, config: Config) -> list[Check]:
    return run_verify(store_path, config)
