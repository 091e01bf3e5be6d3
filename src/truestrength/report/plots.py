"""The plots a prediction run and a backtest write (matplotlib, files only: no screen
needed).

**One colour, one meaning, in every figure.** The palettes below are disjoint (a test checks
it): ``LABEL_COLOURS`` are used only for the team labels (Sleeper, Paper Tiger, Aligned,
Unrated) — points and bars of a team take its label's colour; ``PREDICTOR_COLOURS`` (and
``SPARE_PREDICTOR_COLOURS`` for a predictor not listed) only for predictors in the backtest's
reliability diagrams; ``GUIDE_COLOUR`` only for reference lines (the diagonal, league
average). Conferences are told apart by marker shape (``CONFERENCE_MARKERS``) or by panel,
never by colour, so red cannot mean West in one figure and Paper Tiger in another.

**No label over another.** Team names are placed with adjustText, which pushes labels apart
and away from the points; the result is checked with the renderer's text boxes, and if any
two still overlap the labels go to a column beside the axes with a leader line each (a
layout that cannot overlap). Placement runs a fixed number of iterations, not a time limit,
so the same table gives the same figure on any machine.

**Every axis says which way is better** ("better →", "↑ stronger").
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; this also works on machines without a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from adjustText import adjust_text  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

# Team labels (inference.predict.labels): these colours mean these labels and nothing else.
LABEL_COLOURS: dict[str, str] = {
    "Sleeper": "#1a9850",  # green
    "Paper Tiger": "#d73027",  # red
    "Aligned": "#4575b4",  # blue
    "Unrated": "#b0b0b0",  # light grey
}
# What each label means, as the figures' legends say it (the HTML page has the long form).
LABEL_MEANINGS: dict[str, str] = {
    "Sleeper": "projected to finish at least the margin's places above where it stands",
    "Paper Tiger": "projected to finish at least the margin's places below where it stands",
    "Aligned": "projected to finish within the margin of where it stands",
    "Unrated": "too early in the season to label",
}
CONFERENCE_MARKERS: dict[str, str] = {"E": "o", "W": "s"}
CONFERENCE_NAMES: dict[str, str] = {"E": "East", "W": "West"}
# Predictors in the reliability diagrams: the same colour for the same predictor in every
# backtest figure; the yardstick (elo_calibrated) in black.
PREDICTOR_COLOURS: dict[str, str] = {
    "win_pct": "#8c564b",  # brown
    "point_diff": "#e377c2",  # pink
    "srs": "#bcbd22",  # olive
    "elo": "#17becf",  # cyan
    "elo_calibrated": "#000000",  # black
    "prev_rank": "#c5b0d5",  # lavender
    "rapm": "#e7ba52",  # gold
    "model_a": "#9467bd",  # purple
    "model_b": "#5254a3",  # indigo
    "model_ab": "#de9ed6",  # light magenta
}
# For predictors not in the dict above, in order of appearance; past these, colours repeat
# but the marker differs (PREDICTOR_MARKERS cycles on its own).
SPARE_PREDICTOR_COLOURS: tuple[str, ...] = ("#393b79", "#637939", "#8c6d31", "#a55194")
PREDICTOR_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
GUIDE_COLOUR = "#404040"  # reference lines only: the diagonal, league average

# adjustText iterations: enough for 15 labels on nearly one point (tests/report: 300 is, 200
# is not), and a count rather than adjustText's default time limit so the figure does not
# depend on speed. Each costs ~1 ms a plot: at 1,000 the labels were half a prediction's time.
LABEL_ITERATIONS = 400
LABEL_FONT_SIZE = 8
DPI = 120


def palettes() -> dict[str, list[str]]:
    """Every colour each meaning uses, by meaning (for the disjointness test)."""
    return {"label": list(LABEL_COLOURS.values()),
            "predictor": [*PREDICTOR_COLOURS.values(), *SPARE_PREDICTOR_COLOURS],
            "guide": [GUIDE_COLOUR]}


def predictor_styles(names: list[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker) per predictor, in the order given."""
    spare = iter(itertools.cycle(SPARE_PREDICTOR_COLOURS))
    return {name: (PREDICTOR_COLOURS.get(name) or next(spare),
                   PREDICTOR_MARKERS[i % len(PREDICTOR_MARKERS)])
            for i, name in enumerate(names)}


