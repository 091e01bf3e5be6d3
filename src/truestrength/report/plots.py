"""The plots a prediction run and a backtest write (matplotlib, files only: no screen
needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; this also works on machines without a display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def plot_conference_ranks(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Predicted conference rank (by strength) against the standings rank, per conference."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    for ax, (conf, name) in zip(axes, (("E", "East"), ("W", "West")), strict=True):
        sub = table[table["conference"] == conf]
        ax.plot([1, 15], [1, 15], color="grey", lw=1, ls="--")
        colors = sub["label"].map({"Sleeper": "tab:green", "Paper Tiger": "tab:red"}).fillna(
            "tab:blue")
        ax.scatter(sub["standings_rank"], sub["conference_rank"], c=colors)
        for r in sub.itertuples():
            ax.annotate(r.team, (r.standings_rank, r.conference_rank), fontsize=8,
                        xytext=(3, 3), textcoords="offset points")
        ax.set(title=name, xlabel="standings rank (to date)", xlim=(0.5, 15.5),
               ylim=(15.5, 0.5))
    axes[0].set_ylabel("predicted rank (strength)")
    fig.suptitle(f"{title} — green: Sleeper, red: Paper Tiger")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_title_odds(table: pd.DataFrame, path: Path, title: str, top: int = 10) -> Path:
    sub = table.sort_values("p_title", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.barh(sub["team"], 100 * sub["p_title"], color="tab:orange")
    for y, v in enumerate(100 * sub["p_title"]):
        ax.text(v, y, f" {v:.1f}%", va="center", fontsize=8)
    ax.set(xlabel="championship probability (%)", title=f"{title} — title odds, top {top}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_strength_vs_standings(table: pd.DataFrame, path: Path, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(7, 6))
    for conf, color in (("E", "tab:blue"), ("W", "tab:red")):
        sub = table[table["conference"] == conf]
        ax.scatter(sub["win_pct"], sub["strength"], c=color, label=conf)
        for r in sub.itertuples():
            ax.annotate(r.team, (r.win_pct, r.strength), fontsize=8, xytext=(3, 3),
                        textcoords="offset points")
    ax.axhline(50, color="grey", lw=1, ls="--")
    ax.set(xlabel="win% to date", ylabel="strength (0-100; 50 = league average)",
           title=f"{title} — strength vs standings")
    ax.legend(title="conference")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_plots(table: pd.DataFrame, out_dir: Path, title: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        plot_conference_ranks(table, out_dir / "conference_ranks.png", title),
        plot_title_odds(table, out_dir / "title_odds.png", title),
        plot_strength_vs_standings(table, out_dir / "strength_vs_standings.png", title),
    ]


def plot_reliability(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Observed home-win rate against the predicted probability, per predictor, with
    two-standard-error bars (``BacktestResult.reliability``'s table)."""
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="calibrated")
    for name, g in table.groupby("predictor", sort=False):
        ax.errorbar(g["predicted"], g["observed"], yerr=2 * g["se"], marker="o", ms=4,
                    capsize=2, lw=1, label=name)
    ax.set(xlabel="predicted P(home wins), bin mean", ylabel="observed home-win rate",
           xlim=(0, 1), ylim=(0, 1), title=f"{title} — reliability of game probabilities")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
