"""Read the schedule and rosters file formats (docs/contracts.md) into validated frames.

Both are written by ``fetch`` from NBA.com's ``ScheduleLeagueV2`` and ``CommonTeamRoster``,
and can be written by hand by a user without NBA.com access. Like the other formats, every
cell is read as text and parsed with ``formats``' cell parsers, so a bad value is reported
with its file, line and field. Checks against the store (known teams) happen at ingest.

The parsers register themselves with ``formats.read_file`` when this module is imported;
``truestrength.data``'s ``__init__`` imports it, so any use of the data package has them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.base.seasons import season_start_year
from truestrength.data.errors import IngestError
from truestrength.data.formats import (
    GAME_TYPES,
    FileFormat,
    _bool,
    _check_columns,
    _check_id_season,
    _check_in_season,
    _check_pairing,
    _clean_rows,
    _dates,
    _fail_at,
    _game_ids,
    _int,
    _season,
    parse_game_sides,
    register_parser,
)

SCHEDULE_COLUMNS = (
    "game_id", "season", "game_date", "game_type",
    "team_id_home", "team_abbreviation_home", "team_id_road", "team_abbreviation_road",
    "neutral_site", "postponed",
)  # fmt: skip
ROSTERS_COLUMNS = ("season", "team_id", "team_abbreviation", "player_id", "player_name", "as_of")
ROSTERS_OPTIONAL = frozenset({"player_name"})

# A schedule names cup games before they are played, group stage and quarter-finals included;
# all of them count for the standings except the final (its own 006 id).
SCHEDULE_GAME_TYPES = {**GAME_TYPES, "nba_cup_group": "regular", "nba_cup_quarter": "regular"}

# A roster can be read from free agency (1 July of the start year) on; its season's games fall
# in formats.season_window (September to October of the next year).
ROSTER_FIRST_DAY = (7, 1)


def _check_roster_dates(path: Path, df: pd.DataFrame, out: pd.DataFrame) -> None:
    ok = _clean_rows(len(out))
    as_of = pd.to_datetime(out["as_of"])
    bad = np.zeros(len(out), dtype=bool)
    for season in pd.unique(out["season"][ok]):
        start = season_start_year(season)
        lo, hi = pd.Timestamp(start, *ROSTER_FIRST_DAY), pd.Timestamp(start + 1, 10, 31)
        rows = ok & (out["season"] == season).to_numpy()
        bad |= rows & ~((as_of >= lo) & (as_of <= hi)).to_numpy()
    if bad.any():
        _fail_at(path, df, bad, "as_of", "date is outside its season (1 July of the first year "
                 "to 31 October of the second)")


def parse_schedule(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    """The store's ``schedule`` columns plus ``line``, ``home_abbreviation``,
    ``road_abbreviation``."""
    _check_columns(path, df, SCHEDULE_COLUMNS, frozenset())
    out = pd.DataFrame({"line": df["line"].to_numpy()})
    out["game_id"] = _game_ids(path, df, "game_id")
    out["season"] = _season(path, df, "season")
    dates = _dates(path, df, "game_date")
    out["game_date"] = dates.to_numpy()
    parse_game_sides(path, df, out, SCHEDULE_GAME_TYPES)
    out["postponed"] = _bool(path, df, "postponed")
    id_kind = _check_pairing(path, df, out)
    bad = (id_kind.to_numpy() != out["kind"].to_numpy())
    if bad.any():
        _fail_at(path, df, bad, "game_type", "contradicts the game id's prefix (002 regular, "
                 "004 playoff, 005 play-in, 006 cup final)")
    _check_id_season(path, df, out, "game_id")
    _check_in_season(path, df, out, "game_date")
    dup = out.duplicated("game_id").to_numpy()
    if dup.any():
        _fail_at(path, df, dup, "game_id", "duplicate game id in this file", cell=True)
    return out


def parse_rosters(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    """The store's ``rosters`` columns plus ``line``, ``team_abbreviation``, ``player_name``."""
    _check_columns(path, df, ROSTERS_COLUMNS, ROSTERS_OPTIONAL)
    out = pd.DataFrame({"line": df["line"].to_numpy()})
    out["season"] = _season(path, df, "season")
    out["team_id"] = _int(path, df, "team_id")
    out["team_abbreviation"] = df["team_abbreviation"].str.strip().to_numpy(dtype=object)
    out["player_id"] = _int(path, df, "player_id")
    out["player_name"] = (df["player_name"].str.strip().to_numpy(dtype=object)
                          if "player_name" in df else "")
    as_of = _dates(path, df, "as_of")
    out["as_of"] = as_of.to_numpy()
    _check_roster_dates(path, df, out)
    check_one_team(path, out[_clean_rows(len(out))])
    # The same player listed twice by the same team on the same day says nothing new.
    return out.drop_duplicates(["season", "player_id", "as_of", "team_id"]).reset_index(drop=True)


def check_one_team(path: Path | str, rows: pd.DataFrame) -> None:
    """A player is on one team's roster on a given day; two teams is an error, raised at the
    second team's row. ``rows`` has season, player_id, as_of, team_id, line (and ``_file``
    when the rows come from several files)."""
    teams = rows.groupby(["season", "player_id", "as_of"], sort=False)["team_id"].transform(
        "nunique")
    bad = (teams > 1).to_numpy()
    if not bad.any():
        return
    clash = rows[bad].sort_values("line")
    first = clash.iloc[0]
    other = clash[(clash["team_id"] != first["team_id"])
                  & (clash["player_id"] == first["player_id"])
                  & (clash["as_of"] == first["as_of"])].iloc[0]
    where = other["_file"] if "_file" in rows.columns else path
    raise IngestError(
        where,
        f"player {first['player_id']} is on two teams' rosters on "
        f"{pd.Timestamp(first['as_of']):%Y-%m-%d} ({first['season']}): team "
        f"{first['team_id']} (line {first['line']}) and team {other['team_id']}",
        line=int(other["line"]), field="team_id")


register_parser(FileFormat.SCHEDULE, parse_schedule)
register_parser(FileFormat.ROSTERS, parse_rosters)
