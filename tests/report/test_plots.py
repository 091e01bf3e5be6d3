"""Issue 12, the plots: files written, team labels that never overlap (adjustText, checked
with the renderer's text boxes), one meaning per colour across every figure, axes that say
which way is better, a legend for every label shown, and the title-odds reliability diagram.
Tiny hand-made tables: no store, no model."""

from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Annotation

from truestrength.report import plots

LABELS = ["Sleeper", "Paper Tiger", "Aligned", "Unrated"]


def league(n_per_conf: int = 15, crowded: bool = False, labels=None) -> pd.DataFrame:
    """A predictions table in the shape make_predictions writes (the plotted columns).
    ``crowded``: the East's teams all at nearly one point (the "ATOBHX" case)."""
    rng = np.random.default_rng(3)
    rows = []
    for conf in ("E", "W"):
        order = rng.permutation(n_per_conf) + 1
        for k in range(n_per_conf):
            tight = crowded and conf == "E"
            rows.append({
                "team": f"{conf}{k:02d}",
                "conference": conf,
                "win_pct": 0.5 + (rng.normal(0, 0.001) if tight else rng.uniform(-0.3, 0.3)),
                "strength": 50 + (rng.normal(0, 0.05) if tight else rng.uniform(-20, 20)),
                "standings_rank": k + 1,
                "conference_rank": int(order[k]),
                "p_title": float(rng.dirichlet(np.ones(2))[0]) / 15,
                "label": (labels or LABELS)[k % len(labels or LABELS)],
            })
    return pd.DataFrame(rows)


def colour(c) -> str:
    return mcolors.to_hex(c, keep_alpha=False)


def artist_colours(fig) -> set[str]:
    """Every face and line colour of the data artists (points, bars, lines) of a figure."""
    out: set[str] = set()
    for ax in fig.axes:
        for coll in ax.collections:
            out |= {colour(c) for c in coll.get_facecolors()}
        for line in ax.lines:
            if line.get_linestyle() not in ("None", ""):
                out.add(colour(line.get_color()))
            elif line.get_marker() not in (None, "None", ""):
                out.add(colour(line.get_markerfacecolor()))
        for patch in ax.patches:
            if patch.get_visible() and type(patch).__name__ == "Rectangle":
                out.add(colour(patch.get_facecolor()))
    return out


def test_palettes_are_disjoint_and_each_figure_uses_only_its_meanings():
    pal = {k: [colour(c) for c in v] for k, v in plots.palettes().items()}
    for k, v in pal.items():
        assert len(set(v)) == len(v), k  # no two labels / predictors share a colour
    for a, b in itertools.combinations(pal, 2):
        assert not set(pal[a]) & set(pal[b]), (a, b, set(pal[a]) & set(pal[b]))
    assert set(plots.LABEL_COLOURS) == set(LABELS)

    table = league()
    allowed = set(pal["label"]) | set(pal["guide"])
    fig, _ = plots.strength_vs_standings_figure(table, "t")
    used = artist_colours(fig)
    assert used and used <= allowed, used - allowed
    # every label has its own colour on the figure, whatever the conference
    for name, c in plots.LABEL_COLOURS.items():
        assert colour(c) in used, name
    fig, _ = plots.conference_ranks_figure(table, "t")
    assert artist_colours(fig) <= allowed
    assert artist_colours(plots.title_odds_figure(table, "t", 10)) <= allowed | {"#ffffff"}

    rel = pd.DataFrame({"predictor": ["win_pct", "win_pct", "model_ab", "mystery"],
                        "predicted": [0.3, 0.7, 0.5, 0.5], "observed": [0.35, 0.6, 0.5, 0.4],
                        "se": [0.02, 0.02, 0.03, 0.03], "n": [100, 100, 80, 80]})
    used = artist_colours(plots.reliability_figure(rel, "t"))
    assert used <= set(pal["predictor"]) | set(pal["guide"]), used
    styles = plots.predictor_styles(["win_pct", "mystery", "other"])
    assert styles["win_pct"][0] == plots.PREDICTOR_COLOURS["win_pct"]
    assert styles["mystery"][0] != styles["other"][0]
    assert len({m for _, m in styles.values()}) == 3


def test_an_unknown_label_is_refused_by_name():
    with pytest.raises(ValueError, match="'Dark Horse'"):
        plots.strength_vs_standings_figure(league(labels=["Dark Horse"]), "t")


def boxes_overlap(fig, texts) -> list[tuple[str, str]]:
    """Pairs of texts whose drawn boxes overlap: the text alone (an annotation's own
    window extent would include its leader line)."""
    from matplotlib.text import Text

    fig.canvas.draw()  # the drawn figure, not positions set before drawing
    renderer = fig.canvas.get_renderer()
    b = [Text.get_window_extent(t, renderer) for t in texts]
    return [(texts[i].get_text(), texts[j].get_text())
            for i, j in itertools.combinations(range(len(b)), 2) if b[i].overlaps(b[j])]


