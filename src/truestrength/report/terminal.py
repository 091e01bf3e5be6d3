"""Terminal tables that fit the terminal's width.

Rich cuts a cell it cannot fit to ``O…`` or ``48-…``: a table of team names and odds that
does this shows nothing readable. Each table here has layouts from the richest to the
leanest; the first whose natural width fits is printed, so every cell shown is whole and
columns are dropped instead (all of them are in the files ``predict`` and ``backtest``
write). Under ``ABBREVIATED_BELOW`` columns the prediction table takes its short layout
(rank, team, strength, record, projected wins, playoff and title odds, label) whatever fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Below this terminal width the prediction table is the abbreviated one (issue 12).
ABBREVIATED_BELOW = 100


@dataclass(frozen=True)
class Column:
    """A column: its header, how to read a row into text, and whether it is left-aligned."""

    header: str
    cell: Callable[[object], str]
    left: bool = False


def natural_width(table: Table, width: int) -> int:
    """The width the table takes with no cell cut (its widest rendering)."""
    return Console(width=max(width, 400)).measure(table).maximum


def _build(title: str | None, columns: Sequence[Column], rows: Sequence[object],
           caption: str | None = None) -> Table:
    t = Table(title=title, caption=caption, pad_edge=False)
    for c in columns:
        t.add_column(c.header, justify="left" if c.left else "right", no_wrap=True)
    for r in rows:
        t.add_row(*(c.cell(r) for c in columns))
    return t


def fit_layout(title: str | None, layouts: Sequence[Sequence[Column]], rows: Sequence[object],
               width: int, caption: str | None = None) -> Table:
    """The first layout whose natural width fits ``width``; the last one otherwise."""
    for cols in layouts:
        t = _build(title, cols, rows, caption)
        if natural_width(t, width) <= width:
            return t
    return _build(title, layouts[-1], rows, caption)


# -- predictions ---------------------------------------------------------------------------

def _driver(preds) -> Callable[[object], str]:
    def cell(r) -> str:
        drivers = preds.drivers.get(r.team_id, [])
        return (drivers[0].player if drivers else "-") + (" *" if r.attention_degenerate
                                                           else "")
    return cell


def prediction_columns(preds) -> dict[str, Column]:
    return {c.header: c for c in (
        Column("#", lambda r: str(r.league_rank)),
        Column("team", lambda r: str(r.team), left=True),
        Column("conf", lambda r: str(r.conference)),
        Column("W-L", lambda r: f"{r.wins}-{r.losses}"),
        Column("proj W", lambda r: f"{r.mean_wins:.1f}"),
        Column("strength", lambda r: f"{r.strength:.1f}"),
        Column("conf #", lambda r: str(r.conference_rank)),
        # before a team's first game its standings rank is only a tie-break: not shown
        Column("stand #", lambda r: str(r.standings_rank) if r.wins + r.losses else "–"),
        Column("playoffs", lambda r: f"{r.p_playoffs:.0%}"),
        Column("finals", lambda r: f"{r.p_finals:.0%}"),
        Column("title", lambda r: f"{r.p_title:.1%}"),
        Column("A/B", lambda r: f"{r.rank_model_a}/{r.rank_model_b}"),
        Column("label", lambda r: str(r.label), left=True),
        Column("top driver", _driver(preds), left=True),
    )}


FULL = ["#", "team", "conf", "W-L", "proj W", "strength", "conf #", "stand #", "playoffs",
        "finals", "title", "A/B", "label", "top driver"]
MEDIUM = ["#", "team", "conf", "W-L", "proj W", "strength", "conf #", "stand #", "playoffs",
          "finals", "title", "label"]
ABBREVIATED = ["#", "team", "strength", "W-L", "proj W", "playoffs", "title", "label"]
CAPTIONS = {
    "full": "conf # = conference rank by strength, stand # = in the standings; proj W = mean "
            "simulated wins; A/B = league rank by Model A / B; * = attention degenerate, "
            "drivers unreliable. All columns, and every driver, are in predictions.csv.",
    "medium": "conf # = conference rank by strength, stand # = in the standings; proj W = "
              "mean simulated wins. Drivers and every column are in predictions.csv.",
    "abbreviated": "proj W = mean simulated wins. A narrow terminal: every column is in "
                   "predictions.csv.",
}


def prediction_table(preds, width: int, top: int | None = None) -> Table:
    """The prediction table for a terminal of ``width`` columns; ``top``: the first N teams
    by strength."""
    weights = ", ".join(f"{m} {w:+.2f}" for m, w in zip(preds.meta.stacker_models,
                                                        preds.meta.stacker_weights,
                                                        strict=True))
    title = f"TrueStrength {preds.season} at {preds.date:%Y-%m-%d} (stacker: {weights})"
    rows = list(preds.table.itertuples())
    if top is not None:
        rows = rows[:top]
    cols = prediction_columns(preds)
    names = (("abbreviated", ABBREVIATED),) if width < ABBREVIATED_BELOW else (
        ("full", FULL), ("medium", MEDIUM), ("abbreviated", ABBREVIATED))
    for name, layout in names:
        t = _build(title, [cols[c] for c in layout], rows, CAPTIONS[name])
        if natural_width(t, width) <= width or name == "abbreviated":
            return t
    raise AssertionError("unreachable: the abbreviated layout is always returned")


# -- store info ----------------------------------------------------------------------------

def store_table(title: str, seasons: pd.DataFrame, width: int) -> Table:
    """``info``'s per-season table; narrow terminals lose the rarer columns first."""
    c = {col.header: col for col in (
        Column("season", lambda r: str(r.season), left=True),
        Column("regular", lambda r: str(r.regular)),
        Column("cup", lambda r: str(r.cup_final)),
        Column("play-in", lambda r: str(r.play_in)),
        Column("playoff", lambda r: str(r.playoff)),
        Column("first", lambda r: str(r.first)),
        Column("last", lambda r: str(r.last)),
        Column("rows", lambda r: str(r.rows)),
        Column("players", lambda r: str(r.players)),
    )}
    layouts = [list(c), ["season", "regular", "play-in", "playoff", "first", "last", "players"],
               ["season", "regular", "playoff", "first", "last"],
               ["season", "regular", "playoff"]]
    return fit_layout(title, [[c[h] for h in lay] for lay in layouts],
                      list(seasons.itertuples(index=False)), width)


