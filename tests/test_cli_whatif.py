"""`truestrength whatif` end to end on the synthetic league with a run trained by the CLI
(fast settings): the printed table and the files, the output folder's safety, one-line
errors, identical streams with a real network, and the what-if section of `report`."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from truestrength.cli import app
from truestrength.inference.whatif import COMPARED, run_whatif
from truestrength.training.ensemble import EnsembleAB, run_config

from helpers import FAST_YAML, mid_season, train_with_cli

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(synthetic, tmp_path_factory):
    """A run trained by the CLI on the first two synthetic seasons, and a mid-season date of
    the third with its busiest player (most minutes to date)."""
    root = tmp_path_factory.mktemp("cli_whatif")
    run, cfg, db, _ = train_with_cli(synthetic, root)
    data = synthetic.data
    season = data.seasons[2]
    date = mid_season(data, season)
    pl = data.before(date).player_logs
    pl = pl[pl["season"] == season]
    star = int(pl.groupby("player_id")["minutes"].sum().idxmax())
    team = int(pl.loc[pl["player_id"] == star].sort_values("game_date")["team_id"].iloc[-1])
    name = str(data.players.set_index("player_id").at[star, "name"])
    ts = data.team_seasons
    abbr = ts[(ts["season"] == season)].set_index("team_id")["abbreviation"]
    return {"root": root, "cfg": cfg, "db": db, "run": run, "data": data, "date": date,
            "star": star, "name": name, "team": str(abbr[team]),
            "other": str(abbr.drop(team).iloc[0])}


def _args(t, *extra: str) -> list[str]:
    return ["whatif", "--date", f"{t['date']:%Y-%m-%d}", "--run", str(t["run"]), "--runs",
            str(t["root"] / "out"), "--db", str(t["db"]), *extra]


def test_whatif_prints_the_teams_involved_and_writes_its_files(trained):
    t = trained
    r = runner.invoke(app, _args(t, "--trade", f"{t['name'].lower()}:{t['other']}"))
    assert r.exit_code == 0, r.output
    assert f"{t['name']} traded from {t['team']} to {t['other']}" in r.output
    assert re.search(rf"\b{t['team']}\b.*→", r.output) and re.search(rf"\b{t['other']}\b",
                                                                      r.output)
    assert "the other 28 teams' title odds:" in r.output
    (out,) = (t["root"] / "out").iterdir()
    assert re.fullmatch(rf"{t['run'].name}-whatif-{t['date']:%Y%m%d}-[0-9a-f]{{8}}", out.name)
    for f in ("whatif.csv", "whatif.json", "run_manifest.json", "before/predictions.csv",
              "after/predictions.csv", "after/absences.csv", "after/rosters.csv"):
        assert (out / f).is_file(), f
    table = pd.read_csv(out / "whatif.csv")
    assert len(table) == 30 and set(table.loc[table["involved"], "team"]) == {t["team"],
                                                                             t["other"]}
    for col in COMPARED:
        assert (table[f"d_{col}"] == table[f"{col}_after"] - table[f"{col}_before"]).all()
    # the files agree with the two predictions written beside them
    before = pd.read_csv(out / "before" / "predictions.csv").set_index("team")
    after = pd.read_csv(out / "after" / "predictions.csv").set_index("team")
    row = table.set_index("team")
    assert (row["p_title_before"] == before["p_title"].reindex(row.index)).all()
    assert (row["p_title_after"] == after["p_title"].reindex(row.index)).all()
    moved = pd.read_csv(out / "after" / "rosters.csv")
    assert moved.loc[moved["player_id"] == t["star"], "team"].tolist() == [t["other"]]
    js = json.loads((out / "whatif.json").read_text())
    assert js["changes"][0]["kind"] == "trade" and js["changes"][0]["player_id"] == t["star"]
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["command"] == "whatif" and manifest["scenario"]

    # the same question again is remade in place; under another configuration it is refused
    again = runner.invoke(app, _args(t, "--trade", f"{t['name']}:{t['other']}"))
    assert again.exit_code == 0, again.output
    other_cfg = t["root"] / "other.yaml"
    other_cfg.write_text(FAST_YAML.replace("n_sims: 500", "n_sims: 300"))
    refused = runner.invoke(app, _args(t, "--trade", f"{t['name']}:{t['other']}", "-c",
                                       str(other_cfg)))
    assert refused.exit_code == 1 and "error:" in refused.output
    assert "different config" in refused.output and "--force" in refused.output


def test_whatif_errors_are_one_line(trained):
    t = trained
    for extra, what in ((["--without", "Nobody Atall"], "no player 'Nobody Atall'"),
                        (["--trade", f"{t['name']}:XXX"], "no team 'XXX'"),
                        (["--trade", t["name"]], "write NAME:TEAM"),
                        ([], "nothing to change")):
        r = runner.invoke(app, _args(t, *extra))
        assert r.exit_code == 1, (extra, r.output)
        assert r.output.startswith("error:") and what in r.output, r.output
        assert "Traceback" not in r.output


def test_identical_streams_with_a_trained_network(trained):
    """An empty scenario through the real run (Model A's network, Model B's trees): every
    delta is exactly 0, so nothing in the path draws fresh randomness."""
    t = trained
    config = run_config(t["run"])
    ens = EnsembleAB.load(t["run"], expect=config)
    got = run_whatif(ens, t["data"], t["date"], config, [])
    for col in COMPARED:
        assert (got.table[f"d_{col}"] == 0).all(), col


def test_report_has_a_whatif_section(trained):
    t = trained
    date = f"{t['date']:%Y-%m-%d}"
    r = runner.invoke(app, ["predict", "--date", date, "--run", str(t["run"]), "--runs",
                            str(t["root"] / "preds"), "--db", str(t["db"])])
    assert r.exit_code == 0, r.output
    (pred,) = (t["root"] / "preds").iterdir()
    w = runner.invoke(app, _args(t, "--without", t["name"]))
    assert w.exit_code == 0, w.output
    folder = next(p for p in (t["root"] / "out").iterdir()
                  if json.loads((p / "whatif.json").read_text())["changes"][0]["kind"]
                  == "without")
    html_path = t["root"] / "report.html"
    rep = runner.invoke(app, ["report", "--predictions", str(pred), "--whatif", str(folder),
                              "--out", str(html_path)])
    assert rep.exit_code == 0, rep.output
    html = html_path.read_text()
    assert '<h2 id="whatif">What if</h2>' in html
    assert f"{t['name']} ({t['team']}) out for the rest of the season" in html
    rows = re.findall(r'<tr class="whatif-row( involved)?" data-team="([^"]+)"', html)
    assert rows[0] == (" involved", t["team"]) and len(rows) == 1 + 8
    # without --whatif there is no such section
    plain = runner.invoke(app, ["report", "--predictions", str(pred), "--out",
                                str(t["root"] / "plain.html")])
    assert plain.exit_code == 0 and 'id="whatif"' not in (t["root"] / "plain.html").read_text()
    missing = runner.invoke(app, ["report", "--predictions", str(pred), "--whatif",
                                  str(t["root"] / "nope")])
    assert missing.exit_code == 1 and "--whatif" in missing.output


def test_whatif_table_fits_narrow_and_wide_terminals():
    from rich.console import Console

    from truestrength.report.terminal import natural_width, whatif_table

    row = {"team": "LAL", "involved": True}
    for col, b, a in (("strength", 61.2, 55.4), ("league_rank", 4, 9), ("mean_wins", 50.1, 45.3),
                      ("mean_losses", 31.9, 36.7), ("p_playoffs", 0.93, 0.81),
                      ("p_finals", 0.123, 0.061), ("p_title", 0.0712, 0.0301)):
        row |= {f"{col}_before": b, f"{col}_after": a, f"d_{col}": a - b}
    rows = pd.DataFrame([row, {**row, "team": "DEN"}])
    for width in (60, 80, 100, 160):
        table = whatif_table("teams involved", rows, width)
        console = Console(width=width, record=True)
        console.print(table)
        text = console.export_text()
        assert "…" not in text and "LAL" in text and "7.1% → 3.0%" in text, (width, text)
        if width >= 80:
            assert natural_width(table, width) <= width
    wide = Console(width=160, record=True)
    wide.print(whatif_table("t", rows, 160))
    text = wide.export_text()
    assert "(-4.1)" in text and "12.3% → 6.1%" in text
