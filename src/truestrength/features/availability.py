"""The availability a prediction is made under: inferred from the box scores, from an injuries
file and from published rosters (``base.availability`` holds the types).

Inferred out. A player whose latest team in the season is T, who averaged at least
``rotation_min_minutes`` over his last ``roster.recent_games`` games (a rotation player), and
who has missed T's last ``missed_games_out`` games or more (m of them) is out, reason
"missed last m games". When he is back is learned from the history
(``features.absence_model``, setting ``learn_absence_lengths``): the hazard of coming back
is fitted on every spell in the store strictly before the prediction date, and his return
is the ``absence_quantile`` (median) j of the further games he misses given m missed; he
misses T's next j remaining games and is back for the one after (``return_date`` = its
date in ``remaining``, the remaining schedule ``predict`` simulates), reason "missed last m
games; typically back after j more (history)". When that point lies beyond T's games left,
or the history holds fewer than ``absence_min_spells`` spells, or no remaining schedule is
given, he has no return date (out for the rest of the season and the playoffs) and the
reason says which. Only games strictly before the prediction date are read.

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
from truestrength.features.absence_model import AbsenceModel
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
                 moved: set[int] | frozenset[int] = frozenset(), *,
                 absences: AbsenceModel | None = None,
                 remaining: pd.DataFrame | None = None) -> list[PlayerAvailability]:
    """Rotation players who missed their team's last k games (module docstring). Without
    ``absences`` (a fitted ``AbsenceModel``) none gets a return date; ``remaining``: the
    games still to play (``home_team_id, road_team_id, game_date``)."""
    date = pd.Timestamp(date).normalize()
    k = config.missed_games_out
    last = _last_games(known, season, date, roster.recent_games)
    hit = last[(last["missed"] >= k) & (last["recent_min"] >= config.rotation_min_minutes)
               & ~last["player_id"].isin(list(moved))]
    names = _names(known)
    out = []
    for r in hit.itertuples():
        reason, back = f"missed last {int(r.missed)} games", None
        if absences is not None:
            more, back = _expected_return(absences, int(r.missed), int(r.team_id), date,
                                          remaining)
            reason = f"{reason}; {more}"
        out.append(PlayerAvailability(
            player_id=int(r.player_id), player=str(names.get(int(r.player_id), r.player_id)),
            team_id=int(r.team_id), status="out", reason=reason, treated_out=True,
            return_date=back))
    return out


def _team_dates(remaining: pd.DataFrame, team_id: int, date: pd.Timestamp) -> pd.DatetimeIndex:
    missing = [c for c in ("home_team_id", "road_team_id", "game_date")
               if c not in remaining.columns]
    if missing:
        raise DataError(f"remaining schedule is missing column(s) {missing}")
    mine = remaining[(remaining["home_team_id"] == team_id)
                     | (remaining["road_team_id"] == team_id)]
    days = pd.DatetimeIndex(pd.to_datetime(mine["game_date"])).normalize()
    return days[days >= date].sort_values()


def _expected_return(absences: AbsenceModel, missed: int, team_id: int, date: pd.Timestamp,
                     remaining: pd.DataFrame | None) -> tuple[str, pd.Timestamp | None]:
    """The reason's second half and the return date of a player out after ``missed``."""
    if not absences.informative:
        return (f"too little history to date his return ({absences.n_spells_} spells < "
                f"{absences.config.absence_min_spells})"), None
    if remaining is None:
        return "no remaining schedule to date his return", None
    days = _team_dates(remaining, team_id, date)
    j = absences.quantile(missed, horizon=len(days))
    if j is None:
        return (f"typically not back within his team's {len(days)} games left "
                "(history)"), None
    when = "back next game" if j == 0 else f"back after {j} more"
    return f"typically {when} (history)", pd.Timestamp(days[j])


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
                         rosters: pd.DataFrame | None = None, *,
                         remaining: pd.DataFrame | None = None) -> Availability:
    """Moves from ``rosters``, the injuries file's entries, and the inferred outs of players
    the file does not mention (module docstring), dated from ``remaining`` (the games still
    to play: ``home_team_id, road_team_id, game_date``) when absence lengths are learned."""
    moves = roster_moves(known, season, date, rosters, roster)
    given = list(injuries or [])
    named = {e.player_id for e in given}
    inferred: list[PlayerAvailability] = []
    if config.infer_from_box_scores:
        absences = (AbsenceModel(config, roster.recent_games).fit(known, date)
                    if config.learn_absence_lengths else None)
        inferred = [e for e in inferred_out(known, season, date, roster, config,
                                            moved={m.player_id for m in moves},
                                            absences=absences, remaining=remaining)
                    if e.player_id not in named]
    return Availability(tuple(moves + given + inferred))
