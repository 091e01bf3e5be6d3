"""Issue 12: the tables ``demo`` prints go through the width-fitting layouts of
``report/terminal.py`` (as ``predict``'s do): at 80 and 160 columns every team name, its odds
and every metric and predictor name shown are whole. A hand-made prediction and backtest
table: the demo itself takes minutes and is not run here."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
from rich.console import Console

from truestrength.app.demo import TRUTH_NOTE, TRUTH_ROW, DemoOutcome
from truestrength.base.config import DemoSection
from truestrength.inference.predict import PredictionMeta, Predictions
from truestrength.report.terminal import demo_tables, natural_width, prediction_table

WIDTHS = (80, 160)
PREDICTORS = ["win_pct", "point_diff", "srs", "elo", "elo_calibrated", "prev_rank", "model_a",
              "model_ab"]
# The table's ``team`` is the abbreviation (inference.predict), as in predict's tests.
TEAMS = ["POR", "OKC", "MIN", "NOP", "GSW", "PHI", "LAL", "LAC", "BOS", "BKN", "NYK", "TOR",
         "MIL", "CHI", "CLE", "DET", "IND", "ATL", "CHA", "MIA", "ORL", "WAS", "DEN", "UTA",
         "DAL", "HOU", "MEM", "SAS", "PHX", "SAC"]


def render(renderable, width: int) -> str:
    con = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    con.print(renderable)
    return con.export_text()


def predictions() -> Predictions:
    rng = np.random.default_rng(0)
    n = 30
    title = rng.dirichlet(np.ones(n) * 0.5)
    table = pd.DataFrame({
        "team_id": np.arange(1, n + 1),
        "team": TEAMS,
        "conference": ["E", "W"] * 15,
        "wins": rng.integers(5, 36, n), "losses": rng.integers(5, 36, n),
        "mean_wins": rng.uniform(20, 62, n).round(1),
        "strength": rng.uniform(20, 80, n),
        "conference_rank": np.tile(np.arange(1, 16), 2),
        "standings_rank": np.tile(np.arange(15, 0, -1), 2),
        "p_playoffs": rng.uniform(0, 1, n), "p_finals": title * 3, "p_title": title,
        "rank_model_a": np.arange(1, n + 1), "rank_model_b": np.arange(n, 0, -1),
        "label": ["Sleeper", "Paper Tiger", "Aligned", "Unrated", "Aligned"] * 6,
        "attention_degenerate": False,
    }).sort_values("strength", ascending=False).reset_index(drop=True)
    table["league_rank"] = np.arange(1, n + 1)
    meta = PredictionMeta(stacker_models=("model_a", "model_b"), stacker_weights=(0.7, 0.3),
                          stacker_home_advantage=0.4, stacker_games=600,
                          stacker_choice="blend", stacker_nested_log_loss={"blend": 0.62},
                          models_kendall_tau=0.6,
                          n_sims=1000, sim_seconds=1.0, label_margin=3, games_remaining=600,
                          schedule="stored", data_cutoff="2023-01-15")
    return Predictions("2022-23", pd.Timestamp("2023-01-15"), table, {}, meta)


def demo_metrics() -> pd.DataFrame:
    """What DemoOutcome.metrics makes of a backtest table and a truth check."""
    cols = ["ros_spearman@g20", "ros_spearman@g41", "po_spearman", "game_log_loss",
            "title_log_loss", "ros_kendall@g20"]
    table = pd.DataFrame(np.arange(len(PREDICTORS) * len(cols)).reshape(len(PREDICTORS),
                                                                          len(cols)) / 100 + 0.1,
                         index=PREDICTORS, columns=cols)
    truth = pd.DataFrame([{"season": "2022-23", "predictor": p, "point": pt,
                           "spearman_truth": 0.5 + i / 100}
                          for i, p in enumerate(PREDICTORS) for pt in ("g20", "g41")])
    fake = SimpleNamespace(backtest=SimpleNamespace(table=lambda: table), truth=truth)
    return DemoOutcome.metrics(fake, DemoSection().metrics)


def test_demo_metrics_are_the_configured_rows_and_the_truth_check():
    m = demo_metrics()
    assert list(m.index) == [*DemoSection().metrics, TRUTH_ROW]  # not ros_kendall@g20
    assert list(m.columns) == PREDICTORS
    assert m.loc[TRUTH_ROW, "elo"] == 0.53


def test_demo_tables_fit_80_and_160_columns():
    preds, metrics = predictions(), demo_metrics()
    top = DemoSection().top
    for width in WIDTHS:
        tables = demo_tables(preds, metrics, width, top, {TRUTH_ROW: TRUTH_NOTE})
        text = "".join(render(t, width) for t in tables)
        assert "…" not in text, width
        assert max(len(ln) for ln in text.splitlines()) <= width, width
        assert all(natural_width(t, width) <= width for t in tables[:-1]), width
        # the top teams, whole, each with its title and playoff odds on its line
        for r in preds.table.head(top).itertuples():
            line = next(ln for ln in text.splitlines() if re.search(rf"\b{r.team}\b", ln))
            assert f"{r.p_title:.1%}" in line and f"{r.p_playoffs:.0%}" in line, (width, line)
        assert not any(re.search(rf"\b{r.team}\b", text)
                       for r in preds.table.iloc[top:].itertuples())
        # every metric and predictor name whole, each figure shown once
        for code in metrics.index:
            assert code in text, (width, code)
        for name in PREDICTORS:
            assert re.search(rf"\b{name}\b", text), (width, name)
        for v in metrics.to_numpy().ravel():
            assert text.count(f"{v:.3f}") >= 1
        # a legend explains the codes in words, and which way is better
        flat = " ".join(text.split())
        assert "ros_spearman@g20: rank agreement, rest of season (g20) (higher is better)" \
            in flat
        assert "game_log_loss: game log loss, all games (lower is better)" in flat
        assert f"{TRUTH_ROW}: {TRUTH_NOTE}" in flat
    assert len(demo_tables(preds, metrics, 80, top)) > len(demo_tables(preds, metrics, 160,
                                                                       top))


def test_the_demo_command_prints_the_fitted_tables(monkeypatch, tmp_path):
    """``truestrength demo`` prints demo_tables (the pipeline replaced by its outcome)."""
    from typer.testing import CliRunner

    import truestrength.app.demo as demo_module
    from truestrength.cli import app

    preds, metrics = predictions(), demo_metrics()
    outcome = SimpleNamespace(predicted=SimpleNamespace(predictions=preds, out_dir=tmp_path),
                              metrics=lambda rows: metrics, seconds=1.0,
                              backtest_dir=tmp_path, db_path=tmp_path / "s.duckdb")
    monkeypatch.setattr(demo_module, "demo", lambda *a, **k: outcome)
    r = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    expected = "".join(render(t, 160) for t in demo_tables(preds, metrics, 160, 10,
                                                          {TRUTH_ROW: TRUTH_NOTE}))
    assert expected.strip() in r.output


def test_a_team_without_a_game_shows_no_standings_rank():
    preds = predictions()
    preds.table.loc[:, ["wins", "losses"]] = 0  # opening night: ranks are only tie-breaks
    preds.table.loc[0, ["wins", "losses"]] = (1, 0)
    text = render(prediction_table(preds, 160), 160)
    rows = [line for line in text.splitlines() if re.search(r"\b(0-0|1-0)\b", line)]
    assert len(rows) == 30
    first = preds.table.loc[0]
    for line in rows:
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        rank = str(first["standings_rank"])
        if "1-0" in cells:
            assert rank in cells
        else:
            assert "–" in cells
