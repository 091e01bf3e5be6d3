"""Read the input file formats into validated, typed frames.

Every cell is read as text first and parsed column by column, so a bad value is reported with
its file, line and field instead of becoming NaN somewhere downstream. A file's problems are
collected and reported together (up to ``IngestSection.max_problems``), so fixing a file takes
one round, not one per bad row: every cell is parsed, then the rows whose cells all parsed are
checked for consistency. Only a file whose shape is wrong (header, columns, ragged rows) stops
at the first problem. Nothing here touches the database: a file either parses completely or
raises :class:`IngestError`.
"""

from __future__ import annotations

import contextvars
import csv
import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.base.config import IngestSection
from truestrength.base.seasons import season_label, season_start_year
from truestrength.data.errors import IngestError, Problem

# Box counts kept for every team and player row. Rates (FG%, TS%) are derived later from these.
BOX_COUNTS = (
    "fgm", "fga", "fg3m", "fg3a", "ftm", "fta",
    "oreb", "dreb", "reb", "ast", "stl", "blk", "tov", "pf",
)  # fmt: skip

PLAYER_LOG_COLUMNS = (
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME",
    "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "MIN", "FGM", "FGA", "FG_PCT", "FG3M", "FG3A",
    "FG3_PCT", "FTM", "FTA", "FT_PCT", "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF",
    "PTS", "PLUS_MINUS", "FANTASY_PTS", "VIDEO_AVAILABLE", "SEASON",
)  # fmt: skip
# Columns a player-log file may omit: informational, or (percentages) recomputed from counts.
PLAYER_LOG_OPTIONAL = frozenset(
    {"PLAYER_NAME", "TEAM_NAME", "WL", "FG_PCT", "FG3_PCT", "FT_PCT", "FANTASY_PTS",
     "VIDEO_AVAILABLE", "SEASON"}
)  # fmt: skip

_SIDE_BOX = (*BOX_COUNTS[:6], "fg_pct", "fg3_pct", "ft_pct")
GAMES_COLUMNS = (
    "game_id", "game_date", "season", "game_type", "neutral_site",
    "team_id_home", "team_abbreviation_home", "team_name_home",
    "team_id_road", "team_abbreviation_road", "team_name_road",
    "pts_home", "pts_road", "wl_home",
    *(f"{c}_home" for c in ("fgm", "fga", "fg_pct", "fg3m", "fg3a", "fg3_pct", "ftm", "fta",
                            "ft_pct", *BOX_COUNTS[6:], "plus_minus")),
    *(f"{c}_road" for c in ("fgm", "fga", "fg_pct", "fg3m", "fg3a", "fg3_pct", "ftm", "fta",
                            "ft_pct", *BOX_COUNTS[6:], "plus_minus")),
)  # fmt: skip
GAMES_OPTIONAL = frozenset(
    {"team_name_home", "team_name_road", "wl_home", "fg_pct_home", "fg3_pct_home",
     "ft_pct_home", "fg_pct_road", "fg3_pct_road", "ft_pct_road", "plus_minus_home",
     "plus_minus_road"}
)  # fmt: skip

TEAMS_COLUMNS = ("season", "team_id", "abbreviation", "name", "conference")

# The spellings seen across seasons, normalised to the store's four kinds. Cup semis are
# ordinary regular-season games for the standings; only the cup final is not.
GAME_TYPES = {
    "regular_season": "regular",
    "regular": "regular",
    "nba_cup_semi": "regular",
    "nba_cup_final": "cup_final",
    "cup_final": "cup_final",
    "playin": "play_in",
    "play_in": "play_in",
    "playoff": "playoff",
    "playoffs": "playoff",
}
# GAME_ID prefixes (NBA.com): the season type is encoded in the id itself.
GAME_ID_KIND = {"002": "regular", "004": "playoff", "005": "play_in", "006": "cup_final"}
KINDS = ("regular", "cup_final", "play_in", "playoff")


class FileFormat(StrEnum):
    PLAYER_LOGS = "player_logs"
    GAMES = "games"
    TEAMS = "teams"
    SCHEDULE = "schedule"  # parsed in data/schedule_files.py
    ROSTERS = "rosters"  # parsed in data/schedule_files.py