def label_colour(label: str) -> str:
    if label not in LABEL_COLOURS:
        raise ValueError(f"unknown team label {label!r}; known: {', '.join(LABEL_COLOURS)}")
    return LABEL_COLOURS[label]


def _label_handles(labels: pd.Series) -> list[Patch]:
    """A legend entry for every label shown, with what it means."""
    shown = [name for name in LABEL_COLOURS if name in set(labels)]
    return [Patch(color=LABEL_COLOURS[n], label=f"{n}: {LABEL_MEANINGS[n]}") for n in shown]


def _legend_below(fig: Figure, handles: list, ncols: int) -> float:
    """The legend under the axes, where it can hide no point or label; returns the share of
    the figure's height to leave for it (``tight_layout(rect=...)``)."""
    fig.legend(handles=handles, loc="lower center", ncols=ncols, fontsize=7, frameon=False)
    rows = -(-len(handles) // ncols)
    return (0.03 + 0.028 * rows) * 6 / fig.get_figheight()


def _save(fig: Figure, path: Path) -> Path:
    # The figure's own dpi: labels were placed in its pixels, so no rescaling moves them.
    fig.savefig(path, dpi=fig.dpi)
    plt.close(fig)
    return path


# -- team labels that do not overlap -------------------------------------------------------

def overlapping_labels(fig: Figure, texts: list[Text],
                       avoid: list[Artist] = ()) -> list[tuple[str, str]]:
    """Pairs of texts whose drawn boxes overlap each other or one of ``avoid`` (the
    renderer's boxes, in pixels; the text alone, not an annotation's leader line)."""
    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in texts]
    pairs = [(texts[i].get_text(), texts[j].get_text())
             for i, j in itertools.combinations(range(len(texts)), 2)
             if boxes[i].overlaps(boxes[j])]
    for a in avoid:
        other = a.get_window_extent(renderer)
        pairs += [(t.get_text(), type(a).__name__) for t, b in zip(texts, boxes, strict=True)
                  if b.overlaps(other)]
    return pairs


def place_labels(fig: Figure, ax: Axes, x: np.ndarray, y: np.ndarray, names: list[str],
                 *, avoid: list[Artist] = (), force_column: bool = False) -> list[Text]:
    """Team names next to their points with no two overlapping, nor overlapping ``avoid``
    (the axes' own notes). Call it after the axes' limits and the figure layout are final:
    placement is in pixels. When adjustText leaves an overlap the names go to a column just
    right of the axes: the figure must leave a margin there."""
    texts = [ax.text(a, b, n, fontsize=LABEL_FONT_SIZE) for a, b, n in zip(x, y, names,
                                                                           strict=True)]
    if not texts:
        return texts
    if not force_column:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # adjustText reads objects' boxes in data coordinates
        boxes = [a.get_window_extent(renderer).transformed(ax.transData.inverted())
                 for a in avoid]
        adjust_text(texts, x=np.asarray(x, float), y=np.asarray(y, float), ax=ax,
                    objects=boxes or None, iter_lim=LABEL_ITERATIONS,
                    arrowprops={"arrowstyle": "-", "lw": 0.4, "color": GUIDE_COLOUR})
        if not overlapping_labels(fig, texts, avoid):
            return texts
    for t in texts:
        t.remove()
    for p in list(ax.patches):  # adjustText's leader lines
        p.remove()
    return _label_column(ax, x, y, names)


