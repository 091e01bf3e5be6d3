"""Self-contained HTML pages: the prediction report and the backtest report.

Jinja2 templates (``report/templates/*.html.j2``, package data) with autoescape on, so a
player or team name can never inject markup; CSS is inline and every plot is a base64 PNG
data URI, so a page opens offline, mailed or archived, with no CDN and no sibling files.
The pages take dataclasses (``PredictionPage``, ``BacktestPage``): the app layer gathers
them from a prediction folder, the backtest builds its own from its result.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from truestrength.base.errors import RunError
from truestrength.evaluation.backtest import LOWER_IS_BETTER, BacktestResult, headline_columns

# Plain-language names of the backtest's columns, with what each measures; the legend of
# both pages. A metric missing here still shows, under its code name (see ``column_label``).
METRIC_LEGEND: dict[str, tuple[str, str]] = {
    "ros_spearman": ("rank agreement, rest of season",
                     "Spearman correlation between the predicted order at the point and the "
                     "teams' win% over the rest of the regular season (1 = same order)."),
    "ros_kendall": ("pair agreement, rest of season",
                    "Kendall tau with rest-of-season win%: share of team pairs ordered "
                    "right minus share ordered wrong."),
    "po_spearman": ("rank agreement, playoff finish",
                    "Spearman correlation, at the end of the regular season, with how far "
                    "each team went (champion first, then finalists, ..., non-playoff "
                    "teams by record)."),
    "po_spearman16": ("rank agreement, playoff teams",
                      "The same over the 16 playoff teams only."),
    "po_spearman16_tier": ("rank agreement, playoff rounds",
                           "The same over the 16 playoff teams, against the round each went "
                           "out in (teams out in the same round tie; the finish above orders "
                           "them by record, which favours win%)."),
    "po_spearman16_odds": ("rank agreement, playoff teams by their odds",
                           "The same over the 16 playoff teams, ranked by the rounds each is "
                           "expected to reach in the predictor's simulation of the bracket "
                           "(seeds and home court included), not by strength alone."),
    "po_rank_mae": ("mean rank error, playoff finish",
                    "Mean absolute difference, in places, between predicted and playoff-"
                    "finish rank."),
    "po_ndcg4": ("top-4 quality",
                 "NDCG@4 with linear gain: did the teams that went furthest come top of the "
                 "prediction (1 = perfect)."),
    "champion_rank": ("champion's predicted rank",
                      "Where the prediction had the eventual champion (1 = picked him first)."),
    "title_log_loss": ("title odds log loss",
                       "−ln of the title probability given to the eventual champion "
                       "(a uniform guess over 30 teams scores ln 30 = 3.40)."),
    "postseason_log_loss": ("postseason game log loss",
                            "Mean −ln P(actual winner) over the season's play-in and playoff "
                            "games, every one forecast the day after the regular season "
                            "(the probabilities the title odds are simulated with)."),
    "title_brier": ("title odds Brier",
                    "Squared error of the 30 title probabilities against the outcome (one "
                    "1, 29 zeros)."),
    "game_log_loss": ("game log loss, all games",
                      "Mean −ln P(actual winner) over every test game, play-in and playoffs "
                      "included; a coin flip scores ln 2 = 0.693."),
    "regular_log_loss": ("game log loss, regular season",
                         "The same over regular-season games only — the figure public "
                         "forecasts report."),
    "game_brier": ("game Brier score",
                   "Mean squared error of P(home wins) against the result."),
}
POINT_LEGEND = ("g10, g20, g41, g61: the first date on which the median team has played 10, "
                "20, 41 or 61 games; predictions there use only games before that date.")

LABEL_LEGEND: dict[str, str] = {
    "Sleeper": "projected to finish at least the margin's places higher in its conference "
               "than it stands today (record to date plus the simulated games left): "
               "better than its record",
    "Paper Tiger": "projected to finish at least that many places lower than it stands "
                   "today: worse than its record",
    "Aligned": "projected to finish within the margin of where it stands today",
    "Unrated": "too early in the season (the median team has played fewer than "
               "predict.label_min_games games): standings are mostly tie-breaks",
}


def column_label(column: str) -> str:
    """``ros_spearman@g20`` -> "rank agreement, rest of season (g20)"."""
    metric, _, point = column.partition("@")
    name = METRIC_LEGEND.get(metric, (metric, ""))[0]
    return f"{name} ({point})" if point else name


@dataclass(frozen=True)
class Plot:
    title: str
    caption: str
    data_uri: str  # data:image/png;base64,...


def png_data_uri(path: Path) -> str:
    """The PNG at ``path`` as a data URI; a file that is not a PNG is a RunError naming it."""
    raw = Path(path).read_bytes()
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RunError(f"{path}: not a PNG file")
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class RosterLine:
    player: str
    minutes: float  # recent minutes per game, as Model A's roster used them
    attention: float | None  # Model A's mean attention weight (0-1), None if unknown
    # plain RAPM points per 48 minutes vs an average player; None: an older rosters.csv
    value: float | None = None


@dataclass(frozen=True)
class AbsenceLine:
    player: str
    status: str
    treated_out: bool
    return_date: str  # "" = not known (out for the rest of the season)
    reason: str


@dataclass(frozen=True)
class TeamView:
    team_id: int
    team: str
    conference: str
    wins: int
    losses: int
    strength: float
    league_rank: int
    conference_rank: int
    standings_rank: int
    projected_wins: float
    projected_losses: float | None  # None: a prediction written before mean_losses existed
    projected_rank: int | None  # None: a prediction written before projected_rank existed
    p_playoffs: float
    p_finals: float
    p_title: float
    label: str
    rank_model_a: int
    rank_model_b: int
    attention_degenerate: bool
    drivers: list[tuple[str, float]]  # (player, attention weight), largest first
    roster: list[RosterLine] = field(default_factory=list)
    absences: list[AbsenceLine] = field(default_factory=list)
    # Change since the previous prediction (None: no previous one, or the team not in it).
    d_strength: float | None = None
    d_playoffs: float | None = None
    d_title: float | None = None


@dataclass(frozen=True)
class CardRow:
    predictor: str
    log_loss: str  # "0.651 [0.640, 0.662]" or "—"
    ros_spearman: str
    po_spearman: str


@dataclass(frozen=True)
class ModelCard:
    """"How good is this model": a backtest's headline figures for a few predictors."""

    source: str
    test_seasons: list[str]
    point: str
    rows: list[CardRow]
    comparisons: list[str]  # plain sentences from the paired game log-loss bootstrap


