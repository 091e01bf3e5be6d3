"""Issue 12, the command line: global options, --version, help wraps, tables that fit 80 /
100 / 160 columns, line-per-step output when not a terminal, prediction folders that are
never silently replaced, and runs used on another league."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from truestrength.base.league import LeagueData
from truestrength.cli import app

from helpers import FAST_YAML, train_with_cli

runner = CliRunner()

WIDTHS = (80, 100, 160)


def render(renderable, width: int) -> str:
    con = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    con.print(renderable)
    return con.export_text()


# -- global options, version, help ----------------------------------------------------------

def test_version_prints_the_code_version_and_exits_0():
    from truestrength.base.manifest import code_version

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"truestrength {code_version()}"
    assert re.fullmatch(r"truestrength \d+\.\d+\.\d+(\+g[0-9a-f]{12}(\.dirty)?)?",
                        r.output.strip())


def test_db_and_config_work_before_or_after_the_command(tmp_path):
    db = tmp_path / "none.duckdb"
    for args in (["--db", str(db), "info"], ["info", "--db", str(db)]):
        r = runner.invoke(app, args)
        assert r.exit_code == 1 and str(db) in r.output and "truestrength ingest" in r.output
    r = runner.invoke(app, ["--db", str(db), "info", "--db", str(tmp_path / "other.duckdb")])
    assert r.exit_code == 1
    assert r.output.startswith("error: --db given twice with different values"), r.output
    r = runner.invoke(app, ["--db", str(db), "info", "--db", str(db)])  # the same: fine
    assert "given twice" not in r.output
    bad = tmp_path / "c.yaml"
    bad.write_text("model_a:\n  hiden_dim: 8\n")
    for args in (["-c", str(bad), "synth", str(tmp_path / "l")],
                 ["synth", str(tmp_path / "l"), "--config", str(bad)]):
        r = runner.invoke(app, args)
        assert r.exit_code == 1 and "hiden_dim" in r.output
    r = runner.invoke(app, ["info"])  # the options of one call do not leak into the next
    assert str(db) not in r.output


def test_top_level_help_has_no_broken_wraps(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    r = runner.invoke(app, ["--help"], env={"COLUMNS": "80"})
    assert r.exit_code == 0 and "--version" in r.output and "--db" in r.output
    lines = r.output.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    box = lines[next(i for i, ln in enumerate(lines) if "Commands" in ln) + 1:]
    box = box[:next(i for i, ln in enumerate(box) if ln.startswith("╰"))]
    entries: list[list[str]] = []
    for ln in box:
        inner = ln.strip("│ ").rstrip()
        if re.match(r"│ [a-z]", ln):
            entries.append([inner.split(None, 1)[1]])  # the description, without the name
        else:
            entries[-1].append(inner)
    assert len(entries) >= 12
    column = max(len(ln) for entry in entries for ln in entry)
    for entry in entries:
        # a line broken early: the next line's first word would have fitted on it
        for ln, nxt in zip(entry, entry[1:], strict=False):
            assert len(ln) + 1 + len(nxt.split()[0]) > column, entry


def test_predict_date_help_states_the_format():
    r = runner.invoke(app, ["predict", "--help"], env={"COLUMNS": "120"})
    assert r.exit_code == 0 and "YYYY-MM-DD" in r.output and "--top" in r.output


# -- tables that fit ---------------------------------------------------------------------

def test_backtest_and_info_tables_fit_every_width():
    from truestrength.report.terminal import metric_tables, natural_width, store_table

    names = ["win_pct", "point_diff", "srs", "elo", "elo_calibrated", "prev_rank", "rapm",
             "model_a", "model_b", "model_ab"]
    metrics = pd.DataFrame([[0.1234 * (i + 1) + j for i in range(len(names))] for j in range(4)],
                           columns=names,
                           index=["ros_spearman@g20", "po_spearman", "game_log_loss", "x"])
    seasons = pd.DataFrame({"season": ["2010-11", "2023-24"], "regular": [1230, 1230],
                            "cup_final": [0, 1], "play_in": [0, 6], "playoff": [81, 82],
                            "first": ["2010-10-26", "2023-10-24"],
                            "last": ["2011-06-12", "2024-06-17"], "rows": [25000, 26000],
                            "players": [452, 572]})
    for width in WIDTHS:
        tables = metric_tables("backtest 2021-22: mean over test seasons", metrics, width)
        text = "".join(render(t, width) for t in tables)
        assert "…" not in text
        assert all(natural_width(t, width) <= width for t in tables)
        for name in names:
            assert re.search(rf"\b{name}\b", text), (width, name)
        assert text.count("0.123") == 1 and "ros_spearman@g20" in text
        info = render(store_table("store", seasons, width), width)
        assert "…" not in info and "2010-11" in info and "2024-06-17" in info
    assert len(metric_tables("t", metrics, 80)) > 1 and len(metric_tables("t", metrics, 160)) \
        < len(metric_tables("t", metrics, 80))


# -- a trained run on the synthetic league, trained through the CLI ------------------------

@pytest.fixture(scope="module")
def trained(synthetic, tmp_path_factory):
    """``train`` run by the CLI (not a terminal) on the first two synthetic seasons."""
    root = tmp_path_factory.mktemp("cli_out")
    run, cfg, db, output = train_with_cli(synthetic, root)
    return {"root": root, "cfg": cfg, "db": db, "run": run, "output": output,
            "data": synthetic.data}


def test_train_prints_a_line_per_stage_and_epoch_when_not_a_terminal(trained):
    out = trained["output"]
    for k in (1, 2, 3):
        assert f"stage {k}/3: " in out
    assert re.search(r"model A \(hold out \S+\) epoch +1 ", out)
    assert "saving the run to" in out and "run written to" in out
    # the blend's choice, weights and the log losses that chose it, as ensemble.json has them
    st = json.loads((trained["run"] / "ensemble.json").read_text())["stacker"]
    assert f"A+B published {st['choice']}: weights " in out
    for name, loss in st["nested_log_loss"].items():
        assert f"{name} {loss:.4f}" in out
    # an internal note of the fit goes to train_history.json, not to the user
    assert "switched off" not in out
    history = json.loads((trained["run"] / "train_history.json").read_text())
    assert isinstance(history["model_a"]["notes"], list)
    manifest = json.loads((trained["run"] / "run_manifest.json").read_text())
    assert len(manifest["teams"][trained["data"].seasons[0]]) == 30
    assert manifest["games_fingerprint"]


def test_backtest_prints_a_line_per_step_when_not_a_terminal(trained):
    season = trained["data"].seasons[2]
    r = runner.invoke(app, ["backtest", "--predictors", "win_pct,srs", "--seasons", season,
                            "--out", str(trained["root"] / "bt"), "--db", str(trained["db"]),
                            "-c", str(trained["cfg"])])
    assert r.exit_code == 0, r.output
    assert f"backtest 1/2: win_pct on {season}" in r.output
    assert f"backtest 2/2: srs on {season}" in r.output


def _predict_args(trained, date: str, *extra: str) -> list[str]:
    return ["predict", "--date", date, "--run", str(trained["run"]), "--runs",
            str(trained["root"] / "preds"), "--db", str(trained["db"]), *extra]


def _mid_date(data, season: str) -> str:
    days = sorted(data.standings_games(season)["game_date"].unique())
    return f"{pd.Timestamp(days[len(days) // 2]):%Y-%m-%d}"


def test_prediction_table_fits_80_100_160_columns_and_top(trained):
    from truestrength.app.runs import predict
    from truestrength.app.store import load_data
    from truestrength.report.terminal import prediction_table

    data = load_data(trained["db"])
    season = data.seasons[2]
    got = predict(data, None, trained["run"], _mid_date(data, season),
                  trained["root"] / "tables")
    table = got.predictions.table
    for width in WIDTHS:
        text = render(prediction_table(got.predictions, width), width)
        assert "…" not in text, width
        assert max(len(ln) for ln in text.splitlines()) <= width
        for r in table.itertuples():
            line = next(ln for ln in text.splitlines() if re.search(rf"\b{r.team}\b", ln))
            assert f"{r.p_title:.1%}" in line and f"{r.p_playoffs:.0%}" in line, (width, line)
            assert f"{r.mean_wins:.1f}" in line
        assert ("top driver" in text) == (width == 160)
    top = render(prediction_table(got.predictions, 100, top=5), 100)
    shown = [r.team for r in table.itertuples() if re.search(rf"\b{r.team}\b", top)]
    assert shown == list(table["team"].head(5))

    r = runner.invoke(app, _predict_args(trained, _mid_date(data, season), "--top", "3"))
    assert r.exit_code == 0, r.output
    assert sum(bool(re.search(rf"\b{t}\b", r.output)) for t in table["team"]) == 3


def test_prediction_folders_are_never_silently_replaced(trained):
    from truestrength.app.store import load_data

    data = load_data(trained["db"])
    date = _mid_date(data, data.seasons[2])
    r = runner.invoke(app, _predict_args(trained, date))
    assert r.exit_code == 0, r.output
    folders = list((trained["root"] / "preds").glob("*-predict-*"))
    assert [f.name[-8:] for f in folders] == [data.data_hash[:8]]  # named by store
    made = json.loads((folders[0] / "run_manifest.json").read_text())["created"]
    again = runner.invoke(app, _predict_args(trained, date))  # the same result: remade
    assert again.exit_code == 0, again.output
    other = trained["root"] / "other.yaml"
    other.write_text(FAST_YAML.replace("n_sims: 500", "n_sims: 300"))
    r = runner.invoke(app, _predict_args(trained, date, "-c", str(other)))
    assert r.exit_code == 1
    line = r.output.strip()
    assert line.startswith("error: ") and "\n" not in line
    assert "holds another prediction" in line and "config" in line and "--force" in line
    kept = json.loads((folders[0] / "run_manifest.json").read_text())
    assert kept["config"]["simulation"]["n_sims"] == 500
    r = runner.invoke(app, _predict_args(trained, date, "-c", str(other), "--force"))
    assert r.exit_code == 0, r.output
    replaced = json.loads((folders[0] / "run_manifest.json").read_text())
    assert replaced["config"]["simulation"]["n_sims"] == 300 and made


def test_a_run_on_another_league_warns_and_never_claims_in_sample(trained, tmp_path):
    from truestrength.base.config import SynthSection
    from truestrength.data.synth import synthetic_store

    data = trained["data"]
    # same seasons, same team ids, other games: another league
    other = synthetic_store(tmp_path / "league", tmp_path / "o.duckdb",
                            SynthSection(n_seasons=2, seed=1))
    train_season = data.seasons[1]
    assert other.data.seasons == data.seasons[:2]
    args = ["predict", "--date", _mid_date(other.data, train_season), "--run",
            str(trained["run"]), "--runs", str(tmp_path / "p"), "--db",
            str(tmp_path / "o.duckdb")]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "warning:" in r.output and "differ from those the run was trained on" in r.output
    assert "in-sample" not in r.output
    # on its own store the same season is in-sample and there is no warning
    r = runner.invoke(app, _predict_args(trained, _mid_date(data, train_season)))
    assert r.exit_code == 0, r.output
    assert "in-sample" in r.output and "warning:" not in r.output


def test_the_store_check_reads_every_season_the_training_store_held(trained):
    # A real store holds games-only seasons before the player rows: the run's models train
    # on fewer seasons than the manifest's fingerprint covers. The same store is the same
    # league.
    from types import SimpleNamespace

    from truestrength.app.runs import check_league, read_run_manifest
    from truestrength.app.store import load_data

    run, data = trained["run"], load_data(trained["db"])
    manifest = read_run_manifest(run)
    held = manifest["train_seasons"]
    fewer = SimpleNamespace(train_seasons=held[1:])
    got = check_league(run, manifest, fewer, data, held[-1])
    assert (got.same_games, got.warnings) == (True, [])
    # and a store whose games of the first of them differ is another store
    g = data.games
    changed = g.assign(home_pts=g["home_pts"].where(g["season"] != held[0],
                                                    g["home_pts"] + 1))
    other = LeagueData({**{n: getattr(data, n) for n in
                           ("team_games", "player_logs", "team_seasons", "playoff_series",
                            "schedule", "rosters")}, "games": changed}, "changed")
    got = check_league(run, manifest, fewer, other, held[-1])
    assert got.same_games is False and "differ from those the run was trained on" in \
        got.warnings[0]


def test_a_run_none_of_whose_teams_are_in_the_store_is_refused(trained, tmp_path):
    from truestrength.app.runs import check_league, read_run_manifest
    from truestrength.base.errors import RunError
    from truestrength.training.ensemble import EnsembleAB

    from helpers import tiny_league

    teams = [(901, "AAA", "E"), (902, "BBB", "W")]
    games = [("0022300001", "2023-10-25", "2023-24", "regular_season", 901, "AAA", 902, "BBB",
              100, 90)]
    league = tiny_league(tmp_path, teams, games, ["2023-24"])
    run = trained["run"]
    with pytest.raises(RunError, match="none of the 2 teams of 2023-24 .* another league"):
        check_league(run, read_run_manifest(run), EnsembleAB.load(run), league, "2023-24")