# -- backtest summary ------------------------------------------------------------------------

def metric_tables(title: str, table: pd.DataFrame, width: int) -> list[Table]:
    """Metrics (rows) by predictors (columns), split into as many tables as the predictors
    need to fit ``width``: a predictor's name and figures are never cut."""
    names = list(table.columns)
    rows = list(table.itertuples())

    def build(chunk: list[int], part: str) -> Table:
        cols = [Column("metric", lambda r: str(r[0]), left=True)]
        cols += [Column(str(names[i]), lambda r, i=i: f"{r[i + 1]:.3f}") for i in chunk]
        return _build(title + part, cols, rows)

    chunks: list[list[int]] = [[]]
    for i in range(len(names)):
        trial = [*chunks[-1], i]
        if chunks[-1] and natural_width(build(trial, ""), width) > width:
            chunks.append([i])
        else:
            chunks[-1] = trial
    if len(chunks) == 1:
        return [build(chunks[0], "")]
    return [build(ch, f" ({k}/{len(chunks)})") for k, ch in enumerate(chunks, start=1)]


# -- the demo ------------------------------------------------------------------------------

def metric_legend(codes: Sequence[str], extra: dict[str, str] | None = None) -> Text:
    """One line per row code of a metric table: its plain name (the HTML legend's) and which
    way is better; ``extra``: rows that are not backtest metrics, with their meaning."""
    from truestrength.evaluation.backtest import LOWER_IS_BETTER
    from truestrength.report.html import column_label

    lines = []
    for code in codes:
        if code in (extra or {}):
            lines.append(f"{code}: {extra[code]}")
        else:
            better = "lower" if code.partition("@")[0] in LOWER_IS_BETTER else "higher"
            lines.append(f"{code}: {column_label(code)} ({better} is better)")
    return Text("\n".join(lines))


def demo_tables(preds, metrics: pd.DataFrame, width: int, top: int,
                metric_notes: dict[str, str] | None = None) -> list[Table | Text]:
    """What ``demo`` prints: its prediction's top ``top`` teams (the layouts ``predict``
    prints), the backtest's chosen metrics (rows) by predictor, both fitted to ``width``,
    and what each metric row means."""
    return [prediction_table(preds, width, top),
            *metric_tables(f"backtest on {preds.season} (fitted on earlier seasons only)",
                           metrics, width),
            metric_legend(list(metrics.index), metric_notes)]


# -- what-if -------------------------------------------------------------------------------

def _arrow(before: str, after: str, delta: str) -> str:
    return f"{before} → {after} ({delta})"


def whatif_columns() -> dict[str, Column]:
    """Columns of the what-if table: each figure before → after (change)."""
    def pts(x: float) -> str:
        return f"{100 * x:+.1f}" if round(100 * x, 1) != 0 else "±0"

    return {c.header: c for c in (
        Column("team", lambda r: str(r.team), left=True),
        Column("strength", lambda r: _arrow(f"{r.strength_before:.1f}",
                                            f"{r.strength_after:.1f}",
                                            f"{r.d_strength:+.1f}")),
        Column("strength ", lambda r: f"{r.strength_before:.1f} → {r.strength_after:.1f}"),
        Column("rank", lambda r: f"{r.league_rank_before} → {r.league_rank_after}"),
        Column("proj W-L", lambda r: f"{r.mean_wins_before:.1f}-{r.mean_losses_before:.1f} → "
                                     f"{r.mean_wins_after:.1f}-{r.mean_losses_after:.1f}"),
        Column("proj W", lambda r: f"{r.mean_wins_before:.1f} → {r.mean_wins_after:.1f}"),
        Column("playoffs", lambda r: _arrow(f"{r.p_playoffs_before:.0%}",
                                            f"{r.p_playoffs_after:.0%}",
                                            pts(r.d_p_playoffs))),
        Column("finals", lambda r: _arrow(f"{r.p_finals_before:.1%}", f"{r.p_finals_after:.1%}",
                                          pts(r.d_p_finals))),
        Column("title", lambda r: _arrow(f"{r.p_title_before:.1%}", f"{r.p_title_after:.1%}",
                                         pts(r.d_p_title))),
        Column("title ", lambda r: f"{r.p_title_before:.1%} → {r.p_title_after:.1%}"),
    )}


WHATIF_LAYOUTS = (
    ["team", "strength", "rank", "proj W-L", "playoffs", "finals", "title"],
    ["team", "strength", "rank", "proj W", "playoffs", "title"],
    ["team", "strength ", "rank", "proj W", "title "],
    ["team", "strength ", "title "],
)


def whatif_table(title: str, rows: pd.DataFrame, width: int) -> Table:
    """The teams of a what-if (``inference.whatif.WhatIf.table`` rows), each figure before →
    after with the change in brackets (odds in percentage points), fitted to ``width``."""
    cols = whatif_columns()
    return fit_layout(title, [[cols[h] for h in lay] for lay in WHATIF_LAYOUTS],
                      list(rows.itertuples(index=False)), width,
                      caption="before → after (change; odds in percentage points); every "
                              "team and column is in whatif.csv")