@dataclass(frozen=True)
class WhatIfRow:
    """One team of a what-if: each figure before and after (odds 0-1)."""

    team: str
    involved: bool
    strength: tuple[float, float]
    league_rank: tuple[int, int]
    record: tuple[str, str]  # projected W-L, "52.3-29.7"
    p_playoffs: tuple[float, float]
    p_finals: tuple[float, float]
    p_title: tuple[float, float]

    @staticmethod
    def delta(pair: tuple[float, float]) -> float:
        return pair[1] - pair[0]


@dataclass(frozen=True)
class WhatIfView:
    """A what-if folder's figures (``whatif.json``) for the report's what-if section."""

    source: str
    season: str
    date: str
    n_sims: int
    changes: list[str]  # one sentence per change
    rows: list[WhatIfRow]  # the teams involved, then the others by the change in title odds
    others_title: tuple[float, float]  # summed title odds of the teams not involved


@dataclass(frozen=True)
class PredictionPage:
    season: str
    date: str
    source: str  # the prediction folder
    notes: list[str]  # schedule, in-sample and similar caveats, one sentence each
    stacker: str
    n_sims: int
    label_margin: int
    teams: list[TeamView]  # by league rank
    plots: list[Plot]
    previous: str | None  # the previous prediction's folder and date, when found
    card: ModelCard | None
    has_rosters: bool
    whatif: WhatIfView | None = None

    @property
    def conferences(self) -> list[tuple[str, list[TeamView]]]:
        return [(name, [t for t in self.teams if t.conference == conf])
                for conf, name in (("E", "East"), ("W", "West"))]


@dataclass(frozen=True)
class Cell:
    text: str
    title: str = ""  # the full figure with its CI, shown on hover


@dataclass(frozen=True)
class TableView:
    caption: str
    columns: list[tuple[str, str]]  # (code name, plain name)
    rows: list[tuple[str, list[Cell]]]  # (predictor, cells)