# Parsers of formats defined in other modules (which import this one, so they register here).
_REGISTERED: dict[FileFormat, Callable[[Path, pd.DataFrame], pd.DataFrame]] = {}


def register_parser(fmt: FileFormat, parser: Callable[[Path, pd.DataFrame], pd.DataFrame]) -> None:
    _REGISTERED[fmt] = parser


@dataclass(frozen=True)
class ParsedFile:
    """One input file, parsed. ``frame`` has a ``line`` column pointing back into the file."""

    path: Path
    format: FileFormat
    frame: pd.DataFrame

    @property
    def seasons(self) -> list[str]:
        return sorted(self.frame["season"].unique())


def detect_format(path: Path, header: list[str]) -> FileFormat:
    cols = set(header)
    if {"game_id", "postponed"} <= cols:  # before games: a schedule has game_type too
        return FileFormat.SCHEDULE
    if {"player_id", "as_of"} <= cols:
        return FileFormat.ROSTERS
    if {"PLAYER_ID", "GAME_ID"} <= cols:
        return FileFormat.PLAYER_LOGS
    if {"game_id", "game_type"} <= cols:
        return FileFormat.GAMES
    if {"team_id", "conference"} <= cols:
        return FileFormat.TEAMS
    # Close to a known format but missing one of its key columns: say which.
    for fmt, keys, marker in ((FileFormat.PLAYER_LOGS, ("PLAYER_ID", "GAME_ID"), "MATCHUP"),
                              (FileFormat.GAMES, ("game_id", "game_type"), "team_id_home"),
                              (FileFormat.TEAMS, ("team_id", "conference"), "abbreviation")):
        if marker in cols:
            missing = [k for k in keys if k not in cols]
            raise IngestError(path, f"looks like a {fmt.value} file but lacks column(s) "
                              f"{missing}", line=1, field=missing[0])
    raise IngestError(
        path,
        "unrecognised header: expected NBA.com LeagueGameLog player rows (PLAYER_ID, GAME_ID, "
        "...), a games file (game_id, game_type, ...), a teams file (season, team_id, "
        "abbreviation, name, conference), a schedule file (game_id, ..., postponed) or a "
        f"rosters file (season, team_id, ..., player_id, as_of); got {', '.join(header[:8])}",
        line=1,
    )


def read_file(path: Path, max_problems: int = IngestSection().max_problems) -> ParsedFile:
    """Parse one file of any supported format, or raise IngestError naming every problem
    (up to ``max_problems``) with its line and field."""
    raw = _read_text_csv(path)
    fmt = detect_format(path, list(raw.columns))
    parser = {
        FileFormat.PLAYER_LOGS: _parse_player_logs,
        FileFormat.GAMES: _parse_games,
        FileFormat.TEAMS: _parse_teams,
        **_REGISTERED,
    }[fmt]
    with collecting(path, max_problems) as problems:
        frame = parser(path, raw)
    problems.raise_if_any()
    return ParsedFile(path, fmt, frame)


class _Problems:
    """The problems of one file being parsed, and which rows they were found in.

    A row with a bad cell is left out of the consistency checks that follow, so one typo is
    one problem, not a cascade (an unparsable FGM would also fail "pts is 2*fgm + ...").
    """

    def __init__(self, path: Path, limit: int) -> None:
        self.path, self.limit = path, limit
        self.found: list[Problem] = []
        self.more = 0
        self.bad_rows: set[int] = set()

    def add(self, df: pd.DataFrame, bad: np.ndarray, field: str, problem: str,
            cell: bool) -> None:
        rows = np.flatnonzero(bad)
        if not cell:
            rows = np.array([i for i in rows if i not in self.bad_rows], dtype=np.int64)
        for i in rows.tolist():
            self.bad_rows.add(i)
            if len(self.found) >= self.limit:
                self.more += 1
                continue
            value = df[field].iloc[i] if field in df.columns else None
            message = problem if value is None else f"{problem} (value {value!r})"
            self.found.append(Problem(message, int(df["line"].iloc[i]), field))

    def clean(self, n: int) -> np.ndarray:
        """Rows with no problem so far."""
        ok = np.ones(n, dtype=bool)
        ok[list(self.bad_rows)] = False
        return ok

    def raise_if_any(self) -> None:
        if self.found:
            raise IngestError.many(self.path, sorted(
                self.found, key=lambda p: (p.line or 0, p.field or "")), self.more)


