"""Ingest files into the store: validate everything first, then write it in one transaction.

Order of work: parse every file (nothing touches the database yet), check the files against
each other and against what the store already holds, then insert only rows that are new and
rebuild the derived tables of the seasons touched. Any error rolls the whole call back, so a
failed ingest leaves the store exactly as it was. Re-ingesting the same files adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.data.derive import rebuild_derived
from truestrength.data.errors import IngestError
from truestrength.data.formats import BOX_COUNTS, GAME_ID_KIND, FileFormat, ParsedFile, read_file
from truestrength.data.ingest_schedule import ScheduleIngest, ingest_schedule_and_rosters
from truestrength.data.store import Store
from truestrength.data.teams import nba_team_season, nba_team_seasons

SUPPORTED_SUFFIXES = (".csv", ".csv.gz")

# Facts the source files leave out. The 2019-20 restart (from 2020-07-30, seeding games and
# playoffs) was played in the Orlando "bubble", on a neutral court, but is not flagged so.
NEUTRAL_PERIODS = (("2019-20", pd.Timestamp("2020-07-30"), pd.Timestamp("2020-10-31")),)


def _mark_known_neutral_sites(games: pd.DataFrame) -> pd.DataFrame:
    neutral = games["neutral_site"].to_numpy(dtype=bool).copy()
    for season, start, end in NEUTRAL_PERIODS:
        nba_ids = {t.team_id for t in nba_team_seasons(season)}
        neutral |= ((games["season"] == season) & (games["game_date"] >= start)
                    & (games["game_date"] <= end)
                    & games["home_team_id"].isin(nba_ids)).to_numpy(dtype=bool)
    return games.assign(neutral_site=neutral)


@dataclass
class FileReport:
    path: Path
    format: FileFormat
    rows: int
    seasons: list[str]
    added: int = 0


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    games_added: int = 0
    games_upgraded: int = 0
    player_rows_added: int = 0
    team_seasons_added: int = 0
    seasons_touched: list[str] = field(default_factory=list)
    schedule: ScheduleIngest = field(default_factory=ScheduleIngest)
    # What ingest decided that the files did not say outright (e.g. a neutral site the games
    # file missed), one sentence each.
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.games_added or self.games_upgraded or self.player_rows_added
                    or self.team_seasons_added or self.schedule.schedule_rows
                    or self.schedule.roster_rows)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and directories searched recursively for .csv / .csv.gz files."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.name.endswith(
                SUPPORTED_SUFFIXES))
            if not found:
                raise IngestError(p, "directory holds no .csv or .csv.gz files")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise IngestError(p, "no such file or directory")
    return out


def parse_files(paths: Iterable[Path]) -> list[ParsedFile]:
    """Parse and validate every file on its own; nothing touches a database."""
    return [read_file(p) for p in expand_paths(paths)]


def ingest_files(store: Store, paths: Iterable[Path], *,
                 allow_new_teams: bool = False) -> IngestReport:
    return ingest_parsed(store, parse_files(paths), allow_new_teams=allow_new_teams)


def ingest_parsed(store: Store, files: list[ParsedFile], *,
                  allow_new_teams: bool = False) -> IngestReport:
    """Write ``files`` in one transaction. ``allow_new_teams`` lets a teams file add teams to
    a season the store already holds teams for (otherwise refused: it is how a synthetic
    league's teams.csv would slip into a real store)."""
    by_format = {f: [p for p in files if p.format == f] for f in FileFormat}
    report = IngestReport(files=[FileReport(p.path, p.format, len(p.frame), p.seasons)
                                 for p in files])
    with store.transaction() as con:
        teams = _TeamRegistry(con)
        report.team_seasons_added = teams.add_declared(by_format[FileFormat.TEAMS],
                                                       allow_new_teams=allow_new_teams)
        # The schedule first: it books the home team of a neutral game in the player logs.
        report.schedule = ingest_schedule_and_rosters(con, by_format, teams)
        new_games, upgraded, flips = _new_games(con, by_format[FileFormat.GAMES], teams,
                                                report.notes)
        player_rows, derived_games = _new_player_rows(
            con, by_format[FileFormat.PLAYER_LOGS], new_games, teams, report.notes)
        all_games = pd.concat([g for g in (new_games, derived_games) if len(g)],
                              ignore_index=True) if len(new_games) or len(derived_games) \
            else new_games
        seasons = sorted(set(all_games.get("season", [])) | set(player_rows.get("season", [])))
        teams.insert_needed(con, all_games, player_rows)
        if len(upgraded):
            con.register("_upgraded", upgraded)
            con.execute("DELETE FROM games WHERE game_id IN (SELECT game_id FROM _upgraded)")
        if len(flips):
            # A neutral game stored from player logs with the rule's home team, which a games
            # file now books the other way round: its stored rows change sides too.
            con.register("_flips", flips)
            con.execute("UPDATE player_game_logs SET is_home = NOT is_home "
                        "WHERE game_id IN (SELECT game_id FROM _flips)")
        if len(all_games):
            _insert(con, "games", all_games)
        if len(player_rows):
            _upsert_players(con, player_rows)
            _insert(con, "player_game_logs", player_rows)
        # Games this batch speaks of, for the schedule's note on neutrality.
        touched = {i for pf in by_format[FileFormat.SCHEDULE] for i in pf.frame["game_id"]}
        touched |= set(player_rows.get("game_id", []))
        seasons = sorted(set(seasons) | set(_rebook_from_schedule(con, touched,
                                                                  report.notes)))
        if seasons:
            rebuild_derived(con, seasons)
        report.games_added = len(all_games) - len(upgraded)
        report.games_upgraded = len(upgraded)
        report.player_rows_added = len(player_rows)
        report.seasons_touched = seasons
        for fr, pf in zip(report.files, files, strict=True):
            if pf.format == FileFormat.PLAYER_LOGS and len(player_rows):
                fr.added = int((player_rows["_file"] == str(pf.path)).sum())
            elif pf.format == FileFormat.GAMES and len(new_games):
                fr.added = int((new_games["_file"] == str(pf.path)).sum())
            elif pf.format in (FileFormat.SCHEDULE, FileFormat.ROSTERS):
                fr.added = (report.schedule.added_by_file or {}).get(str(pf.path), 0)
    return report


# ---------------------------------------------------------------------------------------------
# Teams


class _TeamRegistry:
    """Which (team, season) pairs exist: the store's, teams files', and the built-in NBA list."""

    def __init__(self, con) -> None:
        known = con.execute(
            "SELECT team_id, season, abbreviation, name, conference FROM team_seasons"
        ).df()
        self._rows: dict[tuple[int, str], tuple[str, str, str]] = {
            (int(r.team_id), r.season): (r.abbreviation, r.name, r.conference)
            for r in known.itertuples()
        }
        self._in_store = set(self._rows)
        self._names: dict[tuple[int, str], str] = {}

    def add_declared(self, files: list[ParsedFile], *, allow_new_teams: bool = False) -> int:
        stored_seasons = {season for _, season in self._in_store}
        added = 0
        for pf in files:
            if not allow_new_teams:
                self._refuse_new_league(pf, stored_seasons)
            for r in pf.frame.itertuples():
                key = (int(r.team_id), r.season)
                new = (r.abbreviation, r.name, r.conference)
                have = self._rows.get(key) or self._builtin(key)
                if have is not None and (have[0], have[2]) != (new[0], new[2]):
                    raise IngestError(
                        pf.path,
                        f"team {key[0]} in {key[1]} is already known as {have[0]} "
                        f"(conference {have[2]}); this file says {new[0]} ({new[2]})",
                        line=int(r.line), field="abbreviation",
                    )
                if key not in self._rows:
                    self._rows[key] = new
                    added += 1
        return added

    def _refuse_new_league(self, pf: ParsedFile, stored_seasons: set[str]) -> None:
        """A teams file may restate a stored season's teams, not add teams to it."""
        f = pf.frame
        keys = pd.Series(list(zip(f["team_id"].astype(int), f["season"], strict=True)),
                         index=f.index)
        # The NBA's own teams restated (same abbreviation and conference) are not a new league.
        nba = pd.Series([(b := self._builtin(k)) is not None and (b[0], b[2]) == (a, c)
                         for k, a, c in zip(keys, f["abbreviation"], f["conference"],
                                            strict=True)], index=f.index, dtype=bool)
        new = f[f["season"].isin(stored_seasons) & ~keys.isin(self._in_store) & ~nba]
        if len(new):
            r = new.iloc[0]
            held = sum(1 for _, season in self._in_store if season == r["season"])
            raise IngestError(
                pf.path,
                f"would add {len(new)} team(s) to season(s) {sorted(set(new['season']))} that "
                f"the store already holds a league for ({held} teams in {r['season']}), "
                f"starting with team {r['team_id']} ({r['abbreviation']}): is this another "
                "league's teams file (the synthetic league's?) Use a separate --db for it, or "
                "pass --allow-new-teams if these teams really join this league",
                line=int(r["line"]), field="team_id")

    @staticmethod
    def _builtin(key: tuple[int, str]) -> tuple[str, str, str] | None:
        t = nba_team_season(*key)
        return None if t is None else (t.abbreviation, t.name, t.conference)

    def check(self, pf: ParsedFile, frame: pd.DataFrame, id_col: str, abbr_col: str,
              name_col: str | None, id_field: str, abbr_field: str) -> None:
        pairs = frame[[id_col, "season", abbr_col, "line"]
                      + ([name_col] if name_col else [])].drop_duplicates([id_col, "season",
                                                                            abbr_col])
        for r in pairs.itertuples(index=False):
            tid, season, abbr, line = int(r[0]), r[1], r[2], int(r[3])
            key = (tid, season)
            have = self._rows.get(key)
            if have is None:
                have = self._builtin(key)
                if have is not None:
                    self._rows[key] = have
            if have is None:
                raise IngestError(
                    pf.path,
                    f"team {tid} ({abbr}) is not a known team for {season}: not an NBA team "
                    "that season and not declared by a teams file",
                    line=line, field=id_field,
                )
            if have[0] != abbr:
                raise IngestError(
                    pf.path,
                    f"team {tid} was {have[0]} in {season}, not {abbr}",
                    line=line, field=abbr_field,
                )
            if name_col and r[4]:
                self._names[key] = r[4]

    def abbreviation_of(self, team_id: int, season: str) -> str | None:
        have = self._rows.get((team_id, season)) or self._builtin((team_id, season))
        return None if have is None else have[0]

    def abbreviation_to_id(self, season: str) -> dict[str, int]:
        return {v[0]: k[0] for k, v in self._rows.items() if k[1] == season}

    def insert_needed(self, con, games: pd.DataFrame, player_rows: pd.DataFrame) -> None:
        """Write the team_seasons rows the new data uses (and declared ones) that are new."""
        used: set[tuple[int, str]] = set()
        for frame, cols in ((games, ("home_team_id", "road_team_id")),
                            (player_rows, ("team_id",))):
            for c in cols:
                if len(frame):
                    used |= set(zip(frame[c].astype(int), frame["season"], strict=True))
        declared = {k for k in self._rows if k not in self._in_store}
        new_keys = sorted((used | declared) - self._in_store)
        if not new_keys:
            return
        rows = pd.DataFrame(
            [(k[0], k[1], self._rows[k][0], self._names.get(k, self._rows[k][1]),
              self._rows[k][2]) for k in new_keys],
            columns=["team_id", "season", "abbreviation", "name", "conference"],
        )
        con.register("_new_team_seasons", rows)
        con.execute("INSERT INTO team_seasons SELECT * FROM _new_team_seasons")
        # teams carries each franchise's newest abbreviation and name.
        con.execute("""
            INSERT OR REPLACE INTO teams
            SELECT team_id, arg_max(abbreviation, season), arg_max(name, season)
            FROM team_seasons GROUP BY team_id
        """)


# ---------------------------------------------------------------------------------------------
# Games

_GAME_COLS = (
    "game_id", "season", "game_date", "kind", "is_cup", "counts_for_standings", "neutral_site",
    "home_team_id", "road_team_id", "home_pts", "road_pts",
    *(f"home_{c}" for c in BOX_COUNTS), *(f"road_{c}" for c in BOX_COUNTS), "source",
)  # fmt: skip
_GAME_IDENTITY = ("season", "game_date", "kind", "home_team_id", "road_team_id", "home_pts",
                  "road_pts")
# Everything a games file says. A game known only from player logs has box sums and no site,
# so only _GAME_IDENTITY must agree when a games file upgrades it.
_GAME_FULL = (*_GAME_IDENTITY, "is_cup", "neutral_site",
              *(f"home_{c}" for c in BOX_COUNTS), *(f"road_{c}" for c in BOX_COUNTS))


def _new_games(con, files: list[ParsedFile], teams: _TeamRegistry, notes: list[str]):
    """Games rows not yet in the store, the ids of player-log games they replace, and the ids
    of those whose stored player rows must change sides (a neutral game the rule booked the
    other way round)."""
    none = pd.DataFrame({"game_id": []})
    frames = []
    for pf in files:
        g = pf.frame
        prefix_kind = g["game_id"].str[:3].map(GAME_ID_KIND)
        bad = (prefix_kind != g["kind"]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise IngestError(
                pf.path, f"game_type says {g['kind'].iloc[i]} but game id "
                f"{g['game_id'].iloc[i]} is a {prefix_kind.iloc[i]} id",
                line=int(g["line"].iloc[i]), field="game_type")
        teams.check(pf, g, "home_team_id", "home_abbreviation", "home_name",
                    "team_id_home", "team_abbreviation_home")
        teams.check(pf, g, "road_team_id", "road_abbreviation", "road_name",
                    "team_id_road", "team_abbreviation_road")
        g = g.assign(counts_for_standings=g["kind"] == "regular", source="games_file",
                     _file=str(pf.path))
        frames.append(_mark_known_neutral_sites(g))
    if not frames:
        return _empty_games(), none, none
    games = pd.concat(frames, ignore_index=True)
    # The same game in two files of this batch must agree; then it counts once.
    games = _dedupe(games, "game_id", _GAME_FULL, "game", FileFormat.GAMES)
    con.register("_incoming_games", games[["game_id"]])
    existing = con.execute(
        "SELECT g.* FROM games g JOIN _incoming_games i USING (game_id)").df()
    if not len(existing):
        return games, none, none
    merged = games.merge(existing, on="game_id", suffixes=("", "_db"))
    from_file = (merged["source_db"] == "games_file").to_numpy()
    # A game stored from player logs whose rows put both teams on the road is neutral (the
    # both-"@" rows win over a games file that says otherwise), and its home team was the
    # rule's: a games file may book it the other way round.
    both_road = ~from_file & merged["neutral_site_db"].to_numpy(dtype=bool)
    swapped = both_road & (merged["home_team_id"] == merged["road_team_id_db"]).to_numpy() & (
        merged["road_team_id"] == merged["home_team_id_db"]).to_numpy()
    for col in _GAME_FULL:
        a, b = merged[col], merged[f"{col}_db"]
        if col == "game_date":
            a, b = pd.to_datetime(a), pd.to_datetime(b)
        if col in _SIDED:
            other = merged[f"{_SIDED[col]}_db"]
            b = b.where(~swapped, other)
        bad = (a != b).to_numpy() & (from_file | (col in _GAME_IDENTITY))
        if bad.any():
            r = merged[bad].iloc[0]
            raise IngestError(
                r["_file"], f"game {r['game_id']} is already in the store with {col} = "
                f"{r[f'{col}_db']}, this file says {r[col]}", line=int(r["line"]),
                field=_file_field(col, FileFormat.GAMES))
    keep_neutral = both_road & ~merged["neutral_site"].to_numpy(dtype=bool)
    if keep_neutral.any():
        ids = merged.loc[keep_neutral, "game_id"]
        games.loc[games["game_id"].isin(ids), "neutral_site"] = True
        notes.append(_neutral_note(
            ids, f"the games file {sorted(set(merged.loc[keep_neutral, '_file']))[0]}"))
    upgraded = merged.loc[merged["source_db"] == "player_logs", ["game_id"]]
    flips = merged.loc[swapped, ["game_id"]]
    keep = ~games["game_id"].isin(existing["game_id"]) | games["game_id"].isin(
        upgraded["game_id"])
    return games[keep].reset_index(drop=True), upgraded, flips


# Columns that swap when home and road do.
_SIDED = {"home_team_id": "road_team_id", "road_team_id": "home_team_id",
          "home_pts": "road_pts", "road_pts": "home_pts",
          **{f"home_{c}": f"road_{c}" for c in BOX_COUNTS},
          **{f"road_{c}": f"home_{c}" for c in BOX_COUNTS}}


def _neutral_note(game_ids: pd.Series, source: str) -> str:
    ids = sorted(set(game_ids))
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return (f"{len(ids)} game(s) ({shown}) stored as neutral-site: their player rows put "
            f"both teams on the road (\"@\"), where {source} says home court")


def _plain(v):
    """numpy scalars print as np.int64(5); messages should say 5."""
    return v.item() if hasattr(v, "item") else v


def _empty_games() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in (*_GAME_COLS, "line", "_file")})


