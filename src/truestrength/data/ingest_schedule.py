"""Ingest schedule and rosters files, inside ``ingest.ingest_parsed``'s transaction.

Unlike results, both are published ahead and revised: NBA.com moves a postponed game to a new
date under the same game id, and a roster read today differs from yesterday's after a trade.
So a schedule row replaces the stored row of its game id, and a roster row replaces the
stored row of its (season, player, as_of) — the latest read of a day wins. Within one ingest
the files must agree with each other: the same game twice with different details, or a
player on two teams on the same day, is an error naming file, line and field.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from truestrength.data.errors import IngestError
from truestrength.data.formats import FileFormat, ParsedFile
from truestrength.data.schedule_files import check_one_team

SCHEDULE_STORE_COLUMNS = ("game_id", "season", "game_date", "kind", "is_cup", "neutral_site",
                          "home_team_id", "road_team_id", "postponed")
ROSTERS_STORE_COLUMNS = ("season", "team_id", "player_id", "as_of")


@dataclass(frozen=True)
class ScheduleIngest:
    """Rows written (new or replacing a different stored row) per table, and per file."""

    schedule_rows: int = 0
    roster_rows: int = 0
    added_by_file: dict[str, int] | None = None


def ingest_schedule_and_rosters(con, files: dict[FileFormat, list[ParsedFile]],
                                teams) -> ScheduleIngest:
    """Validate and write the schedule and rosters files of one ingest. ``teams`` is the
    ingest's ``_TeamRegistry``; ``con`` is inside its transaction."""
    added: dict[str, int] = {}
    schedule = _schedule_rows(con, files.get(FileFormat.SCHEDULE, []), teams)
    rosters = _roster_rows(files.get(FileFormat.ROSTERS, []), teams)
    n_sched = _replace(con, "schedule", schedule, SCHEDULE_STORE_COLUMNS, ["game_id"], added)
    n_rost = _replace(con, "rosters", rosters, ROSTERS_STORE_COLUMNS,
                      ["season", "player_id", "as_of"], added)
    _add_team_seasons(con, teams, schedule, rosters)
    _add_player_names(con, rosters)
    return ScheduleIngest(n_sched, n_rost, added)


def _schedule_rows(con, files: list[ParsedFile], teams) -> pd.DataFrame:
    if not files:
        return pd.DataFrame()
    frames = []
    for pf in files:
        for side in ("home", "road"):
            teams.check(pf, pf.frame, f"{side}_team_id", f"{side}_abbreviation", None,
                        f"team_id_{side}", f"team_abbreviation_{side}")
        frames.append(pf.frame.assign(_file=str(pf.path)))
    rows = pd.concat(frames, ignore_index=True)
    versions = rows.drop_duplicates(list(SCHEDULE_STORE_COLUMNS))
    clash = versions[versions.duplicated("game_id", keep=False)]
    if len(clash):
        a, b = clash.iloc[0], clash[clash["game_id"] == clash["game_id"].iloc[0]].iloc[1]
        differ = next(c for c in SCHEDULE_STORE_COLUMNS if a[c] != b[c])
        raise IngestError(b["_file"], f"game {a['game_id']} is in this ingest twice with "
                          f"different {differ}: {b[differ]} here, {a[differ]} in {a['_file']}, "
                          f"line {a['line']}", line=int(b["line"]), field=differ)
    rows = rows.drop_duplicates("game_id").reset_index(drop=True)
    _check_against_games(con, rows)
    return rows


def _check_against_games(con, rows: pd.DataFrame) -> None:
    """A played game's schedule row must name the same season and the same two teams (home
    and road may differ: a neutral-site game's designated home team is a convention)."""
    con.register("_sched_ids", rows[["game_id"]])
    played = con.execute("""SELECT game_id, season AS season_db, home_team_id AS home_db,
                                   road_team_id AS road_db
                            FROM games JOIN _sched_ids USING (game_id)""").df()
    con.unregister("_sched_ids")
    if not len(played):
        return
    m = rows.merge(played, on="game_id")
    same_teams = (((m["home_team_id"] == m["home_db"]) & (m["road_team_id"] == m["road_db"]))
                  | ((m["home_team_id"] == m["road_db"]) & (m["road_team_id"] == m["home_db"])))
    for bad, field, what in ((m["season"] != m["season_db"], "season", "season"),
                             (~same_teams, "team_id_home", "teams")):
        if bad.any():
            r = m[bad.to_numpy()].iloc[0]
            stored = (r["season_db"] if what == "season"
                      else f"{r['home_db']} vs {r['road_db']}")
            raise IngestError(r["_file"], f"game {r['game_id']} was played with {what} "
                              f"{stored} according to the store", line=int(r["line"]),
                              field=field)