_ACTIVE: contextvars.ContextVar[_Problems | None] = contextvars.ContextVar(
    "truestrength_ingest_problems", default=None)


@contextmanager
def collecting(path: Path, limit: int) -> Iterator[_Problems]:
    """Within this block, row problems of ``path`` are collected instead of raised."""
    problems = _Problems(path, limit)
    token = _ACTIVE.set(problems)
    try:
        yield problems
    finally:
        _ACTIVE.reset(token)


def _clean_rows(n: int) -> np.ndarray:
    problems = _ACTIVE.get()
    return np.ones(n, dtype=bool) if problems is None else problems.clean(n)


def _read_text_csv(path: Path) -> pd.DataFrame:
    """Every cell as text, with the physical line each record starts on.

    The stdlib csv reader is used rather than pandas so that line numbers stay true when a
    file has blank lines or quoted fields spanning lines, and so that a ragged row is
    reported at its own line.
    """
    if not path.is_file():
        raise IngestError(path, "no such file")
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise IngestError(path, f"cannot be decompressed, the file is truncated or corrupt "
                          f"({type(exc).__name__}: {exc})") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"is not UTF-8 text ({exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise IngestError(path, "is empty: no header line", line=1)
        header = [h.strip() for h in header]
        rows, lines = [], []
        start = reader.line_num + 1
        for record in reader:
            if record:  # blank lines carry no record
                if len(record) != len(header):
                    raise IngestError(path, f"has {len(record)} fields where the header has "
                                      f"{len(header)}", line=start)
                rows.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise IngestError(path, f"is not a well-formed CSV ({exc})",
                          line=reader.line_num) from exc
    if not rows:
        raise IngestError(path, "has a header but no data rows")
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(path, f"repeats column(s) {dup}", line=1, field=dup[0])
    df = pd.DataFrame(rows, columns=header, dtype=str)
    df["line"] = np.asarray(lines, dtype=np.int64)
    return df


def _check_columns(
    path: Path, df: pd.DataFrame, expected: tuple[str, ...], optional: frozenset[str]
) -> None:
    present = [c for c in df.columns if c != "line"]
    unknown = [c for c in present if c not in expected]
    if unknown:
        raise IngestError(path, f"unknown column(s) {unknown}", line=1, field=unknown[0])
    missing = [c for c in expected if c not in present and c not in optional]
    if missing:
        raise IngestError(path, f"missing column(s) {missing}", line=1, field=missing[0])


def _fail_at(path: Path, df: pd.DataFrame, bad: np.ndarray, field: str, problem: str, *,
             cell: bool = False) -> None:
    """Report the rows in ``bad``: collected while a file is parsed (``collecting``), raised
    at the first otherwise. ``cell`` marks a value that does not parse; other problems are
    consistency checks, skipped for rows that already have one."""
    problems = _ACTIVE.get()
    if problems is not None and Path(problems.path) == Path(path):
        problems.add(df, np.asarray(bad, dtype=bool), field, problem, cell)
        return
    i = int(np.flatnonzero(bad)[0])
    value = df[field].iloc[i] if field in df.columns else ""
    raise IngestError(
        path,
        f"{problem} (value {value!r}; {int(bad.sum())} such row(s) in the file)",
        line=int(df["line"].iloc[i]),
        field=field,
    )


_ID_FIELDS = {"PLAYER_ID", "TEAM_ID", "TEAM_ID_HOME", "TEAM_ID_ROAD", "SEASON_ID"}


