"""The availability a prediction is made under: inferred from the box scores, from an injuries
file and from published rosters (``base.availability`` holds the types).

Inferred out. A player whose latest team in the season is T, who averaged at least
``rotation_min_minutes`` over his last ``roster.recent_games`` games (a rotation player), and
who has missed T's last ``missed_games_out`` games (k) is out, reason "missed last k games",
with no return date: he comes back when he plays again, which the store cannot know in
advance, so until then he is out for the rest of the simulated season and the playoffs.
Only games strictly before the prediction date are read.

Trades. ``rosters`` has the columns ``season, team_id, player_id, as_of`` (a store table
another part of issue 9 adds as ``LeagueData.rosters``). For each team, its latest roster
with ``as_of`` on or before the prediction date counts; a player on team X's roster who last
played for team Y != X, and whose last game is before that ``as_of``, belongs to X from it
(status ``traded``, reason "traded (rosters as of D)"). A later game for Y wins over an older
roster. A player listed on several teams' latest rosters goes to the newest roster. Players
with no game in the season are not added to any team (they have no box score to describe
them this season). A moved player is not inferred out for games his old team played after
he left.

Precedence. The injuries file wins over the inference for the same player (the user knows
more than a count of missed games).
"""

from __future__ import annotations

import pandas as pd

from truestrength.base.availability import Availability, PlayerAvailability
from truestrength.base.config import AvailabilitySection, RosterSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.features.player_stats import regular_player_logs

__all__ = ["ROSTER_COLUMNS", "inferred_out", "resolve_availability", "roster_moves"]

ROSTER_COLUMNS = ("season", "team_id", "player_id", "as_of")


def _last_games(known: LeagueData, season: str, date: pd.Timestamp,
                recent_games: int) -> pd.DataFrame:
    """Per player who played in the season before ``date``: team_id and day of his last game,
    his mean minutes over his last ``recent_games`` games, and how many standings-kind games
    his team has played since (``missed``)."""
    pl = known.player_logs
    g = known.games
    logs = regular_player_logs(pl[(pl["season"] == season) & (pl["game_date"] < date)],
                               g[g["season"] == season])
    if logs.empty:
        return pd.DataFrame(columns=["player_id", "team_id", "last_day", "recent_min",
                                     "missed"])
    logs = logs.sort_values(["player_id", "game_date", "game_id"], kind="stable")
    recent = logs.groupby("player_id").tail(recent_games).groupby("player_id")["minutes"].mean()
    last = logs.groupby("player_id").tail(1).set_index("player_id")[["team_id", "game_date"]]
    team_days = logs[["team_id", "game_id", "game_date"]].drop_duplicates(["team_id", "game_id"])
    out = last.rename(columns={"game_date": "last_day"}).assign(
        recent_min=recent.reindex(last.index).to_numpy()).reset_index()
    # games of his team after his last game = his team's games he missed in a row
    merged = out.merge(team_days, on="team_id", how="left")
    missed = (merged["game_date"] > merged["last_day"]).groupby(merged["player_id"]).sum()
    out["missed"] = missed.reindex(out["player_id"]).to_numpy().astype(int)
    return out


def _names(known: LeagueData) -> pd.Series:
    return known.players.set_index("player_id")["name"] if len(known.players) else pd.Series(
        dtype=str)


def inferred_out(known: LeagueData, season: str, date: pd.Timestamp, roster: RosterSection,
                 config: AvailabilitySection,
                 moved: set[int] | frozenset[int] = frozenset()) -> list[PlayerAvailability]:
    """Rotation players who missed their team's last k games (module docstring)."""
    date = pd.Timestamp(date).normalize()
    k = config.missed_games_out
    last = _last_games(known, season, date, roster.recent_games)
    hit = last[(last["missed"] >= k) & (last["recent_min"] >= config.rotation_min_minutes)
               & ~last["player_id"].isin(list(moved))]
    names = _names(known)
    return [PlayerAvailability(
        player_id=int(r.player_id), player=str(names.get(int(r.player_id), r.player_id)),
        team_id=int(r.team_id), status="out", reason=f"missed last {k} games",
        treated_out=True) for r in hit.itertuples()]


def roster_moves(known: LeagueData, season: str, date: pd.Timestamp,
                 rosters: pd.DataFrame | None, roster: RosterSection
                 ) -> list[PlayerAvailability]:
    """Players a published roster puts on another team than the one he last played for."""
    if rosters is None or len(rosters) == 0:
        return []
    missing = [c for c in ROSTER_COLUMNS if c not in rosters.columns]
    if missing:
        raise DataError(f"rosters frame is missing column(s) {missing}; expected "
                        f"{', '.join(ROSTER_COLUMNS)}")
    date = pd.Timestamp(date).normalize()
    r = rosters[(rosters["season"] == season)].copy()
    r["as_of"] = pd.to_datetime(r["as_of"]).dt.normalize()
    r = r[r["as_of"] < date]  # like LeagueData.before: a roster read on the day is not known
    if r.empty:
        return []
    teams = set(known.teams_of_season(season))
    unknown = sorted(set(r["team_id"].astype(int)) - teams)
    if unknown:
        raise DataError(f"rosters of {season} name team(s) {unknown[:5]} that are not teams "
                        "of the season")
    latest = r.groupby("team_id")["as_of"].transform("max")
    r = r[r["as_of"] == latest].sort_values("as_of").groupby("player_id").tail(1)
    last = _last_games(known, season, date, roster.recent_games).set_index("player_id")
    r = r[r["player_id"].isin(last.index)]
    lt = last.reindex(r["player_id"])
    moved = r[(lt["team_id"].to_numpy() != r["team_id"].to_numpy())
              & (lt["last_day"].to_numpy() < r["as_of"].to_numpy())]
    names = _names(known)
    return [PlayerAvailability(
        player_id=int(m.player_id), player=str(names.get(int(m.player_id), m.player_id)),
        team_id=int(m.team_id), status="traded",
        reason=f"traded (rosters as of {m.as_of:%Y-%m-%d})", treated_out=False,
        from_team_id=int(last.at[int(m.player_id), "team_id"]), since=m.as_of)
        for m in moved.itertuples()]


def resolve_availability(known: LeagueData, season: str, date: pd.Timestamp,
                         roster: RosterSection, config: AvailabilitySection,
                         injuries: list[PlayerAvailability] | None = None,
                         rosters: pd.DataFrame | None = None) -> Availability:
    """Moves from ``rosters``, the injuries file's entries, and the inferred outs of players
    the file does not mention (module docstring)."""
    moves = roster_moves(known, season, date, rosters, roster)
    given = list(injuries or [])
    named = {e.player_id for e in given}
    inferred = [e for e in inferred_out(known, season, date, roster, config,
                                        moved={m.player_id for m in moves})
                if e.player_id not in named] if config.infer_from_box_scores else []
    return Availability(tuple(moves + given + inferred))