def _dedupe(frame: pd.DataFrame, key: str | list[str], identity, what: str,
            fmt: FileFormat) -> pd.DataFrame:
    keys = [key] if isinstance(key, str) else key
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return frame
    sub = frame[dup]
    n_versions = sub.drop_duplicates([*keys, *identity]).groupby(keys).size()
    conflicted = n_versions[n_versions > 1]
    if len(conflicted):
        k = conflicted.index[0]
        k = k if isinstance(k, tuple) else (k,)
        rows = sub.loc[(sub[keys] == pd.Series(k, index=keys)).all(axis=1)].iloc[:2]
        differ = [c for c in identity if rows[c].iloc[0] != rows[c].iloc[1]]
        name = ", ".join(f"{c}={_plain(v)}" for c, v in zip(keys, k, strict=True))
        raise IngestError(
            rows["_file"].iloc[1],
            f"{what} ({name}) appears twice with different {differ[0]}: "
            f"{_plain(rows[differ[0]].iloc[1])} here, {_plain(rows[differ[0]].iloc[0])} in "
            f"{rows['_file'].iloc[0]}, line {rows['line'].iloc[0]}",
            line=int(rows["line"].iloc[1]), field=_file_field(differ[0], fmt))
    return frame.drop_duplicates(keys, keep="first").reset_index(drop=True)