def _int(path: Path, df: pd.DataFrame, field: str, *, nonneg: bool = True) -> np.ndarray:
    """Integers; a cell that is not one is reported and reads 0 (its row is then excluded
    from the consistency checks, and the file is refused)."""
    text = df[field].str.strip()
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(num) | (num != np.floor(num))
    if bad.any():
        _fail_at(path, df, bad, field, "not an integer", cell=True)
    big = ~bad & (np.abs(num) > (2**31 - 1 if field.upper() not in _ID_FIELDS else 2**53))
    if big.any():
        _fail_at(path, df, big, field, "integer out of range", cell=True)
    out = np.where(bad | big, 0, num).astype(np.int64)
    if nonneg and (out < 0).any():
        _fail_at(path, df, out < 0, field, "negative count", cell=True)
    return out


def _minutes(path: Path, df: pd.DataFrame, field: str) -> np.ndarray:
    """Minutes as float; NBA.com sends integers, floats, or ``MM:SS`` depending on endpoint."""
    text = df[field].str.strip()
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    clock = text.str.fullmatch(r"\d+:\d{2}").to_numpy(dtype=bool)
    if clock.any():
        parts = text[clock].str.split(":", expand=True).astype(int)
        num[clock] = parts[0].to_numpy() + parts[1].to_numpy() / 60.0
    bad = ~np.isfinite(num)
    if bad.any():
        _fail_at(path, df, bad, field, "minutes are not a number or MM:SS", cell=True)
        num = np.where(bad, 0.0, num)
    if (num < 0).any():
        _fail_at(path, df, num < 0, field, "negative minutes", cell=True)
    return num


def _dates(path: Path, df: pd.DataFrame, field: str) -> pd.Series:
    text = df[field].str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    # 2012-13's games file writes M/D/YY; both spellings are accepted value by value.
    us = pd.to_datetime(text, format="%m/%d/%y", errors="coerce")
    out = iso.fillna(us)
    bad = out.isna().to_numpy()
    if bad.any():
        _fail_at(path, df, bad, field, "not a date (YYYY-MM-DD or M/D/YY)", cell=True)
    return out


def _season(path: Path, df: pd.DataFrame, field: str) -> np.ndarray:
    values = df[field].str.strip()
    ok = {}
    for v in values.unique():
        try:
            season_start_year(v)
            ok[v] = True
        except ValueError:
            ok[v] = False
    bad = ~values.map(ok).to_numpy(dtype=bool)
    if bad.any():
        _fail_at(path, df, bad, field, "not a season of the form YYYY-YY", cell=True)
    return values.to_numpy(dtype=object)


def _game_ids(path: Path, df: pd.DataFrame, field: str) -> np.ndarray:
    ids = df[field].str.strip()
    bad = ~ids.str.fullmatch(r"\d{10}").to_numpy(dtype=bool)
    if bad.any():
        _fail_at(path, df, bad, field, "game id must be 10 digits, zero-padded (read as text)",
                 cell=True)
    return ids.to_numpy(dtype=object)


# A season's games fall between September of its start year and October of its end year:
# the 2011-12 lockout season began on Christmas Day, the 2019-20 bubble finals ended on
# 2020-10-11, and 2020-21 began on 2020-12-22. A date outside is another season's game.
SEASON_WINDOW = ((9, 1), (10, 31))