@dataclass(frozen=True)
class BacktestPage:
    test_seasons: list[str]
    code_version: str
    data_hash: str
    seed: int
    seconds: float
    headline: TableView
    per_season: list[TableView]
    paired: list[TableView]
    reliability_plots: list[Plot]
    reliability: TableView | None
    legend: list[tuple[str, str, str, bool]]  # (code, plain name, meaning, lower is better)
    odds_reliability: list[TableView] = field(default_factory=list)  # title, then finals
    odds_reliability_plots: list[Plot] = field(default_factory=list)  # title_reliability.png


def _env() -> Environment:
    env = Environment(loader=PackageLoader("truestrength.report", "templates"),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["pct"] = _pct
    env.filters["signed"] = _signed
    return env


def _pct(p: float, digits: int = 0) -> str:
    """A probability as FiveThirtyEight prints it: "<1%" and ">99%" rather than 0% / 100%
    for odds that are small but not nil."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    v = 100 * p
    if 0 < v < 10 ** -digits:
        return f"<{10 ** -digits:g}%"
    if 100 - 10 ** -digits < v < 100:
        return f">{100 - 10 ** -digits:g}%"
    return f"{v:.{digits}f}%"


def _signed(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:+.{digits}f}" if round(x, digits) != 0 else "±0"


def render_prediction(page: PredictionPage) -> str:
    return _env().get_template("prediction.html.j2").render(
        page=page, label_legend=LABEL_LEGEND, metric_legend=METRIC_LEGEND)


def render_backtest(page: BacktestPage) -> str:
    return _env().get_template("backtest.html.j2").render(page=page, point_legend=POINT_LEGEND)


def _fmt(v: float, lo: float | None = None, hi: float | None = None) -> Cell:
    if v is None or np.isnan(v):
        return Cell("—")
    if lo is None or hi is None or np.isnan(lo) or np.isnan(hi):
        return Cell(f"{v:.3f}")
    return Cell(f"{v:.3f} [{lo:.3f}, {hi:.3f}]", f"95% CI {lo:.3f} to {hi:.3f}")


def _column(point: str, metric: str) -> str:
    return metric if point in ("all", "end") else f"{metric}@{point}"


def _table(frame: pd.DataFrame, value: str, caption: str, predictors: list[str]) -> TableView:
    """Predictor × headline column of ``frame`` (rows: predictor, point, metric, value, low,
    high)."""
    f = frame.assign(column=[_column(p, m) for p, m in zip(frame["point"], frame["metric"],
                                                          strict=True)])
    cols = [c for c in headline_columns() if c in set(f["column"])]
    cells = {(r.predictor, r.column): _fmt(getattr(r, value), r.low, r.high)
             for r in f.itertuples()}
    names = [p for p in predictors if p in set(f["predictor"])]
    return TableView(caption, [(c, column_label(c)) for c in cols],
                     [(p, [cells.get((p, c), Cell("—")) for c in cols]) for p in names])


def backtest_page(result: BacktestResult, reliability_png: Path | None,
                  reference: str | None, title_reliability_png: Path | None = None
                  ) -> BacktestPage:
    """The backtest report's page from its result (and the reliability plots it wrote)."""
    meta = result.meta
    preds = list(meta.predictors)
    summary = result.summary().rename(columns={"mean": "value"})
    headline = _table(summary, "value", "Mean over the test seasons (95% bootstrap CI over "
                      "seasons when there are two or more)", preds)
    per_season = [_table(g, "value", f"{season} (95% bootstrap CI over teams where defined)",
                         preds)
                  for season, g in result.scores.groupby("season", sort=True)]
    paired: list[TableView] = []
    if reference:
        pg = result.paired_games(reference)
        if not pg.empty:
            paired.append(TableView(
                f"Regular-season game log loss minus {reference}'s, same games resampled for "
                "both (negative = better than the reference; share = resamples where it is "
                "not better)",
                [("season", "season"), ("games", "games"), ("diff", "difference [95% CI]"),
                 ("share", "share not better")],
                [(r.predictor, [Cell(str(r.season)), Cell(str(r.n_games)),
                                Cell(f"{r.diff:+.4f} [{r.low:+.4f}, {r.high:+.4f}]"),
                                Cell(f"{r.share_not_better:.2f}")])
                 for r in pg.itertuples()]))
        pt = result.paired(reference)
        if not pt.empty:
            paired.append(TableView(
                f"Rest-of-season Spearman minus {reference}'s, same teams resampled for both "
                "(positive = better than the reference)",
                [("season", "season"), ("point", "point"), ("diff", "difference [95% CI]"),
                 ("share", "share not better")],
                [(r.predictor, [Cell(str(r.season)), Cell(str(r.point)),
                                Cell(f"{r.diff:+.3f} [{r.low:+.3f}, {r.high:+.3f}]"),
                                Cell(f"{r.share_not_better:.2f}")])
                 for r in pt.itertuples()]))
    rel_table = _reliability_view(
        result.reliability(),
        "Observed home-win rate per bin of predicted P(home wins), regular season, pooled over "
        "the test seasons: observed ± 2 se should cover the bin's mean prediction (in "
        "brackets), n games", "{:.1f}")
    odds = result.odds_reliability()
    odds_tables = [] if odds.empty else [
        _reliability_view(odds[odds["outcome"] == outcome],
                          f"Observed share of teams that {did} per bin of their {outcome} odds "
                          "at the end of the regular season, pooled over the test seasons "
                          "(mean odds in brackets, n teams)", "{:.2f}")
        for outcome, did in (("title", "won the title"), ("finals", "reached the finals"))]
    plots = _plot_if_written(
        reliability_png, "Reliability of game probabilities",
        "Observed home-win rate against the predicted probability, per predictor (bars: two "
        "standard errors). On the diagonal = calibrated; above it = the home team won more "
        "often than predicted.")
    odds_plots = _plot_if_written(
        title_reliability_png, "Reliability of title and finals odds",
        "Share of teams that won the title (left) or reached the finals (right) against their "
        "odds at the end of the regular season, per predictor, in the uneven bins of the tables "
        "below (bars: 95% Wilson intervals; square-root axes, since most teams get a few "
        "percent). On the diagonal = calibrated; above it = those teams did better than their "
        "odds said.")
    shown = {c for c, _ in headline.columns} | {c.partition("@")[0] for c, _ in
                                                headline.columns}
    legend = [(code, name, meaning, code in LOWER_IS_BETTER)
              for code, (name, meaning) in METRIC_LEGEND.items() if code in shown]
    return BacktestPage(list(meta.test_seasons), meta.code_version, meta.data_hash,
                        meta.settings.seed, meta.seconds, headline, per_season, paired, plots,
                        rel_table, legend, odds_tables, odds_plots)


def _plot_if_written(png: Path | None, title: str, caption: str) -> list[Plot]:
    """The figure ``png`` as a page's plot, or none when it was not written."""
    if png is None or not Path(png).is_file():
        return []
    return [Plot(title, caption, png_data_uri(png))]


def _reliability_view(rel, title: str, fmt: str) -> TableView | None:
    """A reliability table (``metrics.reliability_table`` rows with a predictor column) as one
    row per predictor and one column per bin: observed (mean prediction, n)."""
    if rel.empty:
        return None
    bins = sorted({(lo, hi) for lo, hi in zip(rel["bin_low"], rel["bin_high"], strict=True)})
    by = {(r.predictor, r.bin_low): r for r in rel.itertuples()}
    names = list(dict.fromkeys(rel["predictor"]))
    return TableView(
        title, [(fmt.format(lo), f"{fmt.format(lo)}–{fmt.format(hi)}") for lo, hi in bins],
        [(name, [Cell(f"{by[name, lo].observed:.3f} ({by[name, lo].predicted:.3f}, "
                      f"n={by[name, lo].n})") if (name, lo) in by else Cell("")
                 for lo, _ in bins]) for name in names])


def write_backtest_html(result: BacktestResult, out_dir: Path, reference: str | None) -> Path:
    """``backtest.html`` beside backtest.json, embedding ``reliability.png`` and
    ``title_reliability.png`` when written."""
    png, odds_png = out_dir / "reliability.png", out_dir / "title_reliability.png"
    path = out_dir / "backtest.html"
    path.write_text(render_backtest(backtest_page(
        result, png if png.is_file() else None, reference,
        odds_png if odds_png.is_file() else None)), encoding="utf-8")
    return path
