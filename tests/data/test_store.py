"""The store as users meet it: opening problems are one-line errors, and ``drop`` undoes an
ingest exactly (row counts and contents), all or nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from truestrength.base.config import SynthSection
from truestrength.base.errors import DataError
from truestrength.cli import app
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store, StoreLockedError
from truestrength.data.synth import generate_league

from helpers import write_teams

runner = CliRunner()


def one_error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    return lines[0]


@pytest.fixture
def teams_file(tmp_path) -> Path:
    return write_teams(tmp_path / "teams.csv", ["2030-31"], [(1, "AAA", "E"), (2, "BBB", "W")])


@pytest.fixture
def store_file(tmp_path, teams_file) -> Path:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest_files(store, [teams_file])
    return db


# --- a store locked by another process ------------------------------------------------------

HOLDER = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] "
          "== 'r'); print('ready', flush=True); time.sleep(120)")


@pytest.fixture
def hold_lock():
    """Start a second process that opens the store (``"w"`` to write, ``"r"`` to read) and
    keeps it open; killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(db: Path, mode: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), mode],
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=30)


def test_a_store_written_by_another_process_names_it_for_readers_and_writers(
        store_file, teams_file, hold_lock) -> None:
    holder = hold_lock(store_file, "w")
    for args in (["info"], ["standings"], ["drop", "--season", "2030-31"],
                 ["ingest", str(teams_file)]):
        r = runner.invoke(app, [*args, "--db", str(store_file)])
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), (args, r.output)
        line = r.output.splitlines()[0]
        assert line.startswith("error: ") and str(store_file) in line, args
        assert f"process {holder.pid}" in line and "duckdb.connect" in line  # its command line
        assert "wait for it to finish, or stop it" in line and f"kill {holder.pid}" in line
    # The data layer says the same as a typed error, for callers that are not the CLI.
    with pytest.raises(StoreLockedError) as err:
        Store(store_file, read_only=True)
    assert err.value.pid == holder.pid and "duckdb.connect" in err.value.command


def test_a_store_read_by_another_process_blocks_writers_only(
        store_file, teams_file, hold_lock) -> None:
    holder = hold_lock(store_file, "r")
    before = store_file.read_bytes()
    for args in (["drop", "--season", "2030-31"], ["ingest", str(teams_file)]):
        r = runner.invoke(app, [*args, "--db", str(store_file)])
        assert r.exit_code == 1 and f"process {holder.pid}" in r.output.splitlines()[0], args
    assert store_file.read_bytes() == before
    r = runner.invoke(app, ["info", "--db", str(store_file)])  # readers share the store
    assert r.exit_code == 0, r.output


# --- --db pointing somewhere that is not a store --------------------------------------------

def test_db_that_is_not_a_duckdb_file_is_refused_and_left_alone(tmp_path, teams_file) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("season,notes\n2030-31,not a database\n")
    before = bad.read_bytes()
    for args in (["info"], ["drop", "--season", "2030-31"]):
        line = one_error_line(runner.invoke(app, [*args, "--db", str(bad)]).output)
        assert str(bad) in line and "not a DuckDB database" in line
    r = runner.invoke(app, ["ingest", str(teams_file), "--db", str(bad)])
    assert r.exit_code == 1 and "not a DuckDB database" in r.output
    assert bad.read_bytes() == before


def test_db_that_is_a_folder_is_refused(tmp_path, teams_file) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    for args in (["info"], ["ingest", str(teams_file)], ["drop", "--season", "2030-31"]):
        r = runner.invoke(app, [*args, "--db", str(folder)])
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
        assert "is a folder" in r.output.splitlines()[0]
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("where", ["under_a_file", "proc"])
def test_db_at_an_unwritable_path_is_refused(tmp_path, teams_file, where) -> None:
    # Both fail even for root, for whom a read-only folder is writable.
    if where == "under_a_file":
        (tmp_path / "plain").write_text("x")
        db, says = tmp_path / "plain" / "sub" / "s.duckdb", "plain is a file, not a folder"
    else:
        if not Path("/proc/self").exists():
            pytest.skip("no /proc on this system")
        db, says = Path("/proc/truestrength-test/s.duckdb"), "cannot"
    r = runner.invoke(app, ["ingest", str(teams_file), "--db", str(db)])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    line = r.output.splitlines()[0]
    assert line.startswith("error: ") and str(db.parent) in line and says in line
    assert "Nothing was written" in r.output


# --- drop -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def league_files(tmp_path_factory) -> dict[str, list[Path]]:
    """A two-season synthetic league, split into one ingest per season (teams file too)."""
    root = tmp_path_factory.mktemp("drop")
    summary = generate_league(root / "league", SynthSection(n_seasons=2, seed=3))
    teams = pd.read_csv(root / "league" / "teams.csv", dtype=str)
    schedule = pd.read_csv(root / "league" / "schedule.csv", dtype=str)
    files = {}
    for season in summary.seasons:
        teams[teams["season"] == season].to_csv(root / f"teams_{season}.csv", index=False)
        schedule[schedule["season"] == season].to_csv(root / f"schedule_{season}.csv",
                                                      index=False)
        files[season] = [root / f"teams_{season}.csv", root / f"schedule_{season}.csv",
                         root / "league" / "games" / f"{season}.csv.gz",
                         root / "league" / "player_game_logs" / f"{season}.csv.gz"]
    return files