def _file_field(column: str, fmt: FileFormat) -> str:
    """The file's name for a store column, so an error points at what the user can edit."""
    if fmt == FileFormat.PLAYER_LOGS:
        return "MIN" if column == "minutes" else column.upper()
    renames = {"kind": "game_type", "is_cup": "game_type"}
    if column in renames:
        return renames[column]
    for side in ("home", "road"):
        if column.startswith(f"{side}_"):
            base = column.removeprefix(f"{side}_")
            base = {"abbreviation": "team_abbreviation", "name": "team_name"}.get(base, base)
            return f"{base}_{side}"
    return column


# ---------------------------------------------------------------------------------------------
# Player logs

_PLAYER_COLS = ("player_id", "game_id", "season", "game_date", "team_id", "opponent_id",
                "is_home", "minutes", *BOX_COUNTS, "pts", "plus_minus")
_PLAYER_IDENTITY = ("team_id", "minutes", "pts", *BOX_COUNTS, "plus_minus")


def _new_player_rows(con, files: list[ParsedFile], new_games: pd.DataFrame,
                     teams: _TeamRegistry, notes: list[str]):
    """Player rows not yet in the store, and games derived from player rows where no games
    file (new or stored) has them."""
    if not files:
        return pd.DataFrame({c: [] for c in (*_PLAYER_COLS, "_file")}), _empty_games()
    frames = []
    for pf in files:
        teams.check(pf, pf.frame, "team_id", "team_abbreviation", "team_name", "TEAM_ID",
                    "TEAM_ABBREVIATION")
        frames.append(pf.frame.assign(_file=str(pf.path)))
    rows = pd.concat(frames, ignore_index=True)
    rows = _dedupe(rows, ["player_id", "game_id"], _PLAYER_IDENTITY, "player row",
                   FileFormat.PLAYER_LOGS)

    # Existing player rows: identical ones are skipped, differing ones are an error.
    con.register("_incoming_rows", rows[["player_id", "game_id"]])
    existing = con.execute("""SELECT p.* FROM player_game_logs p
                              JOIN _incoming_rows i USING (player_id, game_id)""").df()
    if len(existing):
        merged = rows.merge(existing, on=["player_id", "game_id"], suffixes=("", "_db"))
        for col in _PLAYER_IDENTITY:
            bad = (merged[col] != merged[f"{col}_db"]).to_numpy()
            if bad.any():
                r = merged[bad].iloc[0]
                raise IngestError(
                    r["_file"], f"player {r['player_id']} in game {r['game_id']} is already in "
                    f"the store with {col} = {r[f'{col}_db']}, this file says {r[col]}",
                    line=int(r["line"]), field=_file_field(col, FileFormat.PLAYER_LOGS))
        seen = pd.MultiIndex.from_frame(existing[["player_id", "game_id"]])
        is_new = ~pd.MultiIndex.from_frame(rows[["player_id", "game_id"]]).isin(seen)
        rows = rows[is_new].reset_index(drop=True)
    if not len(rows):
        return rows.assign(opponent_id=pd.Series(dtype="int64")), _empty_games()

    # The game each row belongs to: new games file rows first, else the store.
    con.register("_incoming_game_ids", rows[["game_id"]].drop_duplicates())
    stored = con.execute("""SELECT g.game_id, g.season, g.game_date, g.home_team_id,
                                   g.road_team_id, g.home_pts, g.road_pts, g.neutral_site,
                                   g.source
                            FROM games g JOIN _incoming_game_ids USING (game_id)""").df()
    cols = ["game_id", "season", "game_date", "home_team_id", "road_team_id", "home_pts",
            "road_pts"]
    known = pd.concat([new_games[[*cols, "neutral_site"]].assign(source="games_file"),
                       stored[~stored["game_id"].isin(new_games["game_id"])]],
                      ignore_index=True) if len(new_games) else stored
    _place_neutral_rows(con, rows, known, new_games, notes)
    team_sums = _team_sums(con, rows)
    derived = _derive_games(team_sums[~team_sums["game_id"].isin(known["game_id"])])
    games = pd.concat([known[cols], derived[cols]], ignore_index=True) if len(derived) \
        else known[cols]
    _check_against_games(team_sums, games)
    _check_plus_minus(team_sums[~team_sums["game_id"].isin(known["game_id"])])
    side = rows[["game_id", "team_id"]].merge(games[cols[:5]], on="game_id", how="left")
    rows["opponent_id"] = np.where(side["team_id"] == side["home_team_id"],
                                   side["road_team_id"], side["home_team_id"]).astype("int64")
    _check_opponents(rows, teams)
    return rows, derived