def season_window(season: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = season_start_year(season)
    (m0, d0), (m1, d1) = SEASON_WINDOW
    return pd.Timestamp(start, m0, d0), pd.Timestamp(start + 1, m1, d1)


def _check_in_season(path: Path, df: pd.DataFrame, out: pd.DataFrame, field: str) -> None:
    ok = _clean_rows(len(out))
    dates = pd.to_datetime(pd.Series(out["game_date"]))
    bad = np.zeros(len(out), dtype=bool)
    for season in pd.unique(out["season"][ok]):
        lo, hi = season_window(season)
        rows = ok & (out["season"] == season).to_numpy()
        bad |= rows & ~((dates >= lo) & (dates <= hi)).to_numpy()
    if bad.any():
        first = out["season"][np.flatnonzero(bad)[0]]
        lo, hi = season_window(first)
        _fail_at(path, df, bad, field, f"date is outside the row's season ({first}'s games are "
                 f"played from {lo:%Y-%m-%d} to {hi:%Y-%m-%d})")


# Ceilings on one game's counts: half again the NBA's single-game records, so that an
# impossible value (500 steals) is refused while a new record, or the synthetic league's
# heavier tails (it has a 76-shot game), is not. Player records: Chamberlain's 100 points,
# 36 FGM, 63 FGA, 28 FTM and 55 rebounds, Thompson's 14 threes, Howard's 39 FTA, Moses
# Malone's 21 offensive rebounds, 29 defensive rebounds, Skiles's 30 assists, 11 steals,
# Elmore Smith's 17 blocks, 14 turnovers; minutes are bounded by the longest game (6 OT, 78)
# and fouls by the six that disqualify (a seventh only when no one is left to send in).
# Real 2015-24 maxima: 60 minutes, 73 points, 50 FGA, 10 steals. Team records: 186 points
# (Detroit 1983, three overtimes), 109 rebounds, 53 assists, 27 steals, 23 blocks.
PLAYER_LIMITS = {
    "minutes": 78, "pts": 150, "fgm": 54, "fga": 95, "fg3m": 21, "fg3a": 60, "ftm": 42,
    "fta": 59, "oreb": 32, "dreb": 44, "reb": 83, "ast": 45, "stl": 17, "blk": 26, "tov": 21,
    "pf": 8,
}  # fmt: skip
TEAM_LIMITS = {
    "pts": 200, "fgm": 80, "fga": 160, "fg3m": 40, "fg3a": 100, "ftm": 70, "fta": 100,
    "oreb": 50, "dreb": 80, "reb": 115, "ast": 60, "stl": 30, "blk": 25, "tov": 50, "pf": 60,
}  # fmt: skip


def _check_records(path: Path, df: pd.DataFrame, out: pd.DataFrame, side: str | None) -> None:
    limits = PLAYER_LIMITS if side is None else TEAM_LIMITS
    what = "a player's" if side is None else "a team's"
    for c, limit in limits.items():
        col = c if side is None else f"{side}_{c}"
        bad = out[col].to_numpy() > limit
        if bad.any():
            src = ("MIN" if c == "minutes" else c.upper()) if side is None else f"{c}_{side}"
            _fail_at(path, df, bad, src,
                     f"{c} above any NBA record: at most {limit} in one game for {what} row")


def _check_box(path: Path, df: pd.DataFrame, out: pd.DataFrame, side: str | None) -> None:
    """Counts that cannot be: made above attempted, rebounds not adding up.

    ``side`` is None for player rows (columns ``fgm`` here, ``FGM`` in the file) or
    "home"/"road" for games rows (``home_fgm`` here, ``fgm_home`` in the file).
    """

    def col(c: str) -> np.ndarray:
        return out[c if side is None else f"{side}_{c}"].to_numpy()

    def src(c: str) -> str:
        return c.upper() if side is None else f"{c}_{side}"

    for made, att in (("fgm", "fga"), ("fg3m", "fg3a"), ("ftm", "fta"), ("fg3m", "fgm")):
        bad = col(made) > col(att)
        if bad.any():
            _fail_at(path, df, bad, src(made), f"{made} is greater than {att}")
    bad = col("reb") != col("oreb") + col("dreb")
    if bad.any():
        _fail_at(path, df, bad, src("reb"), "reb is not oreb + dreb")
    pts = 2 * col("fgm") + col("fg3m") + col("ftm")
    bad = pts != col("pts")
    if bad.any():
        _fail_at(path, df, bad, src("pts"), "pts is not 2*fgm + fg3m + ftm")


def _parse_player_logs(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    _check_columns(path, df, PLAYER_LOG_COLUMNS, PLAYER_LOG_OPTIONAL)
    out = pd.DataFrame({"line": df["line"].to_numpy()})
    out["game_id"] = _game_ids(path, df, "GAME_ID")
    out["player_id"] = _int(path, df, "PLAYER_ID")
    out["team_id"] = _int(path, df, "TEAM_ID")
    season_id = _int(path, df, "SEASON_ID")
    # SEASON_ID is "2" + start year for the regular season ("4" playoffs, "5" play-in).
    seasons = np.array([season_label(s % 10000) for s in season_id], dtype=object)
    if "SEASON" in df.columns:
        declared = _season(path, df, "SEASON")
        bad = declared != seasons
        if bad.any():
            _fail_at(path, df, bad, "SEASON", "disagrees with SEASON_ID")
    out["season"] = seasons
    out["game_date"] = _dates(path, df, "GAME_DATE").to_numpy()
    out["player_name"] = (
        df["PLAYER_NAME"].str.strip().to_numpy(dtype=object) if "PLAYER_NAME" in df else ""
    )
    out["team_abbreviation"] = df["TEAM_ABBREVIATION"].str.strip().to_numpy(dtype=object)
    out["team_name"] = (
        df["TEAM_NAME"].str.strip().to_numpy(dtype=object) if "TEAM_NAME" in df else ""
    )
    matchup = df["MATCHUP"].str.strip()
    parts = matchup.str.extract(r"^(\w{2,4}) (vs\.|@) (\w{2,4})$")
    bad = parts[0].isna().to_numpy() | (parts[0] != out["team_abbreviation"]).to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "MATCHUP",
                 "expected 'TEAM vs. OPP' or 'TEAM @ OPP' starting with TEAM_ABBREVIATION")
    out["is_home"] = (parts[1] == "vs.").to_numpy()
    out["opponent_abbreviation"] = parts[2].to_numpy(dtype=object)
    out["minutes"] = _minutes(path, df, "MIN")
    for c in BOX_COUNTS:
        out[c] = _int(path, df, c.upper())
    out["pts"] = _int(path, df, "PTS")
    out["plus_minus"] = _int(path, df, "PLUS_MINUS", nonneg=False)
    _check_box(path, df, out, None)
    if "WL" in df.columns:
        wl = df["WL"].str.strip()
        bad = ~wl.isin(["W", "L"]).to_numpy()
        if bad.any():
            _fail_at(path, df, bad, "WL", "must be W or L", cell=True)
        out["won"] = pd.array((wl == "W").to_numpy(), dtype="boolean")
    else:
        out["won"] = pd.array([pd.NA] * len(out), dtype="boolean")
    kind = pd.Series(out["game_id"]).str[:3].map(GAME_ID_KIND)
    bad = kind.isna().to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "GAME_ID", f"unknown game id prefix (known: {list(GAME_ID_KIND)})",
                 cell=True)
    out["kind"] = kind.to_numpy(dtype=object)
    _check_id_season(path, df, out, "GAME_ID")
    dup = out.duplicated(["player_id", "game_id"], keep="first").to_numpy()
    if dup.any():
        first_line = out.groupby(["player_id", "game_id"])["line"].transform("min")
        for i in np.flatnonzero(dup):
            one = np.zeros(len(out), dtype=bool)
            one[i] = True
            _fail_at(path, df, one, "PLAYER_ID",
                     f"duplicate row for player {out['player_id'].iloc[i]} in game "
                     f"{out['game_id'].iloc[i]} (first at line {first_line.iloc[i]})",
                     cell=True)
    _check_records(path, df, out, None)
    _check_in_season(path, df, out, "GAME_DATE")
    _check_two_teams(path, df, out)
    return out


