"""The DuckDB store: one file, the schema of docs/schema.md, and typed read access.

Base tables (``teams``, ``team_seasons``, ``players``, ``games``, ``player_game_logs``,
``schedule``, ``rosters``) hold what files said; ``team_game_logs`` and ``playoff_series``
are derived from ``games`` and are rebuilt for every season an ingest touches, inside the
same transaction.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from truestrength.base.errors import DataError
from truestrength.base.io import make_folder
from truestrength.base.league import TABLES as LEAGUE_TABLES
from truestrength.base.league import LeagueData, empty_table
from truestrength.data.formats import BOX_COUNTS

DEFAULT_DB = Path("data/truestrength.duckdb")
DB_ENV_VAR = "TRUESTRENGTH_DB"


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV_VAR, str(DEFAULT_DB)))


def _box(prefix: str) -> str:
    return ",\n    ".join(f"{prefix}{c} INTEGER NOT NULL" for c in BOX_COUNTS)


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS teams (
    team_id BIGINT PRIMARY KEY,
    abbreviation VARCHAR NOT NULL,
    name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS team_seasons (
    team_id BIGINT NOT NULL,
    season VARCHAR NOT NULL,
    abbreviation VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    conference VARCHAR NOT NULL CHECK (conference IN ('E', 'W')),
    PRIMARY KEY (team_id, season)
);
CREATE TABLE IF NOT EXISTS players (
    player_id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS games (
    game_id VARCHAR PRIMARY KEY,
    season VARCHAR NOT NULL,
    game_date DATE NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('regular', 'cup_final', 'play_in', 'playoff')),
    is_cup BOOLEAN NOT NULL,
    counts_for_standings BOOLEAN NOT NULL,
    neutral_site BOOLEAN NOT NULL,
    home_team_id BIGINT NOT NULL,
    road_team_id BIGINT NOT NULL,
    home_pts INTEGER NOT NULL,
    road_pts INTEGER NOT NULL,
    {_box("home_")},
    {_box("road_")},
    source VARCHAR NOT NULL CHECK (source IN ('games_file', 'player_logs'))
);
CREATE TABLE IF NOT EXISTS player_game_logs (
    player_id BIGINT NOT NULL,
    game_id VARCHAR NOT NULL,
    season VARCHAR NOT NULL,
    game_date DATE NOT NULL,
    team_id BIGINT NOT NULL,
    opponent_id BIGINT NOT NULL,
    is_home BOOLEAN NOT NULL,
    minutes DOUBLE NOT NULL,
    {_box("")},
    pts INTEGER NOT NULL,
    plus_minus INTEGER NOT NULL,
    PRIMARY KEY (player_id, game_id)
);
CREATE TABLE IF NOT EXISTS team_game_logs (
    game_id VARCHAR NOT NULL,
    team_id BIGINT NOT NULL,
    season VARCHAR NOT NULL,
    game_date DATE NOT NULL,
    kind VARCHAR NOT NULL,
    counts_for_standings BOOLEAN NOT NULL,
    opponent_id BIGINT NOT NULL,
    is_home BOOLEAN NOT NULL,
    neutral_site BOOLEAN NOT NULL,
    pts INTEGER NOT NULL,
    opp_pts INTEGER NOT NULL,
    won BOOLEAN NOT NULL,
    {_box("")},
    {_box("opp_")},
    PRIMARY KEY (game_id, team_id)
);
CREATE TABLE IF NOT EXISTS playoff_series (
    season VARCHAR NOT NULL,
    round INTEGER NOT NULL CHECK (round BETWEEN 1 AND 4),
    team_a BIGINT NOT NULL,
    team_b BIGINT NOT NULL,
    wins_a INTEGER NOT NULL,
    wins_b INTEGER NOT NULL,
    winner_id BIGINT,
    PRIMARY KEY (season, team_a, team_b)
);
CREATE TABLE IF NOT EXISTS schedule (
    game_id VARCHAR PRIMARY KEY, season VARCHAR NOT NULL, game_date DATE NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('regular','cup_final','play_in','playoff')),
    is_cup BOOLEAN NOT NULL, neutral_site BOOLEAN NOT NULL,
    home_team_id BIGINT NOT NULL, road_team_id BIGINT NOT NULL, postponed BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS rosters (
    season VARCHAR NOT NULL, team_id BIGINT NOT NULL, player_id BIGINT NOT NULL,
    as_of DATE NOT NULL,  -- the day the roster was read
    PRIMARY KEY (season, player_id, as_of));
"""

TABLES = (
    "teams", "team_seasons", "players", "games", "player_game_logs", "team_game_logs",
    "playoff_series", "schedule", "rosters",
)  # fmt: skip