def _label_column(ax: Axes, x: np.ndarray, y: np.ndarray, names: list[str]) -> list[Text]:
    """The layout that cannot overlap: the names in one column right of the axes, in the
    order of their points' heights, one line apart, each with a leader line."""
    order = np.argsort(-np.asarray(y, float), kind="stable")
    step = 1.0 / (len(names) + 1)
    texts = []
    for k, i in enumerate(order):
        texts.append(ax.annotate(
            names[i], (x[i], y[i]), xytext=(1.02, 1 - (k + 1) * step),
            textcoords="axes fraction", fontsize=LABEL_FONT_SIZE, va="center",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": GUIDE_COLOUR}))
    return texts


# -- prediction plots ----------------------------------------------------------------------

def conference_ranks_figure(table: pd.DataFrame, title: str) -> tuple[Figure, list[Text]]:
    """Per conference, today's standings rank (x) against the projected final rank (y,
    ``projected_rank``: conference rank by simulated mean wins) or, in predictions without
    it, the rank by strength (``conference_rank``). 1 is top-left: a team above the diagonal
    is ranked higher by the model than by the standings (Sleeper side), below it lower
    (Paper Tiger side)."""
    projected = "projected_rank" in table.columns
    ycol = "projected_rank" if projected else "conference_rank"
    ylabel = ("projected final rank (mean simulated wins; ↑ better)" if projected
              else "rank by strength (↑ stronger)")
    fig, axes = plt.subplots(1, 2, figsize=(12, 6), sharey=True, dpi=DPI)
    for ax, conf in zip(axes, ("E", "W"), strict=True):
        sub = table[table["conference"] == conf]
        n = max(15, int(sub[["standings_rank", ycol]].max().max()) if len(sub) else 15)
        ax.plot([1, n], [1, n], color=GUIDE_COLOUR, lw=1, ls="--")
        ax.scatter(sub["standings_rank"], sub[ycol], marker=CONFERENCE_MARKERS[conf],
                   c=[label_colour(v) for v in sub["label"]], zorder=3)
        # The two triangles, named in their label's colour where no point of theirs is,
        # under the points and avoided by the team names (placed after the layout below).
        ax.set(xlim=(0.5, n + 0.5), ylim=(n + 0.5, 0.5))
        ax.set(title=CONFERENCE_NAMES[conf], xlabel="standings rank today (← better)")
    axes[0].set_ylabel(ylabel)
    bottom = _legend_below(fig, _label_handles(table["label"]), ncols=2)
    fig.suptitle(f"{title} — {'projected finish' if projected else 'strength'} against "
                 "standings")
    # w_pad and the right margin leave room for the fallback column of names (place_labels)
    fig.tight_layout(rect=(0, bottom, 0.95, 1), w_pad=5)
    texts = []
    for ax, conf in zip(axes, ("E", "W"), strict=True):
        sub = table[table["conference"] == conf]
        x, y = sub["standings_rank"].to_numpy(float), sub[ycol].to_numpy(float)
        notes = [_free_note(fig, ax, "Sleeper side:\nprojected to climb",
                            LABEL_COLOURS["Sleeper"], SLEEPER_SPOTS, x, y),
                 _free_note(fig, ax, "Paper Tiger side:\nprojected to fall",
                            LABEL_COLOURS["Paper Tiger"], PAPER_TIGER_SPOTS, x, y)]
        texts += place_labels(fig, ax, x, y, sub["team"].astype(str).tolist(), avoid=notes)
    return fig, texts


# Where a triangle's name may go (axes fraction, alignment), first choice first; all inside
# the triangle: with rank 1 top-left, the Sleeper side is above the diagonal on screen.
SLEEPER_SPOTS = ((0.97, 0.97, "right", "top"), (0.97, 0.62, "right", "center"),
                 (0.62, 0.97, "center", "top"), (0.97, 0.30, "right", "center"))
PAPER_TIGER_SPOTS = ((0.03, 0.03, "left", "bottom"), (0.03, 0.38, "left", "center"),
                     (0.38, 0.03, "center", "bottom"), (0.03, 0.70, "left", "center"))


def _free_note(fig: Figure, ax: Axes, text: str, colour: str,
               spots: tuple[tuple[float, float, str, str], ...], x: np.ndarray,
               y: np.ndarray) -> Text:
    """A note at the first of ``spots`` whose box (with a margin) covers none of the points;
    the first spot when every one does."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(np.column_stack([x, y])) if len(x) else np.empty((0, 2))
    note = None
    for fx, fy, ha, va in spots:
        if note is not None:
            note.remove()
        note = ax.text(fx, fy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                       color=colour, zorder=1)
        box = note.get_window_extent(renderer).padded(8)
        if not any(box.contains(px, py) for px, py in pts):
            return note
    note.remove()
    fx, fy, ha, va = spots[0]
    return ax.text(fx, fy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                   color=colour, zorder=1)


def plot_conference_ranks(table: pd.DataFrame, path: Path, title: str) -> Path:
    return _save(conference_ranks_figure(table, title)[0], path)


def title_odds_figure(table: pd.DataFrame, title: str, top: int) -> Figure:
    sub = table.sort_values("p_title", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 5), dpi=DPI)
    ax.barh(sub["team"].astype(str), 100 * sub["p_title"],
            color=[label_colour(v) for v in sub["label"]])
    for y, v in enumerate(100 * sub["p_title"]):
        ax.text(v, y, f" {v:.1f}%", va="center", fontsize=8)
    ax.set(xlabel="championship probability, % (more →)",
           title=f"{title} — title odds, top {top}")
    ax.set_xlim(0, max(1.0, 100 * float(sub["p_title"].max())) * 1.18)
    ax.legend(handles=_label_handles(sub["label"]), loc="lower right", fontsize=7,
              title="bar colour: label", title_fontsize=7)
    fig.tight_layout()
    return fig


def plot_title_odds(table: pd.DataFrame, path: Path, title: str, top: int = 10) -> Path:
    return _save(title_odds_figure(table, title, top), path)


def strength_vs_standings_figure(table: pd.DataFrame, title: str) -> tuple[Figure, list[Text]]:
    """Strength against win% to date; colour = label, marker = conference."""
    fig, ax = plt.subplots(figsize=(7.5, 7), dpi=DPI)
    ax.axhline(50, color=GUIDE_COLOUR, lw=1, ls="--")
    for conf, marker in CONFERENCE_MARKERS.items():
        sub = table[table["conference"] == conf]
        ax.scatter(sub["win_pct"], sub["strength"], marker=marker, zorder=3,
                   c=[label_colour(v) for v in sub["label"]])
    ax.set(xlabel="win% to date (better →)",
           ylabel="strength, 0-100 (↑ stronger; dashed = league average 50)",
           title=f"{title} — strength vs standings")
    confs = [Line2D([], [], ls="", marker=m, markerfacecolor="white",
                    markeredgecolor=GUIDE_COLOUR, label=CONFERENCE_NAMES[c])
             for c, m in CONFERENCE_MARKERS.items()]
    ax.margins(0.08)
    bottom = _legend_below(fig, _label_handles(table["label"]) + confs, ncols=2)
    fig.tight_layout(rect=(0, bottom, 0.94, 1))  # the right margin: see place_labels
    texts = place_labels(fig, ax, table["win_pct"].to_numpy(float),
                         table["strength"].to_numpy(float), table["team"].astype(str).tolist())
    return fig, texts


def plot_strength_vs_standings(table: pd.DataFrame, path: Path, title: str) -> Path:
    return _save(strength_vs_standings_figure(table, title)[0], path)


def write_plots(table: pd.DataFrame, out_dir: Path, title: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        plot_conference_ranks(table, out_dir / "conference_ranks.png", title),
        plot_title_odds(table, out_dir / "title_odds.png", title),
        plot_strength_vs_standings(table, out_dir / "strength_vs_standings.png", title),
    ]


# -- backtest plots ------------------------------------------------------------------------

def reliability_figure(table: pd.DataFrame, title: str) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 6), dpi=DPI)
    ax.plot([0, 1], [0, 1], color=GUIDE_COLOUR, lw=1, ls="--",
            label="calibrated (closer = better)")
    styles = predictor_styles(list(dict.fromkeys(table["predictor"])))
    for name, g in table.groupby("predictor", sort=False):
        colour, marker = styles[name]
        ax.errorbar(g["predicted"], g["observed"], yerr=2 * g["se"], marker=marker, ms=4,
                    capsize=2, lw=1, color=colour, label=name)
    ax.set(xlabel="predicted P(home wins), bin mean", ylabel="observed home-win rate",
           xlim=(0, 1), ylim=(0, 1), title=f"{title} — reliability of game probabilities")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_reliability(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Observed home-win rate against the predicted probability, per predictor, with
    two-standard-error bars (``BacktestResult.reliability``'s table)."""
    return _save(reliability_figure(table, title), path)


def wilson_interval(observed: np.ndarray, n: np.ndarray, z: float = 1.96
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a share: unlike ± 2 se it is not empty when a bin saw no
    title at all (observed 0), the usual case for long-shot odds."""
    p, n = np.asarray(observed, float), np.asarray(n, float)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def odds_reliability_figure(table: pd.DataFrame, title: str) -> Figure:
    """Title (left) and finals (right) odds: observed share against the bin's mean odds,
    per predictor, with 95% Wilson intervals; axes on a square-root scale because the bins
    (``evaluation.backtest.ODDS_BIN_EDGES``) crowd near 0. Each point is labelled with its
    bin's number of teams when one predictor is shown, else the legend gives the total."""
    outcomes = [o for o in ("title", "finals") if o in set(table["outcome"])]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(6.2 * len(outcomes), 5.8), dpi=DPI,
                             squeeze=False)
    names = list(dict.fromkeys(table["predictor"]))
    styles = predictor_styles(names)
    # A small sideways shift per predictor so bars of one bin do not hide each other.
    shifts = np.linspace(-0.012, 0.012, len(names)) if len(names) > 1 else np.zeros(1)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        sub = table[table["outcome"] == outcome]
        ax.plot([0, 1], [0, 1], color=GUIDE_COLOUR, lw=1, ls="--",
                label="calibrated (closer = better)")
        for k, name in enumerate(names):
            g = sub[sub["predictor"] == name]
            if g.empty:
                continue
            lo, hi = wilson_interval(g["observed"].to_numpy(), g["n"].to_numpy())
            obs = g["observed"].to_numpy(float)
            # shifted on the square-root scale the axis uses, so the shift looks the same
            xs = np.clip(np.sqrt(g["predicted"].to_numpy(float)) + shifts[k], 0, 1) ** 2
            colour, marker = styles[name]
            # the interval holds the share; rounding may put an end a hair inside it
            yerr = [np.maximum(obs - lo, 0), np.maximum(hi - obs, 0)]
            ax.errorbar(xs, obs, yerr=yerr, marker=marker, ms=4, capsize=2, lw=1, color=colour,
                        label=f"{name} ({int(g['n'].sum())} team-seasons)")
            if len(names) == 1:
                for px, py, cnt in zip(g["predicted"], obs, g["n"], strict=True):
                    ax.annotate(f"n={cnt}", (px, py), xytext=(4, -10),
                                textcoords="offset points", fontsize=7)
        did = "won the title" if outcome == "title" else "reached the finals"
        ax.set_xscale("function", functions=(np.sqrt, np.square))
        ax.set_yscale("function", functions=(np.sqrt, np.square))
        ticks = [0, 0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.75, 1]
        ax.set_xticks(ticks, [f"{100 * t:g}%" for t in ticks], fontsize=7)
        ax.set_yticks(ticks, [f"{100 * t:g}%" for t in ticks], fontsize=7)
        ax.set(xlim=(0, 1), ylim=(0, 1),
               xlabel=f"predicted {outcome} odds at the end of the regular season, bin mean",
               ylabel=f"observed share that {did}",
               title=f"{outcome} odds (bars: 95% Wilson interval)")
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{title} — reliability of title and finals odds "
                 "(above the diagonal = underrated)")
    fig.tight_layout()
    return fig


def plot_odds_reliability(table: pd.DataFrame, path: Path, title: str) -> Path:
    """``title_reliability.png``: ``BacktestResult.odds_reliability()``'s table drawn."""
    return _save(odds_reliability_figure(table, title), path)
