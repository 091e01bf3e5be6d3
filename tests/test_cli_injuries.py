"""`predict --injuries` from the command line: a bad file is one `error:` line naming file,
line and field with a suggestion; a good one prints the availability summary and writes
absences.csv."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from truestrength.app.runs import train
from truestrength.base.config import load_config
from truestrength.cli import app

from helpers import FAST_YAML

runner = CliRunner()



def test_predict_with_an_injuries_file(synthetic, tmp_path):
    cfg_path = tmp_path / "fast.yaml"
    cfg_path.write_text(FAST_YAML)
    config = load_config(cfg_path)
    data = synthetic.data
    db = Path(synthetic.summary.out_dir).parent / "s.duckdb"
    assert db.is_file()
    season = data.seasons[2]
    run = train(data.up_to(data.seasons[1]), config, None, tmp_path / "runs").run_dir
    days = sorted(data.standings_games(season)["game_date"].unique())
    date = pd.Timestamp(days[len(days) // 2])
    known = data.before(date)
    pl = known.player_logs
    row = pl[(pl["season"] == season)].iloc[-1]
    name = known.players.set_index("player_id").at[row["player_id"], "name"]
    ts = data.team_seasons
    abbr = ts[(ts["season"] == season) & (ts["team_id"] == row["team_id"])]["abbreviation"].iat[0]
    args = ["predict", "--date", f"{date:%Y-%m-%d}", "--run", str(run), "--runs",
            str(tmp_path / "runs"), "--db", str(db), "--config", str(cfg_path)]

    bad = tmp_path / "bad.csv"
    bad.write_text(f"player,team,status\n{name[:-1]},{abbr},out\n")
    r = runner.invoke(app, [*args, "--injuries", str(bad)])
    assert r.exit_code == 1, r.output
    line = r.output.strip()
    assert "\n" not in line and line.startswith(f"error: {bad}, line 2, field player: no "
                                                f"player {name[:-1]!r} of {abbr}")
    assert f"did you mean {name!r}" in line

    good = tmp_path / "good.csv"
    good.write_text(f"player,team,status,return_date\n{name},{abbr},out,\n")
    r = runner.invoke(app, [*args, "--injuries", str(good)])
    assert r.exit_code == 0, r.output
    assert "availability: " in r.output and "injuries file" in r.output
    out_dir = next((tmp_path / "runs").glob("*-predict-*"))
    ab = pd.read_csv(out_dir / "absences.csv")
    mine = ab[ab["player_id"] == row["player_id"]].iloc[0]
    assert (mine["status"], mine["reason"], bool(mine["treated_out"])) == (
        "out", "injuries file", True)
    js = json.loads((out_dir / "predictions.json").read_text())
    assert any(a["player_id"] == row["player_id"] for a in js["absences"])
    assert js["meta"]["players_out"] >= 1


def test_the_availability_line_counts_inferred_absences_in_one_clause():
    from types import SimpleNamespace

    from truestrength.base.availability import PlayerAvailability
    from truestrength.cli import availability_summary

    day = pd.Timestamp("2023-04-01")

    def player(pid, reason, back=None):
        return PlayerAvailability(pid, f"P{pid}", 1, "out", reason, True, back)

    absences = (player(1, "injuries file: out"), player(2, "injuries file: out"),
                player(3, "missed last 7 games; typically not back within his team's 2 games "
                          "left (history)"),
                player(4, "missed last 31 games; typically back after 1 more (history)",
                       day + pd.Timedelta(days=3)),
                player(5, "missed last 12 games; typically not back within his team's 2 games "
                          "left (history)"),
                player(6, "injuries file: out", day))  # back on the day: not out
    preds = SimpleNamespace(absences=absences, date=day,
                            meta=SimpleNamespace(players_moved=0, availability_phases=2))
    assert availability_summary(preds) == (
        "availability: 5 out (2 injuries file: out, 3 absent from their team's last 7-31 "
        "games), 0 moved by rosters, 1 with a return date (2 strengths simulated); see "
        "absences.csv")