class StoreNotFoundError(DataError, FileNotFoundError):
    """A store opened for reading that does not exist."""


class StoreLockedError(DataError):
    """Another process holds the store's lock (DuckDB allows one writer or many readers)."""

    def __init__(self, path: Path, pid: int | None, command: str | None) -> None:
        self.path, self.pid, self.command = path, pid, command
        who = "another process" if pid is None else f"process {pid}"
        if command:
            who += f" ({command})"
        stop = "" if pid is None else f" (kill {pid})"
        super().__init__(
            f"the store {path} is in use by {who}: wait for it to finish, or stop it{stop}, "
            "then run this again"
        )


# DuckDB's message for a lock held elsewhere: "... Conflicting lock is held in <exe> (PID N)".
_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
_CMDLINE_CHARS = 160  # enough to recognise a command; a one-line error stays one line


def _command_line(pid: int, fallback: str | None) -> str | None:
    """The holder's command line from /proc (Linux), else the executable DuckDB named."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # not Linux, process gone, or not ours to read: the name DuckDB gave
        return fallback
    cmd = " ".join(raw.decode(errors="replace").replace("\0", " ").split())
    if len(cmd) > _CMDLINE_CHARS:
        cmd = cmd[:_CMDLINE_CHARS - 1] + "…"
    return cmd or fallback


def _open_error(path: Path, exc: duckdb.IOException) -> DataError:
    """DuckDB's I/O failure on opening ``path`` as the user's problem, said in their terms."""
    msg = str(exc)
    lock = _LOCK_RE.search(msg)
    if lock:
        pid = int(lock["pid"])
        return StoreLockedError(path, pid, _command_line(pid, lock["exe"]))
    if "Conflicting lock" in msg:  # a DuckDB that does not name the holder
        return StoreLockedError(path, None, None)
    if "not a valid DuckDB database file" in msg:
        return DataError(f"store {path}: the file exists but is not a DuckDB database; "
                         "pass (--db or TRUESTRENGTH_DB) a TrueStrength store, or a new path "
                         "to create one")
    return DataError(f"store {path}: cannot be opened ({msg.removeprefix('IO Error: ')})")


@dataclass(frozen=True)
class SeasonDrop:
    """What :meth:`Store.drop_season` removed: rows per table, in the order removed."""

    season: str
    removed: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.removed.values())


class Store:
    """A TrueStrength DuckDB file. Use as a context manager, or call :meth:`close`.

    Opening fails with a :class:`DataError` naming the path for every problem the user can
    fix: no store (read-only), a folder or a non-DuckDB file, a path that cannot be created,
    or a lock held by another process (:class:`StoreLockedError`, naming it). ``create``
    False opens for writing only a store that exists (for commands that only remove).
    """

    def __init__(self, path: Path | str, *, read_only: bool = False,
                 create: bool = True) -> None:
        self.path = Path(path)
        if (read_only or not create) and not self.path.exists():
            raise StoreNotFoundError(
                f"no store at {self.path}: run `truestrength ingest PATH` or "
                "`truestrength demo` first (or pass --db / set TRUESTRENGTH_DB)"
            )
        if self.path.is_dir():
            raise DataError(f"store {self.path} is a folder; pass (--db or TRUESTRENGTH_DB) "
                            f"a file path, e.g. {self.path / 'truestrength.duckdb'}")
        if not read_only:
            make_folder(self.path.parent, "store folder")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise _open_error(self.path, exc) from exc
        if not read_only:
            self.con.execute(SCHEMA)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: any exception rolls every statement back."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def seasons(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT season FROM games ORDER BY season").fetchall()]

    def _has_table(self, table: str) -> bool:
        # A store written before a table existed and opened read-only (no CREATE IF NOT EXISTS
        # runs then) lacks it; it reads as empty instead of failing.
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [table]).fetchone()[0])

    def counts(self) -> dict[str, int]:
        return {
            t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            if self._has_table(t) else 0 for t in TABLES
        }

    def season_summary(self) -> pd.DataFrame:
        """Per season: games by kind, first and last date, player rows and players."""
        return self.query("""
            SELECT g.season,
                   count(*) FILTER (WHERE kind = 'regular') AS regular,
                   count(*) FILTER (WHERE kind = 'cup_final') AS cup_final,
                   count(*) FILTER (WHERE kind = 'play_in') AS play_in,
                   count(*) FILTER (WHERE kind = 'playoff') AS playoff,
                   min(game_date)::VARCHAR AS first, max(game_date)::VARCHAR AS last,
                   (SELECT count(*) FROM player_game_logs p WHERE p.season = g.season) AS rows,
                   (SELECT count(DISTINCT player_id) FROM player_game_logs p
                     WHERE p.season = g.season) AS players
            FROM games g GROUP BY g.season ORDER BY g.season""")

    def league(self, seasons: list[str] | None = None) -> LeagueData:
        """The store (or only ``seasons`` of it) as an in-memory :class:`LeagueData`."""
        where, params = "", []
        if seasons is not None:
            where, params = "WHERE season IN (SELECT unnest(?::VARCHAR[]))", [list(seasons)]
        frames = {}
        for name, (table, order) in LEAGUE_TABLES.items():
            w, p = ("", []) if name == "players" else (where, params)
            if not self._has_table(table):
                frames[name] = empty_table(name)
                continue
            df = self.query(f"SELECT * FROM {table} {w} ORDER BY {order}", p)
            for col in ("game_date", "as_of"):
                if col in df:
                    df[col] = pd.to_datetime(df[col])
            frames[name] = df
        return LeagueData(frames, self.content_hash())

    def content_hash(self) -> str:
        """A hash of every base row, so a run can record exactly which data it used."""
        parts = []
        for table in ("team_seasons", "games", "player_game_logs", "schedule", "rosters"):
            if not self._has_table(table):
                continue
            # Order-free: the sum of row hashes does not depend on insertion order.
            row = self.con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {table} t"
            ).fetchone()
            if table in ("schedule", "rosters") and row[0] == 0:
                continue  # stores without them keep the hash they had before these tables
            parts.append(f"{table}:{row[0]}:{row[1]}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    # -- removing a season ---------------------------------------------------------------------

    def season_tables(self) -> list[str]:
        """Every base table with a ``season`` column, read from the catalog, so tables added
        later (a schedule, rosters) are covered without being listed here."""
        return [r[0] for r in self.con.execute("""
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema
             AND t.table_name = c.table_name
            WHERE c.column_name = 'season' AND t.table_type = 'BASE TABLE'
              AND c.table_catalog = current_database() AND c.table_schema = current_schema()
            ORDER BY c.table_name""").fetchall()]

    def stored_seasons(self) -> list[str]:
        """Every season any table mentions (a teams file can declare a season with no games)."""
        tables = self.season_tables()
        if not tables:
            return []
        union = " UNION ".join(f'SELECT DISTINCT season FROM "{t}"' for t in tables)
        return [r[0] for r in self.con.execute(
            f"SELECT season FROM ({union}) ORDER BY season").fetchall()]

    def drop_season(self, season: str) -> SeasonDrop:
        """Remove ``season`` in one transaction: its rows in every table with a ``season``
        column, then the players no remaining row refers to, then ``teams`` rebuilt from the
        remaining ``team_seasons`` (each franchise's newest abbreviation and name, as ingest
        writes it). Any failure leaves the store as it was."""
        stored = self.stored_seasons()
        if season not in stored:
            held = ", ".join(stored) if stored else "none"
            raise DataError(f"season {season!r} is not in the store {self.path} "
                            f"(stored seasons: {held})")
        removed: dict[str, int] = {}
        with self.transaction() as con:
            for table in self.season_tables():
                removed[table] = con.execute(
                    f'DELETE FROM "{table}" WHERE season = ?', [season]).fetchone()[0]
            removed["players"] = self._drop_unreferenced_players(con)
            removed["teams"] = self._rebuild_teams(con)
        return SeasonDrop(season, removed)

    def _drop_unreferenced_players(self, con: duckdb.DuckDBPyConnection) -> int:
        # Any table naming players (player logs today, rosters later) keeps its players.
        refs = [r[0] for r in con.execute("""
            SELECT table_name FROM information_schema.columns
            WHERE column_name = 'player_id' AND table_name <> 'players'
              AND table_catalog = current_database() AND table_schema = current_schema()
            ORDER BY table_name""").fetchall()]
        keep = " AND ".join(
            f'NOT EXISTS (SELECT 1 FROM "{t}" r WHERE r.player_id = p.player_id)' for t in refs)
        return con.execute(f"DELETE FROM players p WHERE {keep or 'TRUE'}").fetchone()[0]

    def _rebuild_teams(self, con: duckdb.DuckDBPyConnection) -> int:
        before = con.execute("SELECT count(*) FROM teams").fetchone()[0]
        con.execute("DELETE FROM teams")
        con.execute("""
            INSERT INTO teams
            SELECT team_id, arg_max(abbreviation, season), arg_max(name, season)
            FROM team_seasons GROUP BY team_id""")
        return before - con.execute("SELECT count(*) FROM teams").fetchone()[0]