def _place_neutral_rows(con, rows: pd.DataFrame, known: pd.DataFrame, new_games: pd.DataFrame,
                        notes: list[str]) -> None:
    """Rows of both-"@" games (``neutral_site``): their home team is the games file's (new or
    stored), else the stored schedule's, else the rule's (formats.designated_home, already
    applied). A games file that calls such a game home court is overruled, with a note."""
    neutral = rows["neutral_site"].to_numpy(dtype=bool)
    if not neutral.any():
        return
    ids = pd.Series(rows.loc[neutral, "game_id"].unique())
    home = known.set_index("game_id")["home_team_id"].reindex(ids.to_numpy())
    unplaced = home.index[home.isna()]
    if len(unplaced) and _has_table(con, "schedule"):
        con.register("_neutral_ids", pd.DataFrame({"game_id": unplaced}))
        booked = con.execute("SELECT game_id, home_team_id FROM schedule "
                             "JOIN _neutral_ids USING (game_id)").df()
        _check_booked_teams(rows, booked)
        home.loc[booked["game_id"].to_numpy()] = booked["home_team_id"].to_numpy()
    placed = home.dropna()
    in_placed = neutral & rows["game_id"].isin(placed.index).to_numpy()
    rows.loc[in_placed, "is_home"] = (
        rows.loc[in_placed, "team_id"].to_numpy()
        == placed.reindex(rows.loc[in_placed, "game_id"]).to_numpy())

    said_home = known[known["game_id"].isin(ids) & ~known["neutral_site"].astype(bool)]
    if len(said_home):
        overruled = said_home["game_id"]
        new_games.loc[new_games["game_id"].isin(overruled), "neutral_site"] = True
        stored = said_home.loc[said_home["source"] == "games_file", ["game_id"]]
        if len(stored):
            con.register("_overruled", stored)
            con.execute("UPDATE games SET neutral_site = TRUE "
                        "WHERE game_id IN (SELECT game_id FROM _overruled)")
        in_batch = new_games.loc[new_games["game_id"].isin(overruled), "_file"]
        source = (f"the games file {sorted(set(in_batch))[0]}" if len(in_batch)
                  else "the stored games file")
        notes.append(_neutral_note(overruled, source))