def test_team_labels_do_not_overlap_even_on_one_point():
    table = league(crowded=True)
    # without placement the 15 East names sit on one another (the bug: "ATOBHX")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=plots.DPI)
    east = table[table["conference"] == "E"]
    naive = [ax.annotate(t, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
             for t, x, y in zip(east["team"], east["win_pct"], east["strength"], strict=True)]
    ax.set(xlim=(0.1, 0.9), ylim=(25, 75))
    assert len(boxes_overlap(fig, naive)) > 50
    plt.close(fig)

    fig, texts = plots.strength_vs_standings_figure(table, "t")
    assert sorted(t.get_text() for t in texts) == sorted(table["team"])
    assert boxes_overlap(fig, texts) == []
    # placed by adjustText, not by the fallback column (whose labels are annotations)
    assert not any(isinstance(t, Annotation) for t in texts)
    # the labels stay inside the figure
    fb = fig.bbox
    renderer = fig.canvas.get_renderer()
    for t in texts:
        bb = t.get_window_extent(renderer)
        assert fb.x0 <= bb.x0 and bb.x1 <= fb.x1 and fb.y0 <= bb.y0 and bb.y1 <= fb.y1, t

    # every team on the diagonal: neighbours one rank apart in both directions
    on_diagonal = table.assign(projected_rank=table["standings_rank"])
    fig, texts = plots.conference_ranks_figure(on_diagonal, "t")
    assert len(texts) == 30 and not any(isinstance(t, Annotation) for t in texts)
    for ax in fig.axes:
        mine = [t for t in texts if t.axes is ax]
        assert boxes_overlap(fig, mine + list(ax.texts[:2])) == []  # nor the triangles' names


def test_the_fallback_column_cannot_overlap():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 6), dpi=plots.DPI)
    x, y = np.full(15, 0.5), np.full(15, 50.0)
    ax.set(xlim=(0, 1), ylim=(0, 100))
    texts = plots.place_labels(fig, ax, x, y, [f"T{i}" for i in range(15)], force_column=True)
    assert len(texts) == 15 and boxes_overlap(fig, texts) == []
    plt.close(fig)


def test_axes_say_which_way_is_better_and_the_legend_explains_every_label(tmp_path):
    table = league()
    fig, _ = plots.strength_vs_standings_figure(table, "t")
    ax = fig.axes[0]
    assert "better →" in ax.get_xlabel() and "↑ stronger" in ax.get_ylabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    for name in LABELS:
        assert any(t.startswith(f"{name}:") for t in legend), (name, legend)
    assert "East" in legend and "West" in legend

    # conference_ranks: the projected final rank when the table has it, the triangles named
    fig, _ = plots.conference_ranks_figure(table.assign(projected_rank=table["conference_rank"]),
                                           "t")
    left, right = fig.axes
    assert "projected final rank" in left.get_ylabel() and "↑ better" in left.get_ylabel()
    assert "← better" in left.get_xlabel()
    assert left.get_ylim()[0] > left.get_ylim()[1]  # rank 1 at the top
    words = " ".join(t.get_text() for t in left.texts)
    assert "Sleeper side" in words and "Paper Tiger side" in words
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("Unrated:") for t in legend)
    fig, _ = plots.conference_ranks_figure(table, "t")
    assert "rank by strength" in fig.axes[0].get_ylabel()

    # only the labels shown are in the legend: an all-Unrated early-season table
    fig, _ = plots.strength_vs_standings_figure(league(labels=["Unrated"]), "t")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert [t for t in legend if ":" in t] == [f"Unrated: {plots.LABEL_MEANINGS['Unrated']}"]

    paths = plots.write_plots(table, tmp_path, "2022-23 at 2023-01-15")
    assert [p.name for p in paths] == ["conference_ranks.png", "title_odds.png",
                                       "strength_vs_standings.png"]
    for p in paths:
        assert p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000


def test_label_placement_is_reproducible(tmp_path):
    table = league(crowded=True)
    a = plots.plot_strength_vs_standings(table, tmp_path / "a.png", "t").read_bytes()
    b = plots.plot_strength_vs_standings(table, tmp_path / "b.png", "t").read_bytes()
    assert a == b


def odds_table() -> pd.DataFrame:
    rows = []
    for name in ("elo_calibrated", "model_ab"):
        for outcome in ("title", "finals"):
            for lo, hi, n, pred, obs in ((0, 0.01, 40, 0.004, 0.0), (0.01, 0.03, 10, 0.02, 0.1),
                                         (0.1, 0.2, 6, 0.15, 0.167), (0.35, 0.5, 3, 0.4, 0.33),
                                         (0.5, 1.0, 6, 0.6, 1.0)):  # n=6: Wilson rounds below 1
                rows.append({"predictor": name, "outcome": outcome, "bin_low": lo,
                             "bin_high": hi, "n": n, "predicted": pred, "observed": obs,
                             "se": float(np.sqrt(obs * (1 - obs) / n))})
    return pd.DataFrame(rows)


def test_title_reliability_diagram(tmp_path):
    fig = plots.odds_reliability_figure(odds_table(), "t")
    title, finals = fig.axes
    assert "title odds" in title.get_xlabel() and "won the title" in title.get_ylabel()
    assert "finals" in finals.get_xlabel()
    legend = [t.get_text() for t in title.get_legend().get_texts()]
    assert any("closer = better" in t for t in legend)
    assert "elo_calibrated (65 team-seasons)" in legend
    used = artist_colours(fig)
    assert colour(plots.PREDICTOR_COLOURS["model_ab"]) in used
    assert not used & {colour(c) for c in plots.LABEL_COLOURS.values()}
    path = plots.plot_odds_reliability(odds_table(), tmp_path / "title_reliability.png", "t")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_wilson_interval_is_not_empty_at_zero_and_covers_the_share():
    lo, hi = plots.wilson_interval(np.array([0.0, 0.5, 1.0]), np.array([40, 10, 3]))
    assert lo[0] == 0 and 0.05 < hi[0] < 0.1  # 0 titles in 40: up to about 9%
    assert lo[1] < 0.5 < hi[1]
    assert hi[2] == 1 and 0.3 < lo[2] < 0.5