def snapshot(db: Path) -> dict[str, pd.DataFrame]:
    """Every table, sorted on all columns: equal snapshots mean equal stores."""
    with Store(db, read_only=True) as store:
        out = {}
        for t in store.counts():
            df = store.query(f"SELECT * FROM {t}")
            out[t] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert {t: len(f) for t, f in a.items()} == {t: len(f) for t, f in b.items()}
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)


def test_drop_returns_the_store_to_its_rows_before_the_ingest(tmp_path, league_files) -> None:
    first, second = sorted(league_files)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest_files(store, league_files[first])
        counts_before, hash_before = store.counts(), store.content_hash()
    before = snapshot(db)
    with Store(db) as store:
        ingest_files(store, league_files[second])
        grown = store.counts()
    # teams are franchises, shared by seasons; the synthetic league has no rosters file.
    assert all(grown[t] > counts_before[t] for t in grown if t not in ("teams", "rosters")), grown

    r = runner.invoke(app, ["drop", "--season", second, "--db", str(db)])
    assert r.exit_code == 0, r.output
    with Store(db, read_only=True) as store:
        assert store.counts() == counts_before
        assert store.content_hash() == hash_before
        assert store.stored_seasons() == [first]
    assert_same(snapshot(db), before)
    # The command says what it removed, table by table.
    removed = {t: grown[t] - counts_before[t] for t in grown}
    assert f"{sum(removed.values())} rows removed" in r.output
    assert f"player_game_logs │ {removed['player_game_logs']}" in r.output


def test_drop_of_an_unknown_season_lists_the_stored_ones(tmp_path, league_files) -> None:
    first, _ = sorted(league_files)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest_files(store, league_files[first])
    before = db.read_bytes()
    line = one_error_line(runner.invoke(app, ["drop", "--season", "1999-00", "--db",
                                              str(db)]).output)
    assert "'1999-00' is not in the store" in line and f"stored seasons: {first}" in line
    assert db.read_bytes() == before
    line = one_error_line(runner.invoke(app, ["drop", "--season", first, "--db",
                                              str(tmp_path / "none.duckdb")]).output)
    assert "no store at" in line and not (tmp_path / "none.duckdb").exists()


def test_a_failure_inside_drop_leaves_everything_as_it_was(tmp_path, league_files,
                                                          monkeypatch) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        for files in league_files.values():
            ingest_files(store, files)
    before = snapshot(db)

    def broken(self, con):  # after every season row and the players are deleted
        raise DataError("disk full while rebuilding teams")

    monkeypatch.setattr(Store, "_rebuild_teams", broken)
    with Store(db) as store, pytest.raises(DataError, match="disk full"):
        store.drop_season(sorted(league_files)[-1])
    assert_same(snapshot(db), before)


def test_drop_covers_tables_it_does_not_know_by_name(tmp_path, league_files) -> None:
    # A season table drop was not written for (a later feature's): found in the catalog.
    first, second = sorted(league_files)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        for files in league_files.values():
            ingest_files(store, files)
        store.con.execute("CREATE TABLE contracts (season VARCHAR, team_id BIGINT, "
                          "player_id BIGINT)")
        store.con.execute("INSERT INTO contracts VALUES (?, 1, 1), (?, 1, 2), (?, 2, 3)",
                          [first, second, second])
        store.con.execute("CREATE VIEW second_games AS SELECT season FROM games")
        assert "contracts" in store.season_tables()
        assert "second_games" not in store.season_tables()  # a view holds no rows of its own
        got = store.drop_season(second)
        assert got.removed["contracts"] == 2
        assert store.con.execute("SELECT count(*) FROM contracts").fetchone()[0] == 1


def test_stored_seasons_include_a_season_known_only_from_a_teams_file(store_file) -> None:
    with Store(store_file) as store:
        assert store.seasons() == [] and store.stored_seasons() == ["2030-31"]
        got = store.drop_season("2030-31")
        assert got.removed["team_seasons"] == 2 and got.removed["teams"] == 2
        assert store.counts() == dict.fromkeys(store.counts(), 0)


def test_lock_message_for_a_process_it_cannot_read_uses_duckdbs_name(tmp_path) -> None:
    from truestrength.data.store import _open_error

    gone = 2**31 - 1  # above any pid_max: no /proc entry to read
    exc = duckdb.IOException('IO Error: Could not set lock on file "x": Conflicting lock is '
                             f"held in /usr/bin/python3 (PID {gone}). See also https://duckdb.org")
    err = _open_error(tmp_path / "x", exc)
    assert isinstance(err, StoreLockedError) and err.pid == gone
    assert f"process {gone} (/usr/bin/python3)" in str(err) and f"kill {gone}" in str(err)
