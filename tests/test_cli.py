"""The command line end to end, as a user runs it (Typer's runner, real files)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from truestrength.cli import app

runner = CliRunner()


@pytest.mark.realdata
def test_ingest_info_standings_and_a_refused_file(tmp_path, mini_dir):
    mini = mini_dir
    db = tmp_path / "t.duckdb"
    r = runner.invoke(app, ["ingest", str(mini / "games_2022-23.csv"),
                            str(mini / "player_logs_2022-23.csv"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "player rows added: 65" in r.output
    again = runner.invoke(app, ["ingest", str(mini), "--db", str(db)])
    assert again.exit_code == 0 and "nothing new" not in again.output  # 2021-22 is new
    r = runner.invoke(app, ["info", "--db", str(db)])
    assert r.exit_code == 0 and "2022-23" in r.output and "2021-22" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text((mini / "games_2022-23.csv").read_text().replace(",126,", ",12x,", 1))
    r = runner.invoke(app, ["ingest", str(bad), "--db", str(db)])
    assert r.exit_code == 1
    assert "line 2" in r.output and "pts_home" in r.output and "Nothing was written" in r.output


def test_info_without_a_store_says_what_to_do(tmp_path):
    r = runner.invoke(app, ["info", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 1 and "truestrength ingest" in r.output


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "--out", str(out), "--seasons", "3"])
    assert r.exit_code == 0, r.output
    pred_dirs = list((out / "runs").glob("*-predict-*"))
    assert len(pred_dirs) == 1
    d = pred_dirs[0]
    for name in ("predictions.json", "predictions.csv", "run_manifest.json",
                 "conference_ranks.png", "title_odds.png", "strength_vs_standings.png"):
        assert (d / name).is_file(), name
    table = pd.read_csv(d / "predictions.csv")
    assert len(table) == 30
    assert table["p_title"].sum() == pytest.approx(1.0, abs=1e-9)
    assert set(table["label"]) <= {"Sleeper", "Paper Tiger", "Aligned"}
    assert ((table["strength"] >= 0) & (table["strength"] <= 100)).all()
    manifest = json.loads((d / "run_manifest.json").read_text())
    assert {"config", "code_version", "data_hash", "seeds"} <= set(manifest)
    bt = json.loads((out / "backtest" / "backtest.json").read_text())
    assert {"model_a", "model_ab", "elo", "elo_calibrated"} <= set(bt["meta"]["predictors"])
    assert (out / "backtest" / "reliability.png").is_file()
    assert (out / "backtest" / "backtest.html").is_file()
    assert (d / "rosters.csv").is_file()
    assert "How good is this model?" in (d / "report.html").read_text()
    assert bt["paired_games_vs_reference"]  # against calibrated Elo, game by game
    assert "done in" in r.output

    # predicting from the demo's run: refusals and early-season labels
    run = next(p for p in (out / "runs").iterdir() if (p / "ensemble.json").exists())
    db = out / "truestrength.duckdb"
    games = pd.read_csv(sorted((out / "league" / "games").glob("*.csv.gz"))[-1])
    playoffs = games.loc[games["game_type"] == "playoffs", "game_date"].sort_values()
    r = runner.invoke(app, ["predict", "--date", playoffs.iloc[3], "--run", str(run),
                            "--db", str(db), "--runs", str(tmp_path / "p")])
    assert r.exit_code == 1 and "play-in/playoffs" in r.output
    other = tmp_path / "other.yaml"
    other.write_text("model_a:\n  hidden_dim: 64\n")
    r = runner.invoke(app, ["predict", "--date", playoffs.iloc[0], "--run", str(run),
                            "--db", str(db), "--config", str(other)])
    assert r.exit_code == 1 and "model_a.hidden_dim" in r.output
    opening = games.loc[games["game_type"] == "regular_season", "game_date"].min()
    r = runner.invoke(app, ["predict", "--date", opening, "--run", str(run), "--db", str(db),
                            "--runs", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    early = pd.read_csv(next((tmp_path / "p").glob("*/predictions.csv")))
    assert set(early["label"]) == {"Unrated"} and len(early) == 30

    # a season under way: the store ends at the date but holds the league's schedule, so
    # the odds use the stored remaining games
    from truestrength.base.config import Config
    from truestrength.data.store import Store
    from truestrength.inference.predict import make_predictions
    from truestrength.training.ensemble import EnsembleAB

    with Store(db, read_only=True) as store:
        data = store.league()
    midseason = pd.Timestamp(sorted(games["game_date"])[len(games) // 3])
    preds = make_predictions(EnsembleAB.load(run), data.before(midseason), midseason, Config())
    assert preds.meta.schedule == "stored" and preds.meta.games_remaining > 300
    assert preds.table["p_playoffs"].sum() == pytest.approx(16.0)
    assert (preds.table["mean_wins"] > preds.table["wins"]).all()


def test_project_errors_print_one_line_and_bugs_surface(tmp_path, monkeypatch):
    from truestrength.app import store as jobs
    from truestrength.base.errors import DataError

    def user_error(db):
        raise DataError("the store holds no 2031-32")

    monkeypatch.setattr(jobs, "info", user_error)
    r = runner.invoke(app, ["info", "--db", str(tmp_path / "x.duckdb")])
    assert r.exit_code == 1 and r.output.strip() == "error: the store holds no 2031-32"
    assert isinstance(r.exception, SystemExit)

    def bug(db):
        raise KeyError("a column the code expected")

    monkeypatch.setattr(jobs, "info", bug)
    r = runner.invoke(app, ["info", "--db", str(tmp_path / "x.duckdb")])
    assert isinstance(r.exception, KeyError)  # not turned into a user message
    assert "error:" not in r.output


def test_bad_option_values_are_one_line_errors(tmp_path):
    r = runner.invoke(app, ["synth", str(tmp_path / "l"), "--first-season", "1900"])
    assert r.exit_code == 1 and "first_season" in r.output
    bad = tmp_path / "c.yaml"
    bad.write_text("model_a:\n  hiden_dim: 8\n")
    r = runner.invoke(app, ["synth", str(tmp_path / "l"), "--config", str(bad)])
    assert r.exit_code == 1 and "hiden_dim" in r.output
    r = runner.invoke(app, ["backtest", "--predictors", "oracle", "--db", str(tmp_path / "n")])
    assert r.exit_code == 1 and "no store at" in r.output


def one_error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


@pytest.mark.parametrize("date", ["", "  ", "2023", "15/01/2023", "2023-1-5", "2023-13-45",
                                  "2023-02-30", "now", "2023-01-15T12:00"])
def test_predict_bad_date_says_the_expected_format(tmp_path, date):
    # Checked before the store or the run is looked at: neither exists here.
    r = runner.invoke(app, ["predict", "--date", date, "--db", str(tmp_path / "none.duckdb"),
                            "--runs", str(tmp_path / "runs")])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    line = one_error_line(r.output)
    assert "--date" in line and "YYYY-MM-DD" in line


def test_predict_run_that_is_missing_or_a_file_is_a_run_error(tmp_path):
    from truestrength.app.runs import resolve_run
    from truestrength.base.errors import RunError

    a_file = tmp_path / "run.txt"
    a_file.write_text("not a run")
    empty = tmp_path / "empty_run"
    empty.mkdir()
    for run, says in ((tmp_path / "no-such-run", "no such folder"),
                      (a_file, "a file, not a run folder"),
                      (empty, "not a trained run")):
        with pytest.raises(RunError, match=says):
            resolve_run(run, tmp_path)
        r = runner.invoke(app, ["predict", "--date", "2023-01-15", "--run", str(run),
                                "--db", str(tmp_path / "none.duckdb")])
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
        assert says in one_error_line(r.output) and str(run) in r.output
    r = runner.invoke(app, ["predict", "--date", "2023-01-15", "--runs", str(a_file)])
    assert "no trained run under" in one_error_line(r.output)


def test_synth_into_a_file_or_under_one_is_refused_and_the_file_kept(tmp_path):
    a_file = tmp_path / "league.csv"
    a_file.write_text("keep me\n")
    for out, says in ((a_file, "is a file; synth writes a folder"),
                      (a_file / "league", f"{a_file} is a file, not a folder")):
        r = runner.invoke(app, ["synth", str(out), "--seasons", "1"])
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
        assert says in one_error_line(r.output)
    assert a_file.read_text() == "keep me\n"