def _rebook_from_schedule(con, touched: set[str], notes: list[str]) -> list[str]:
    """Neutral games known only from player logs (booked by the lower-id rule) whose home team
    the stored schedule names the other way round: both sides of the game row and the player
    rows swap, so the order in which logs and schedule arrive does not matter. Returns the
    seasons changed."""
    if not _has_table(con, "schedule"):
        return []
    found = con.execute("""
        SELECT g.game_id, g.season, s.neutral_site AS scheduled_neutral
        FROM games g JOIN schedule s USING (game_id)
        WHERE g.source = 'player_logs' AND g.neutral_site
          AND ((g.home_team_id = s.road_team_id AND g.road_team_id = s.home_team_id)
               OR NOT s.neutral_site)""").df()
    if not len(found):
        return []
    said_home = found.loc[~found["scheduled_neutral"].astype(bool)
                          & found["game_id"].isin(touched), "game_id"]
    if len(said_home):
        notes.append(_neutral_note(said_home, "the schedule"))
    swap = con.execute("""
        SELECT g.game_id, g.season FROM games g JOIN schedule s USING (game_id)
        WHERE g.source = 'player_logs' AND g.neutral_site
          AND g.home_team_id = s.road_team_id AND g.road_team_id = s.home_team_id""").df()
    if not len(swap):
        return []
    con.register("_swap", swap[["game_id"]])
    # SQL evaluates every right-hand side on the old row, so a = b, b = a swaps.
    sides = ", ".join(f"{a} = {b}" for a, b in _SIDED.items())
    con.execute(f"UPDATE games SET {sides} WHERE game_id IN (SELECT game_id FROM _swap)")
    con.execute("UPDATE player_game_logs SET is_home = NOT is_home "
                "WHERE game_id IN (SELECT game_id FROM _swap)")
    con.unregister("_swap")
    return sorted(set(swap["season"]))