def _roster_rows(files: list[ParsedFile], teams) -> pd.DataFrame:
    if not files:
        return pd.DataFrame()
    frames = []
    for pf in files:
        teams.check(pf, pf.frame, "team_id", "team_abbreviation", None, "team_id",
                    "team_abbreviation")
        frames.append(pf.frame.assign(_file=str(pf.path)))
    rows = pd.concat(frames, ignore_index=True)
    check_one_team(rows["_file"].iloc[0], rows)
    return rows.drop_duplicates(["season", "player_id", "as_of"]).reset_index(drop=True)


def _replace(con, table: str, rows: pd.DataFrame, cols: tuple[str, ...], key: list[str],
             added: dict[str, int]) -> int:
    """Write ``rows`` over the stored rows with the same key; count those that change."""
    if not len(rows):
        return 0
    new = rows[[*cols, "_file"]]
    con.register("_incoming", new)
    on = " AND ".join(f"s.{k} = i.{k}" for k in key)
    same = " AND ".join(f"s.{c} = i.{c}" for c in cols)
    unchanged = con.execute(f"""SELECT i._file, count(*) FROM _incoming i JOIN {table} s
                                ON {on} AND {same} GROUP BY i._file""").fetchall()
    con.execute(f"DELETE FROM {table} s WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {on})")
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                "FROM _incoming")
    con.unregister("_incoming")
    per_file = new.groupby("_file").size()
    for f, n in unchanged:
        per_file[f] -= n
    for f, n in per_file.items():
        added[f] = added.get(f, 0) + int(n)
    return int(per_file.sum())


def _add_team_seasons(con, teams, schedule: pd.DataFrame, rosters: pd.DataFrame) -> None:
    """A schedule read before a season's first game is the first the store hears of its
    teams: write the (team, season) rows it uses that the store lacks."""
    used = set()
    for frame, cols in ((schedule, ("home_team_id", "road_team_id")), (rosters, ("team_id",))):
        for c in cols:
            if len(frame):
                used |= set(zip(frame[c].astype(int), frame["season"], strict=True))
    if not used:
        return
    stored = set(con.execute("SELECT team_id, season FROM team_seasons").fetchall())
    missing = sorted(used - stored)
    if not missing:
        return
    # check() above put every used (team, season) in the registry, built-in NBA ones too.
    rows = pd.DataFrame([(t, s, *teams._rows[(t, s)]) for t, s in missing],
                        columns=["team_id", "season", "abbreviation", "name", "conference"])
    con.register("_sched_team_seasons", rows)
    con.execute("INSERT INTO team_seasons SELECT * FROM _sched_team_seasons")
    teams._in_store.update(missing)  # so the games' own team rows are not written twice
    con.execute("""
        INSERT OR REPLACE INTO teams
        SELECT team_id, arg_max(abbreviation, season), arg_max(name, season)
        FROM team_seasons GROUP BY team_id""")
    con.unregister("_sched_team_seasons")


def _add_player_names(con, rosters: pd.DataFrame) -> None:
    """A signing known only from a roster gets his name; names from game logs are kept."""
    if not len(rosters):
        return
    named = rosters.loc[rosters["player_name"] != "", ["player_id", "player_name", "as_of"]]
    latest = named.sort_values("as_of").drop_duplicates("player_id", keep="last")
    con.register("_roster_names", latest[["player_id", "player_name"]])
    con.execute("""INSERT INTO players SELECT player_id, player_name FROM _roster_names
                   ON CONFLICT (player_id) DO NOTHING""")
    con.unregister("_roster_names")
