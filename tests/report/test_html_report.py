"""The HTML reports on the synthetic league: `truestrength report` from two real prediction
folders (the change columns), a real baseline backtest (its backtest.html and the model
card), escaping, refused inputs, and the page in headless Chromium (marked ``browser``).

The prediction is the real path (availability, snapshots, simulation, files, plots) with
Model A's network replaced by the league's truth, as in tests/inference/test_availability:
a trained network would cost minutes and the page does not depend on its quality.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from truestrength.app.evaluate import write_backtest
from truestrength.app.predictors import predictor_factories
from truestrength.app.report import write_report
from truestrength.base.config import (
    BacktestSection,
)
from truestrength.base.errors import RunError
from truestrength.cli import app
from truestrength.evaluation.backtest import backtest
from truestrength.inference.predict import make_predictions
from truestrength.report.plots import write_plots

from helpers import truth_config, truth_ensemble

CONFIG = truth_config(n_sims=1000, seed=1)


@pytest.fixture(scope="module")
def folders(synthetic, tmp_path_factory):
    """Two predictions of the third season (a month apart) in sibling folders, and a baseline
    backtest of that season."""
    data, season, ens, ability = truth_ensemble(synthetic, CONFIG)
    days = sorted(data.standings_games(season)["game_date"].unique())
    root = tmp_path_factory.mktemp("report")
    out = []
    for day in (days[len(days) // 2 - 30], days[len(days) // 2]):
        date = pd.Timestamp(day)
        preds = make_predictions(ens, data, date, CONFIG)
        folder = root / "runs" / f"run-predict-{date:%Y%m%d}"
        preds.write(folder)
        write_plots(preds.table, folder, f"{season} at {date:%Y-%m-%d}")
        out.append((folder, preds))
    bt = backtest(data, predictor_factories(["win_pct", "elo", "elo_calibrated"], CONFIG),
                  BacktestSection(test_seasons=[season], n_boot=100, n_boot_games=100,
                                  n_boot_paired=100), CONFIG.simulation)
    write_backtest(bt, root / "backtest", "elo_calibrated")
    return out, root / "backtest"


def team_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="team-row [a-z]+" data-team="([^"]+)"', html)


def test_report_shows_every_team_the_files_figures_and_the_change(folders, tmp_path):
    (old_dir, old), (new_dir, new) = folders[0]
    got = write_report(new_dir, folders[1], None, CONFIG)
    assert got.path == new_dir / "report.html"
    html = got.path.read_text()
    assert sorted(team_rows(html)) == sorted(new.table["team"])
    assert len(team_rows(html)) == 30
    # self-contained: no reference to anything outside the file
    assert not re.search(r'(src|href)="(?!data:image/png;base64,|#)', html)
    assert html.count('src="data:image/png;base64,') == 3
    # the change since the previous prediction is the difference of the two files' figures
    assert got.page.previous is not None and old_dir.name in got.page.previous
    a = new.table.set_index("team_id")
    b = old.table.set_index("team_id")
    for t in got.page.teams:
        assert t.d_title == pytest.approx(a.at[t.team_id, "p_title"] - b.at[t.team_id, "p_title"])
        assert t.d_strength == pytest.approx(a.at[t.team_id, "strength"]
                                             - b.at[t.team_id, "strength"])
    # projected record: the simulated wins and the rest of the team's season
    for t in got.page.teams:
        assert t.projected_wins + t.projected_losses == pytest.approx(82, abs=0.11)
    # the roster is Model A's, by minutes, without the players treated as out
    rosters = pd.read_csv(new_dir / "rosters.csv")
    assert len(rosters) and rosters.groupby("team_id").size().min() >= 5
    outs = {(a.team_id, a.player_id) for a in new.absences
            if a.treated_out and a.out_on(new.date) and a.status != "traded"}
    assert outs, "the synthetic league at mid-season has injured rotation players"
    assert not outs & set(zip(rosters["team_id"], rosters["player_id"], strict=True))
    top = got.page.teams[0]
    mine = rosters[rosters["team_id"] == top.team_id]
    assert [r.player for r in top.roster] == mine["player"].tolist()
    assert [r.minutes for r in top.roster] == sorted((r.minutes for r in top.roster),
                                                     reverse=True)
    assert sum(r.attention for r in top.roster) == pytest.approx(1.0, abs=1e-4)
    n_abs = pd.read_csv(new_dir / "absences.csv")
    assert sum(len(t.absences) for t in got.page.teams) == len(n_abs)
    # the card: the backtest's own figures
    card = got.page.card
    assert [r.predictor for r in card.rows] == ["elo_calibrated", "elo"]
    js = json.loads((folders[1] / "backtest.json").read_text())
    ll = next(r["mean"] for r in js["summary"] if r["predictor"] == "elo"
              and r["metric"] == "regular_log_loss")
    assert card.rows[1].log_loss.startswith(f"{ll:.4f}")
    # the first prediction has no earlier sibling: no change column
    first = write_report(old_dir, None, tmp_path / "first.html", CONFIG)
    assert first.page.previous is None and first.page.card is None
    assert "<th>change</th>" not in first.path.read_text()
    assert "<th>change</th>" in html


def test_text_is_escaped(folders, tmp_path):
    src = folders[0][1][0]
    folder = tmp_path / "p"
    shutil.copytree(src, folder)
    js = json.loads((folder / "predictions.json").read_text())
    js["teams"][0]["team"] = '<script>alert("x")</script>'
    js["teams"][0]["drivers"][0]["player"] = "O'Neal & <b>Sons</b>"
    (folder / "predictions.json").write_text(json.dumps(js))
    html = write_report(folder, None, None, CONFIG).path.read_text()
    assert "<script>" not in html and "<b>Sons" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "O&#39;Neal &amp; &lt;b&gt;Sons&lt;/b&gt;" in html


def test_bad_inputs_are_run_errors_naming_file_and_field(folders, tmp_path):
    with pytest.raises(RunError, match="no predictions.json"):
        write_report(tmp_path, None, None, CONFIG)
    with pytest.raises(RunError, match="--predictions .*: no such folder"):
        write_report(tmp_path / "nope", None, None, CONFIG)
    folder = tmp_path / "p"
    shutil.copytree(folders[0][1][0], folder)
    js = json.loads((folder / "predictions.json").read_text())
    del js["teams"][3]["p_title"]
    (folder / "predictions.json").write_text(json.dumps(js))
    with pytest.raises(RunError, match=r"predictions.json, teams\[3\]: missing field 'p_title'"):
        write_report(folder, None, None, CONFIG)
    (folder / "predictions.json").write_text("{not json")
    with pytest.raises(RunError, match="predictions.json: cannot read it as JSON"):
        write_report(folder, None, None, CONFIG)
    with pytest.raises(RunError, match="no backtest.json"):
        write_report(folders[0][1][0], tmp_path, tmp_path / "x.html", CONFIG)
    r = CliRunner().invoke(app, ["report", "--predictions", str(tmp_path / "nope")])
    assert r.exit_code == 1 and r.output.startswith("error: --predictions")


def test_backtest_html_has_the_legend_ci_tables_and_reliability(folders):
    bt = folders[1]
    html = (bt / "backtest.html").read_text()
    for code in ("ros_spearman@g20", "po_spearman", "title_log_loss", "regular_log_loss"):
        assert f">{code}<" in html  # the code name under its plain-language name
    assert "rank agreement, rest of season (g20)" in html
    assert "title odds log loss" in html and "lower is better" in html
    # reliability.png and title_reliability.png, the latter under the odds' heading
    assert (bt / "title_reliability.png").read_bytes().startswith(b"\x89PNG")
    assert html.count('src="data:image/png;base64,') == 2
    odds = html[html.index("<h2>Reliability of title and finals odds</h2>"):]
    assert 'alt="Reliability of title and finals odds"' in odds
    assert odds.index('alt="Reliability of title and finals odds"') < odds.index(
        'id="odds-reliability-1"')
    assert re.search(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]", html)  # per-season CIs
    assert 'id="reliability"' in html and "elo_calibrated" in html
    # title and finals odds: one reliability table each, every predictor a row
    assert 'id="odds-reliability-1"' in html and 'id="odds-reliability-2"' in html
    assert "won the title" in html and "reached the finals" in html
    assert not re.search(r'(src|href)="(?!data:image/png;base64,|#)', html)


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed and CI is set: the browser test cannot "
                        "be skipped in CI (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not found (apt-get install chromium); CI runs this test")
    return exe


def console_errors(stderr: str) -> list[str]:
    """Chromium's --enable-logging=stderr lines for page console messages and uncaught
    exceptions."""
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line or "Uncaught" in line or ":ERROR:CONSOLE" in line]


def run_chromium(exe: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [exe, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={page.parent / 'chromium-profile'}", *args,
         page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.browser
def test_report_renders_in_headless_chromium(folders, tmp_path):
    exe = chromium()
    (_, _), (new_dir, _) = folders[0]
    page = write_report(new_dir, folders[1], tmp_path / "report.html", CONFIG).path
    png = tmp_path / "report.png"
    shot = run_chromium(exe, page, f"--screenshot={png}", "--window-size=1400,3000")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.is_file() and png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
    assert console_errors(shot.stderr) == [], shot.stderr[-2000:]
    dom = run_chromium(exe, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(team_rows(dom.stdout)) == 30
    assert console_errors(dom.stderr) == []
    # The console check can fail: a page whose script throws is caught by it.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>")
    got = run_chromium(exe, bad, "--dump-dom")
    assert console_errors(got.stderr), got.stderr[-2000:]


def test_without_chromium_the_browser_test_fails_under_ci_and_skips_otherwise(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        chromium()