def _check_booked_teams(rows: pd.DataFrame, booked: pd.DataFrame) -> None:
    """The schedule's home team of a both-"@" game must be one of the game's two teams."""
    teams = rows.groupby("game_id")["team_id"].agg(lambda t: set(t.astype(int)))
    for gid, home in zip(booked["game_id"], booked["home_team_id"], strict=True):
        if int(home) not in teams.get(gid, {int(home)}):
            r = rows[rows["game_id"] == gid].iloc[0]
            raise IngestError(r["_file"], f"game {gid}: the stored schedule books team {home} at "
                              f"home, but the game's players are of teams "
                              f"{sorted(teams[gid])}", line=int(r["line"]), field="TEAM_ID")


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = ?", [name]).fetchall()[0][0])


def _check_plus_minus(team_sums: pd.DataFrame) -> None:
    """Games known only from player rows: with no games file to give the official score, the
    box score's own redundancy must hold — a team's players' plus-minus sums to five times its
    final margin (five players on the floor, every point scored against them). NBA.com's own
    plus-minus misses this in about 1.2% of games (132 of 10,749 in 2015-24), where the
    season's games file settles the score; the message says so."""
    if not len(team_sums):
        return
    both = team_sums.merge(team_sums[["game_id", "team_id", "pts"]], on="game_id",
                           suffixes=("", "_opp"))
    both = both[both["team_id"] != both["team_id_opp"]]
    bad = both["plus_minus"] != 5 * (both["pts"] - both["pts_opp"])
    if bad.any():
        r = both[bad].sort_values("line").iloc[0]
        raise IngestError(
            r["_file"], f"game {r['game_id']}, team {r['team_id']}: the players' plus-minus "
            f"sums to {r['plus_minus']}, but their points give a margin of "
            f"{r['pts'] - r['pts_opp']} (x5 = {5 * (r['pts'] - r['pts_opp'])}); a player's "
            "points or plus-minus are wrong. NBA.com's plus-minus is itself off in about 1% "
            "of games: if this file is NBA.com's, ingest the season's games file with it, "
            f"whose official scores settle the game ({int(bad.sum())} such team-game(s))",
            line=int(r["line"]), field="PLUS_MINUS")