def _check_id_season(path: Path, df: pd.DataFrame, out: pd.DataFrame, field: str) -> None:
    """NBA.com game ids carry the season: digits 4-5 are its start year mod 100."""
    yy = pd.to_numeric(pd.Series(out["game_id"]).str[3:5], errors="coerce").to_numpy()
    start = pd.to_numeric(pd.Series(out["season"]).str[:4], errors="coerce").to_numpy() % 100
    bad = _clean_rows(len(out)) & (yy != start)
    if bad.any():
        _fail_at(path, df, bad, field, "game id belongs to another season than the row's "
                 "season")


def designated_home(team_a: np.ndarray, team_b: np.ndarray) -> np.ndarray:
    """For a neutral-site game known only from rows that put both teams on the road (NBA.com's
    LeagueGameLog writes "@" on both MATCHUP rows), the team that is booked as home when no
    games file or schedule says otherwise: the one with the lower team id. It carries no home
    advantage (the game is stored neutral); the rule only makes the choice reproducible."""
    return np.minimum(team_a, team_b)


def _check_two_teams(path: Path, df: pd.DataFrame, out: pd.DataFrame) -> None:
    """Each game has players of exactly two teams facing each other: one at home ("vs.") and
    one on the road ("@"), or both "@" for a neutral site, which is NBA.com's convention for
    the international and NBA Cup knockout games. Such a game's rows get ``neutral_site``;
    its provisional home team is :func:`designated_home`'s, which ingest replaces with a
    games file's or the schedule's. All of a team's rows agree on side, date and WL, and the
    two teams' WL differ."""
    out["neutral_site"] = False
    ok = _clean_rows(len(out))
    rows = out[ok]
    team_side = rows.groupby(["game_id", "team_id"], sort=False).agg(
        is_home=("is_home", "first"),
        n_sides=("is_home", "nunique"),
        n_dates=("game_date", "nunique"),
        n_wl=("won", "nunique"),
        won=("won", "first"),
        abbreviation=("team_abbreviation", "first"),
        pos=("line", "idxmin"),
    )
    per_game = team_side.groupby(level="game_id", sort=False).agg(
        n_teams=("is_home", "size"),
        n_home=("is_home", "sum"),
        n_won=("won", "sum"),
        n_wl_known=("won", "count"),
        pos=("pos", "min"),
        teams=("abbreviation", lambda s: ",".join(sorted(s))),
    )

    def report(positions, field: str, problem) -> None:
        for i, game in positions:
            one = np.zeros(len(out), dtype=bool)
            one[i] = True
            _fail_at(path, df, one, field, problem(game))

    bad = per_game[per_game["n_teams"] != 2]
    report(zip(bad["pos"], bad.index, strict=True), "TEAM_ID",
           lambda g: f"game {g} has players of {bad.loc[g, 'n_teams']} team(s) "
                     f"({bad.loc[g, 'teams']}); a game has exactly two teams")
    pairs = per_game[per_game["n_teams"] == 2]
    bad = pairs[pairs["n_home"] == 2]
    report(zip(bad["pos"], bad.index, strict=True), "MATCHUP",
           lambda g: f"game {g}: MATCHUP puts both teams at home ('vs.'); a neutral-site "
                     "game has '@' on both teams' rows")
    inconsistent = team_side[(team_side["n_sides"] != 1) | (team_side["n_dates"] != 1)]
    report(zip(inconsistent["pos"], inconsistent.index.get_level_values(0), strict=True),
           "MATCHUP", lambda g: f"game {g}: a team's rows disagree on home/away or date")
    split_wl = team_side[team_side["n_wl"] > 1]
    report(zip(split_wl["pos"], split_wl.index.get_level_values(0), strict=True), "WL",
           lambda g: f"game {g}: a team's rows disagree on WL")
    both = pairs[(pairs["n_wl_known"] == 2) & (pairs["n_won"] != 1)]
    report(zip(both["pos"], both.index, strict=True), "WL",
           lambda g: f"game {g}: WL says both teams {'won' if both.loc[g, 'n_won'] else 'lost'}")

    neutral = pairs.index[pairs["n_home"] == 0]
    if len(neutral):
        in_game = out["game_id"].isin(neutral).to_numpy()
        team_ids = out.loc[in_game].groupby("game_id")["team_id"].agg(["min", "max"])
        home = pd.Series(designated_home(team_ids["min"].to_numpy(), team_ids["max"].to_numpy()),
                         index=team_ids.index)
        out.loc[in_game, "is_home"] = (out.loc[in_game, "team_id"].to_numpy()
                                       == home.reindex(out.loc[in_game, "game_id"]).to_numpy())
        out.loc[in_game, "neutral_site"] = True


