"""Build tiny hand-made leagues through the real ingest path, for tests with known answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from truestrength.data.formats import GAMES_COLUMNS
from truestrength.data.ingest import ingest_files
from truestrength.data.league import LeagueData
from truestrength.data.store import Store


def write_games(path: Path, games: list[tuple]) -> Path:
    """games: (game_id, date, season, game_type, home_id, home_abbr, road_id, road_abbr,
    home_pts, road_pts). Box totals are made consistent with the points (all twos and ones)."""
    rows = []
    for gid, date, season, gtype, hid, habbr, rid, rabbr, hp, rp in games:
        row = {c: "0" for c in GAMES_COLUMNS}
        row.update(game_id=gid, game_date=date, season=season, game_type=gtype,
                   neutral_site="False", team_id_home=str(hid), team_abbreviation_home=habbr,
                   team_name_home=habbr, team_id_road=str(rid), team_abbreviation_road=rabbr,
                   team_name_road=rabbr, pts_home=str(hp), pts_road=str(rp),
                   wl_home="W" if hp > rp else "L")
        for side, pts in (("home", hp), ("road", rp)):
            row[f"fgm_{side}"] = row[f"fga_{side}"] = str(pts // 2)
            row[f"ftm_{side}"] = row[f"fta_{side}"] = str(pts % 2)
            row[f"plus_minus_{side}"] = str(pts - (rp if side == "home" else hp))
        rows.append(row)
    pd.DataFrame(rows, columns=list(GAMES_COLUMNS)).to_csv(path, index=False)
    return path


def write_teams(path: Path, seasons: list[str], teams: list[tuple[int, str, str]]) -> Path:
    rows = [(s, tid, abbr, f"Team {abbr}", conf) for s in seasons for tid, abbr, conf in teams]
    pd.DataFrame(rows, columns=["season", "team_id", "abbreviation", "name", "conference"]
                 ).to_csv(path, index=False)
    return path


def tiny_league(tmp_path: Path, teams: list[tuple[int, str, str]], games: list[tuple],
                seasons: list[str]) -> LeagueData:
    tf = write_teams(tmp_path / "teams.csv", seasons, teams)
    gf = write_games(tmp_path / "games.csv", games)
    with Store(tmp_path / "tiny.duckdb") as store:
        ingest_files(store, [tf, gf])
        return LeagueData.from_store(store)