def _check_opponents(rows: pd.DataFrame, teams: _TeamRegistry) -> None:
    """The opponent MATCHUP names must be the team the game was really against."""
    pairs = rows.drop_duplicates(["season", "opponent_id", "opponent_abbreviation"])
    cols = ["season", "opponent_id", "opponent_abbreviation", "game_id", "line", "_file"]
    for season, opp, abbr, game, line, file in pairs[cols].itertuples(index=False, name=None):
        known = teams.abbreviation_of(int(opp), season)
        if known is not None and known != abbr:
            raise IngestError(file, f"MATCHUP names opponent {abbr}, but game {game} was "
                              f"against {known}", line=int(line), field="MATCHUP")


def _team_sums(con, rows: pd.DataFrame) -> pd.DataFrame:
    """Per (game, team): summed box of the incoming rows plus rows of that game already
    stored, so a game's points are checked whole."""
    summed = (*BOX_COUNTS, "pts", "plus_minus")
    agg = {c: (c, "sum") for c in summed}
    sums = rows.groupby(["game_id", "team_id"], sort=False).agg(
        season=("season", "first"), game_date=("game_date", "first"),
        is_home=("is_home", "first"), neutral_site=("neutral_site", "any"),
        line=("line", "min"), _file=("_file", "first"), won=("won", "first"), **agg,
    ).reset_index()
    con.register("_sum_ids", sums[["game_id"]].drop_duplicates())
    stored = con.execute(f"""
        SELECT game_id, team_id, {", ".join(f"sum({c}) AS {c}" for c in summed)}
        FROM player_game_logs JOIN _sum_ids USING (game_id) GROUP BY game_id, team_id""").df()
    if len(stored):
        merged = sums.merge(stored, on=["game_id", "team_id"], how="left", suffixes=("", "_db"))
        for c in summed:
            merged[c] = merged[c] + merged[f"{c}_db"].fillna(0).astype("int64")
        sums = merged[sums.columns]
    return sums