def _bool(path: Path, df: pd.DataFrame, field: str) -> np.ndarray:
    text = df[field].str.strip().str.lower()
    mapping = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}
    val = text.map(mapping)
    bad = val.isna().to_numpy()
    if bad.any():
        _fail_at(path, df, bad, field, "not a boolean (True/False)", cell=True)
    return val.to_numpy(dtype=bool)


def _check_pairing(path: Path, df: pd.DataFrame, out: pd.DataFrame) -> pd.Series:
    """A games or schedule row: the id's prefix is a known kind and a team does not play
    itself. Returns the kind each id says (NaN where unknown)."""
    id_kind = pd.Series(out["game_id"]).str[:3].map(GAME_ID_KIND)
    bad = id_kind.isna().to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "game_id", f"unknown game id prefix (known: {list(GAME_ID_KIND)})",
                 cell=True)
    bad = (out["home_team_id"] == out["road_team_id"]).to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "team_id_road", "a team cannot play itself")
    return id_kind


def parse_game_sides(path: Path, df: pd.DataFrame, out: pd.DataFrame,
                     game_types: dict[str, str]) -> None:
    """Into ``out``, what a games row and a schedule row share: kind and is_cup from
    ``game_type`` (spellings in ``game_types``), neutral_site, and each side's team id and
    abbreviation."""
    gtype = df["game_type"].str.strip().str.lower()
    kind = gtype.map(game_types)
    bad = kind.isna().to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "game_type", f"unknown game type (known: {sorted(game_types)})",
                 cell=True)
    out["kind"] = kind.to_numpy(dtype=object)
    out["is_cup"] = gtype.str.startswith("nba_cup").to_numpy()
    out["neutral_site"] = _bool(path, df, "neutral_site")
    for side in ("home", "road"):
        out[f"{side}_team_id"] = _int(path, df, f"team_id_{side}")
        out[f"{side}_abbreviation"] = (
            df[f"team_abbreviation_{side}"].str.strip().to_numpy(dtype=object))


