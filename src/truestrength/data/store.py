"""The DuckDB store: one file, the schema of docs/schema.md, and typed read access.

Base tables (``teams``, ``team_seasons``, ``players``, ``games``, ``player_game_logs``,
``schedule``, ``rosters``) hold what files said; ``team_game_logs`` and ``playoff_series``
are derived from ``games`` and are rebuilt for every season an ingest touches, inside the
same transaction.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from truestrength.base.errors import DataError
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


class Store:
    """A TrueStrength DuckDB file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreNotFoundError(
                f"no store at {self.path}: run `truestrength ingest PATH` or "
                "`truestrength demo` first (or pass --db / set TRUESTRENGTH_DB)"
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
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