def _derive_games(team_sums: pd.DataFrame) -> pd.DataFrame:
    if not len(team_sums):
        return _empty_games()
    sides = team_sums.groupby("game_id")["is_home"].agg(["sum", "size"])
    bad = sides[(sides["sum"] != 1) & (sides["size"] == 2)]
    if len(bad):  # both home or both road after placement: nothing above may let it through
        r = team_sums[team_sums["game_id"] == bad.index[0]].iloc[0]
        raise IngestError(r["_file"], f"game {bad.index[0]}: its rows do not put one team at "
                          "home and one on the road", line=int(r["line"]), field="MATCHUP")
    home = team_sums[team_sums["is_home"]].set_index("game_id")
    road = team_sums[~team_sums["is_home"]].set_index("game_id")
    road = road.reindex(home.index)
    g = pd.DataFrame({
        "game_id": home.index, "season": home["season"].to_numpy(),
        "game_date": home["game_date"].to_numpy(),
        "home_team_id": home["team_id"].to_numpy(), "road_team_id": road["team_id"].to_numpy(),
        "home_pts": home["pts"].to_numpy(), "road_pts": road["pts"].to_numpy(),
        "line": home["line"].to_numpy(), "_file": home["_file"].to_numpy(),
    })
    for c in BOX_COUNTS:
        g[f"home_{c}"] = home[c].to_numpy()
        g[f"road_{c}"] = road[c].to_numpy()
    g["kind"] = g["game_id"].str[:3].map(GAME_ID_KIND)
    g["is_cup"] = False
    g["counts_for_standings"] = g["kind"] == "regular"
    # Player logs say a game was neutral by putting both teams on the road ("@"); other
    # known neutral courts (the 2020 bubble) are marked from NEUTRAL_PERIODS, and a games
    # file for the season corrects the rest when it is ingested.
    g["neutral_site"] = home["neutral_site"].to_numpy(dtype=bool)
    g = _mark_known_neutral_sites(g)
    g["source"] = "player_logs"
    tie = (g["home_pts"] == g["road_pts"]).to_numpy()
    if tie.any():
        r = g[tie].iloc[0]
        raise IngestError(r["_file"], f"game {r['game_id']}: players' points give a tie "
                          f"{r['home_pts']}-{r['road_pts']}; an NBA game cannot end tied",
                          line=int(r["line"]), field="PTS")
    return g


def _check_against_games(team_sums: pd.DataFrame, games: pd.DataFrame) -> None:
    m = team_sums.merge(games, on="game_id", how="left", suffixes=("", "_game"))
    is_home_team = m["team_id"] == m["home_team_id"]
    in_game = is_home_team | (m["team_id"] == m["road_team_id"])
    bad = ~in_game.to_numpy()
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(r["_file"], f"team {r['team_id']} has players in game {r['game_id']}, "
                          f"which is {r['home_team_id']} vs {r['road_team_id']}",
                          line=int(r["line"]), field="TEAM_ID")
    bad = (is_home_team != m["is_home"]).to_numpy()
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(r["_file"], f"game {r['game_id']}: MATCHUP puts team {r['team_id']} "
                          "on the wrong side of the court compared with the games file",
                          line=int(r["line"]), field="MATCHUP")
    bad = (pd.to_datetime(m["game_date"]) != pd.to_datetime(m["game_date_game"])).to_numpy()
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(r["_file"], f"game {r['game_id']} is dated {r['game_date_game']:%Y-%m-%d}"
                          f" in the games data, this row says {r['game_date']:%Y-%m-%d}",
                          line=int(r["line"]), field="GAME_DATE")
    bad = (m["season"] != m["season_game"]).to_numpy()
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(r["_file"], f"game {r['game_id']} belongs to {r['season_game']}, "
                          f"this row says {r['season']}", line=int(r["line"]),
                          field="SEASON_ID")
    score = np.where(is_home_team, m["home_pts"], m["road_pts"])
    bad = (m["pts"].to_numpy() != score)
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(
            r["_file"], f"players' points for team {r['team_id']} in game {r['game_id']} add "
            f"up to {r['pts']}, but the team scored {score[np.flatnonzero(bad)[0]]}",
            line=int(r["line"]), field="PTS")
    opp = np.where(is_home_team, m["road_pts"], m["home_pts"])
    won = m["won"]
    has_wl = won.notna().to_numpy()
    bad = has_wl & (won.fillna(False).astype(bool).to_numpy() != (score > opp))
    if bad.any():
        r = m[bad].iloc[0]
        raise IngestError(r["_file"], f"game {r['game_id']}: WL disagrees with the score",
                          line=int(r["line"]), field="WL")


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    cols = _GAME_COLS if table == "games" else _PLAYER_COLS
    con.register("_to_insert", frame[list(cols)])
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                "FROM _to_insert")
    con.unregister("_to_insert")


def _upsert_players(con, rows: pd.DataFrame) -> None:
    """A player's name is the one on his latest row: an older season ingested later does not
    overwrite it. Runs before the new rows are inserted, to compare against stored dates."""
    latest = (rows.sort_values("game_date").groupby("player_id", sort=False)
              .agg(player_name=("player_name", "last"), last_date=("game_date", "max"))
              .reset_index())
    con.register("_names", latest)
    con.execute("""
        INSERT INTO players
        SELECT n.player_id, n.player_name FROM _names n
        LEFT JOIN (SELECT player_id, max(game_date) AS d FROM player_game_logs
                   WHERE player_id IN (SELECT player_id FROM _names) GROUP BY player_id) s
          USING (player_id)
        WHERE s.d IS NULL OR n.last_date >= s.d
        ON CONFLICT (player_id) DO UPDATE SET name = excluded.name""")