def _parse_games(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    _check_columns(path, df, GAMES_COLUMNS, GAMES_OPTIONAL)
    out = pd.DataFrame({"line": df["line"].to_numpy()})
    out["game_id"] = _game_ids(path, df, "game_id")
    out["game_date"] = _dates(path, df, "game_date").to_numpy()
    out["season"] = _season(path, df, "season")
    parse_game_sides(path, df, out, GAME_TYPES)
    for side in ("home", "road"):
        name_col = f"team_name_{side}"
        out[f"{side}_name"] = (
            df[name_col].str.strip().to_numpy(dtype=object) if name_col in df else ""
        )
        out[f"{side}_pts"] = _int(path, df, f"pts_{side}")
        for c in BOX_COUNTS:
            out[f"{side}_{c}"] = _int(path, df, f"{c}_{side}")
        _check_box(path, df, out, side)
        _check_records(path, df, out, side)
    _check_pairing(path, df, out)
    bad = (out["home_pts"] == out["road_pts"]).to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "pts_road", "an NBA game cannot end in a tie")
    if "wl_home" in df.columns:
        wl = df["wl_home"].str.strip()
        expected = np.where(out["home_pts"] > out["road_pts"], "W", "L")
        bad = (wl.to_numpy() != expected)
        if bad.any():
            _fail_at(path, df, bad, "wl_home", "disagrees with pts_home and pts_road")
    _check_id_season(path, df, out, "game_id")
    _check_in_season(path, df, out, "game_date")
    dup = out.duplicated("game_id", keep="first").to_numpy()
    if dup.any():
        _fail_at(path, df, dup, "game_id", "duplicate game id in this file", cell=True)
    return out


def _parse_teams(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    _check_columns(path, df, TEAMS_COLUMNS, frozenset())
    out = pd.DataFrame({"line": df["line"].to_numpy()})
    out["season"] = _season(path, df, "season")
    out["team_id"] = _int(path, df, "team_id")
    out["abbreviation"] = df["abbreviation"].str.strip().to_numpy(dtype=object)
    out["name"] = df["name"].str.strip().to_numpy(dtype=object)
    conf = df["conference"].str.strip().str.upper()
    bad = ~conf.isin(["E", "W"]).to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "conference", "must be E or W", cell=True)
    out["conference"] = conf.to_numpy(dtype=object)
    bad = (out["abbreviation"] == "").to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "abbreviation", "empty", cell=True)
    dup = out.duplicated(["season", "team_id"]).to_numpy()
    if dup.any():
        _fail_at(path, df, dup, "team_id", "team listed twice for the same season", cell=True)
    return out
