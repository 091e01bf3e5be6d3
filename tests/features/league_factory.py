"""Hand-made LeagueData for feature tests: frames with the columns the store produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.league import LeagueData
from truestrength.data.formats import BOX_COUNTS

# Synthetic team ids (not NBA ids) and their conferences.
TEAMS = {1: "E", 2: "E", 3: "W", 4: "W"}


@dataclass(frozen=True)
class Line:
    pid: int
    team: int
    min: float = 20.0
    pts: int = 10
    fga: int = 8
    fta: int = 2
    oreb: int = 1
    dreb: int = 3
    ast: int = 2
    stl: int = 1
    blk: int = 0
    tov: int = 1
    pf: int = 2
    pm: int = 0


@dataclass(frozen=True)
class Game:
    date: str
    home: int
    road: int
    lines: tuple[Line, ...]
    kind: str = "regular"


def season_of(date: str) -> str:
    ts = pd.Timestamp(date)
    start = ts.year if ts.month >= 8 else ts.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def make_league(games: list[Game], data_hash: str = "synthetic",
                extra_seasons: tuple[str, ...] = ()) -> LeagueData:
    prefix = {"regular": "002", "playoff": "004", "play_in": "005", "cup_final": "006"}
    rows, game_rows = [], []
    for n, g in enumerate(games):
        season = season_of(g.date)
        gid = f"{prefix[g.kind]}{season[2:4]}{n:05d}"
        for ln in g.lines:
            if ln.team not in (g.home, g.road):
                raise ValueError(f"line for team {ln.team} in game {g.home}-{g.road}")
            fgm = min(ln.fga, ln.pts // 2)
            ftm = min(ln.fta, max(ln.pts - 2 * fgm, 0))
            rows.append({
                "player_id": ln.pid, "game_id": gid, "season": season,
                "game_date": pd.Timestamp(g.date), "team_id": ln.team,
                "opponent_id": g.road if ln.team == g.home else g.home,
                "is_home": ln.team == g.home, "minutes": float(ln.min),
                "fgm": fgm, "fga": ln.fga, "fg3m": 0, "fg3a": 0, "ftm": ftm, "fta": ln.fta,
                "oreb": ln.oreb, "dreb": ln.dreb, "reb": ln.oreb + ln.dreb, "ast": ln.ast,
                "stl": ln.stl, "blk": ln.blk, "tov": ln.tov, "pf": ln.pf, "pts": ln.pts,
                "plus_minus": ln.pm,
            })
        game_rows.append({"game_id": gid, "season": season, "game_date": pd.Timestamp(g.date),
                          "kind": g.kind, "home_team_id": g.home, "road_team_id": g.road})
    logs = pd.DataFrame(rows)
    if logs.empty:
        logs = pd.DataFrame(columns=["player_id", "game_id", "season", "game_date", "team_id",
                                     "opponent_id", "is_home", "minutes", *BOX_COUNTS, "pts",
                                     "plus_minus"])
    logs = logs.sort_values(["game_date", "game_id", "team_id", "player_id"]).reset_index(
        drop=True)
    box = logs.groupby(["game_id", "team_id"])[[*BOX_COUNTS, "pts"]].sum()
    gm = pd.DataFrame(game_rows)
    for side in ("home", "road"):
        b = box.reindex(pd.MultiIndex.from_arrays([gm["game_id"], gm[f"{side}_team_id"]]))
        gm[f"{side}_pts"] = b["pts"].fillna(0).to_numpy(np.int64)
        for c in BOX_COUNTS:
            gm[f"{side}_{c}"] = b[c].fillna(0).to_numpy(np.int64)
    gm["is_cup"] = gm["kind"] == "cup_final"
    gm["counts_for_standings"] = gm["kind"] == "regular"
    gm["neutral_site"] = False
    gm["source"] = "player_logs"
    gm = gm.sort_values(["game_date", "game_id"]).reset_index(drop=True)

    team_games = []
    for _, g in gm.iterrows():
        for side, other in (("home", "road"), ("road", "home")):
            tg = {"game_id": g["game_id"], "team_id": g[f"{side}_team_id"],
                  "season": g["season"], "game_date": g["game_date"], "kind": g["kind"],
                  "counts_for_standings": g["counts_for_standings"],
                  "opponent_id": g[f"{other}_team_id"], "is_home": side == "home",
                  "neutral_site": False, "pts": g[f"{side}_pts"], "opp_pts": g[f"{other}_pts"],
                  "won": g[f"{side}_pts"] > g[f"{other}_pts"]}
            tg.update({c: g[f"{side}_{c}"] for c in BOX_COUNTS})
            tg.update({f"opp_{c}": g[f"{other}_{c}"] for c in BOX_COUNTS})
            team_games.append(tg)
    seasons = sorted(set(gm["season"]) | set(extra_seasons))
    team_seasons = pd.DataFrame([
        {"team_id": t, "season": s, "abbreviation": f"T{t}", "name": f"Team {t}",
         "conference": c} for s in seasons for t, c in TEAMS.items()])
    frames = {
        "games": gm,
        "team_games": pd.DataFrame(team_games),
        "player_logs": logs,
        "team_seasons": team_seasons,
        "playoff_series": pd.DataFrame(columns=["season", "round", "team_a", "team_b", "wins_a",
                                                "wins_b", "winner_id"]),
    }
    return LeagueData(frames, data_hash)


def random_league(seed: int = 0, n_dates: int = 10) -> tuple[list[Game], list[str]]:
    """Two seasons, four teams of five players, random box scores (with zero-attempt and
    zero-minute games), a mid-season trade (player 13: team 1 -> 3 after the 4th date of the
    second season) and a player who stops playing. Returns the games and season-2 dates."""
    rng = np.random.default_rng(seed)
    out: list[Game] = []
    dates2: list[str] = []
    for season_start in (2021, 2022):
        start = pd.Timestamp(f"{season_start}-10-20")
        for i in range(n_dates):
            date = (start + pd.Timedelta(days=2 * i)).strftime("%Y-%m-%d")
            if season_start == 2022:
                dates2.append(date)
            pairs = ((1, 2), (3, 4)) if i % 2 == 0 else ((1, 3), (2, 4))
            for home, road in pairs:
                lines = []
                for team in (home, road):
                    for j in range(5):
                        pid = team * 10 + j
                        if pid == 13 and season_start == 2022 and i >= 4:
                            continue  # traded away
                        if pid == 24 and season_start == 2022 and i >= 6:
                            continue  # stops playing
                        lines.append(_random_line(rng, pid, team))
                    if team == 3 and season_start == 2022 and i >= 4:
                        lines.append(_random_line(rng, 13, 3))
                out.append(Game(date, home, road, tuple(lines)))
    return out, dates2


def _random_line(rng: np.random.Generator, pid: int, team: int) -> Line:
    fga = int(rng.integers(0, 15)) if rng.random() > 0.15 else 0
    fta = int(rng.integers(0, 6)) if rng.random() > 0.3 else 0
    return Line(pid=pid, team=team, min=float(rng.integers(0, 40)),
                pts=int(rng.integers(0, 2 * fga + fta + 1)), fga=fga, fta=fta,
                oreb=int(rng.integers(0, 4)), dreb=int(rng.integers(0, 8)),
                ast=int(rng.integers(0, 8)), stl=int(rng.integers(0, 3)),
                blk=int(rng.integers(0, 3)), tov=int(rng.integers(0, 4)),
                pf=int(rng.integers(0, 6)), pm=int(rng.integers(-15, 16)))
