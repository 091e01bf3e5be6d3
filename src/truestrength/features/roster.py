"""Roster snapshots for Model A: each team at each date as a padded set of player vectors.

Leakage rule: a snapshot at date ``d`` is computed from player games with ``game_date < d``
only. Every quantity below (a player's running sums, his latest team, his team's games, the
league baseline, the previous-season prior) is looked up as "the state after the last game
before ``d``" with a strict ``searchsorted`` (``player_stats.SeasonIndex``), so games on or
after ``d`` cannot enter a snapshot whatever the caller passes in. Only regular-season player
rows are used (the NBA Cup final included; playoffs and play-in excluded).

Dates (``dates="game_dates"``): every date with a standings game of the season, plus the day
after the season's last one (end-of-season state). A list of dates instead: with ``seasons``
given, every (season, date) pair; with ``seasons=None``, each date goes to the season of the
latest standings game before it (dates before any game are dropped).

Roster of team T at d: the players whose latest team in the season before d is T (a traded
player moves with his latest team the day after his first game for it), ordered by recent
minutes per game (mean over his last ``recent_games`` games; ties by player id), the first
``max_players`` kept, the rest of the P slots padding (``mask`` False, zeros everywhere).
If T has no such player (before its first game of the season) the roster falls back to the
previous season: the players whose latest team in it was T and who have not yet played in
this season, with their end-of-previous-season features; ``from_previous_season`` is True.
If neither exists (the first season of the data, before the team's first game) T simply has
no snapshot at d: ``keys`` lacks that row. No snapshot ever has zero players.

Player features (``feature_names``; all float32, raw — fit a ``FeatureScaler`` on training
seasons). ``STAT`` is each of pts, oreb, dreb, ast, stl, blk, tov, pf, pm (plus-minus).

Shrinkage. Counts are blended before any ratio is taken: the prior enters as pseudo-games of
its per-game counts (``player_stats`` module docstring), so

* ``sea_*`` (season to date, n games): blend = counts + k * prior per game, over n + k games
  with k = ``prior_games``; per-game features equal ``(n * current + k * prior) / (n + k)``.
* ``rec_*`` (his last ``recent_games`` games, r <= recent_games of them): counts + kr *
  the ``sea_*`` per-game counts, over r + kr games, kr = ``recent_prior_games`` (> 0), which
  keeps a one-game sample from swinging the recent block.
* ``prior_*``: the player's previous-season per-game counts shrunk toward the newcomer
  baseline by his previous-season games g: (sums + k * baseline) / (g + k); a player absent
  from the previous season (rookie, returnee) gets the baseline itself. The baseline is a
  low-end rotation player of the previous season (each count's ``newcomer_quantile``, 18th
  percentile by default, among players with >= ``rotation_min_minutes`` minutes per game and
  >= ``rotation_min_games`` games). With no previous season in the data, every player is a
  newcomer and the baseline is taken from the current season as it stood before d.

Zero attempts / zero minutes: ratios are taken on blended counts, and every prior has
strictly positive minutes and attempts, so a player with no attempts (or no minutes) in the
window gets exactly his prior's TS% (per-36 rate, usage) — never NaN, never a zero that means
"missing". E.g. 0 FGA, 0 FTA and 0 points all season: ``sea_ts`` = ``prior_ts``.

For each window W in (rec, sea) and for ``prior``, the rate block:

* ``W_min_pg``      minutes per game
* ``W_STAT_pg``     STAT per game
* ``W_STAT_p36``    36 * STAT / minutes
* ``W_ts``          true shooting: pts / (2 * (fga + 0.44 fta))
* ``W_usg``         usage proxy: 0.2 * [(fga + 0.44 fta + tov) / min] / [the same for his teams
  in the games he played, per player-minute]; 0.2 = an average share while on court

Team-centred availability (T = his latest team; the window is T's last ``recent_games``
games before d, resp. all of T's games before d):

* ``rec_avail``       games he played for T in that window / games in the window
* ``rec_min_share``   his minutes for T in the window / (T's minutes in the window / 5)
* ``sea_avail``       season games played / T's games played, capped at 1 (a traded player
  may have played more games than his new team)
* ``sea_min_share``   season minutes / (T's season minutes / 5), capped at 1
* ``rec_missed_log1p``  log1p(T's games since his last game) — 0 if he played the last one
* ``sea_gp_log1p``    log1p(games played this season): how much to trust the sea block

Prior reliability: ``prior_gp_log1p`` = log1p(previous-season games), ``prior_newcomer`` = 1.0
when he has no previous-season games.

Plus-minus evidence (only with ``roster.rapm_feature``; appended after the features above,
which are unchanged): ``rapm_value``, his coefficient in the RAPM ridge refit in force at d
(``features.player_rapm``: the refit on the Monday-anchored ``rapm.refit_days`` block start
<= d, from all games and player rows of ``data`` strictly before that refit date, regular
season and playoffs, every season), in points of margin per full game on the floor; and
``rapm_weight_log1p``, log1p of the decayed full games on the floor behind it. A player never
seen before the refit date gets 0 and 0. It depends on the player and the date only, so a
previous-season fallback row and a moved player carry the same values as anywhere else.

Availability (``build_snapshots(..., availability=...)``, the prediction path only): a
player out on a date (``Availability.out_on``) has no candidate row that date, so the next
players by recent minutes fill the set; a traded player's rows go to his new team on dates on
or after the roster date, with the features of his latest team (his minutes share and
availability there describe him; his new team has no games of his yet). Moves are resolved at
the prediction date (``features.availability``), which is the only date the prediction path
builds. With every player of a team out, the team falls back like a team before its first
game. Training never passes an availability: it learns from games as they were played.

Team minutes of a game are its players' minutes, at least 240. ``minutes`` (the array, not a
feature) is the raw mean minutes over the last ``recent_games`` games, the ordering key.

Playoff rotation (``build_snapshots(..., rotation=...)``, the postseason of the prediction
path only; ``features.playoff_rotation``): the ordering key is the player's season minutes
per game played instead of his recent ones, so a star rested or benched over the last games
keeps his place; a player whose team has played more than ``max_missed_games`` games since
his last one is left out (injured, not resting); and after the players out are dropped
``minutes`` is replaced by his playoff
minutes (season minutes ** power, 240 per team, none above the cap). The player features are
those of any snapshot at the date; only the roster's members and ``minutes`` change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.availability import Availability
from truestrength.base.config import RapmSection, RosterSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import from_days, previous_season, season_start_year, to_days
from truestrength.features.player_rapm import RapmValues
from truestrength.features.player_stats import (
    FEATURE_NAMES,
    LeagueState,
    SeasonIndex,
    feature_names,
    regular_player_logs,
)
from truestrength.features.playoff_rotation import (
    PlayoffRotation,
    absent_too_long,
    playoff_minutes,
)

__all__ = [
    "FEATURE_NAMES",
    "SCHEMA_VERSION",
    "RosterSnapshots",
    "build_snapshots",
    "check_finite",
    "resolve_seasons",
]

# Bump when a feature's definition or the array layout changes: it is part of the cache key.
# (2: the optional RAPM pair; with it off the arrays are those of 1.)
SCHEMA_VERSION = 2

KEY_COLUMNS = ("season", "date", "team_id", "conference", "n_players", "from_previous_season")


@dataclass(frozen=True)
class RosterSnapshots:
    keys: pd.DataFrame  # KEY_COLUMNS, one row per snapshot
    x: np.ndarray  # float32 [N, P, F]; zeros on padding
    player_ids: np.ndarray  # int64 [N, P]; 0 on padding
    minutes: np.ndarray  # float32 [N, P]; recent minutes per game, 0 on padding
    mask: np.ndarray  # bool [N, P]; True = a real player
    feature_names: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.keys)
        if self.x.ndim != 3 or self.x.shape[0] != n or self.x.shape[2] != len(self.feature_names):
            raise ValueError(f"x shape {self.x.shape} does not match {n} keys and "
                             f"{len(self.feature_names)} features")
        p = self.x.shape[1]
        for name in ("player_ids", "minutes", "mask"):
            if getattr(self, name).shape != (n, p):
                raise ValueError(f"{name} shape {getattr(self, name).shape} != {(n, p)}")
        if self.mask.dtype != np.bool_ or self.x.dtype != np.float32:
            raise ValueError("mask must be bool and x float32")
        if list(self.keys.columns) != list(KEY_COLUMNS):
            raise ValueError(f"keys columns {list(self.keys.columns)} != {list(KEY_COLUMNS)}")

    def __len__(self) -> int:
        return len(self.keys)

    def select(self, rows: np.ndarray) -> RosterSnapshots:
        """The snapshots at ``rows`` (integer positions or a boolean mask over snapshots)."""
        rows = np.asarray(rows)
        if rows.dtype == np.bool_:
            rows = np.flatnonzero(rows)
        return RosterSnapshots(
            keys=self.keys.iloc[rows].reset_index(drop=True),
            x=self.x[rows], player_ids=self.player_ids[rows], minutes=self.minutes[rows],
            mask=self.mask[rows], feature_names=self.feature_names,
        )


def resolve_seasons(data: LeagueData, seasons: list[str] | None) -> list[str]:
    """The seasons to build: as given (validated, in order), or every season with player rows."""
    if seasons is None:
        return data.seasons_with_players
    for s in seasons:
        season_start_year(s)
    return list(dict.fromkeys(seasons))


def snapshot_days(data: LeagueData, seasons: list[str] | None, resolved: list[str],
                 dates: str | list) -> dict[str, np.ndarray]:
    """Days (see ``to_days``) to build per season: every standings-game date plus the day
    after the last one, or the given dates, each to the season it falls in."""
    g = data.standings_games()
    if isinstance(dates, str):
        if dates != "game_dates":
            raise ValueError(f"dates must be 'game_dates' or a list of dates, got {dates!r}")
        out = {}
        for s in resolved:
            days = np.unique(to_days(g.loc[g["season"] == s, "game_date"]))
            if len(days):
                out[s] = np.append(days, days[-1] + 1)
        return out
    days = np.unique(to_days(list(dates))) if len(dates) else np.zeros(0, np.int64)
    if seasons is not None:
        return {s: days for s in resolved if len(days)}
    # Each date to the season of the latest standings game strictly before it.
    gd = g[["season", "game_date"]].assign(day=to_days(g["game_date"])).sort_values("day")
    pos = np.searchsorted(gd["day"].to_numpy(), days, side="left") - 1
    season_of = np.where(pos >= 0, gd["season"].to_numpy()[np.maximum(pos, 0)], None)
    return {s: days[season_of == s] for s in resolved if (season_of == s).any()}


def build_snapshots(
    data: LeagueData,
    seasons: list[str] | None = None,
    config: RosterSection = RosterSection(),
    dates: str | list = "game_dates",
    *,
    availability: Availability | list[Availability] | None = None,
    rapm: RapmSection = RapmSection(),
    rotation: PlayoffRotation | None = None,
) -> RosterSnapshots:
    """Snapshots of every team of each season at each date (see the module docstring).

    ``availability`` (prediction only, never training): players out on a date have no row
    that date, so the next players by minutes fill the set; a traded player's rows go to
    his new team from the roster date on (see "Availability" in the module docstring).
    Several availabilities (one date only): the date's snapshots under each in turn, the
    rows of the first availability's teams first (a prediction's availability phases, built
    at once).
    ``rapm``: the ridge settings of the RAPM features, read only with
    ``config.rapm_feature``. ``rotation`` (the postseason of a prediction, never training):
    the playoff rotation instead of the recent one ("Playoff rotation" in the module
    docstring)."""
    resolved = resolve_seasons(data, seasons)
    by_season = snapshot_days(data, seasons, resolved, dates)
    phases = list(availability) if isinstance(availability, list) else [availability]
    if len(phases) > 1 and any(len(d) > 1 for d in by_season.values()):
        raise ValueError("build_snapshots: several availabilities are built at one date only")
    # The previous-season fallback roster needs its own prior: two seasons back.
    needed = set(by_season) | {previous_season(s) for s in by_season} | {
        previous_season(previous_season(s)) for s in by_season}
    pl, games = data.player_logs, data.games

    def league_state() -> LeagueState:
        logs = regular_player_logs(pl[pl["season"].isin(needed)],
                                   games[games["season"].isin(needed)])
        return LeagueState(logs, config)

    # One state per view, seasons and settings: a prediction builds one snapshot per
    # availability phase of the same view, and the state does not depend on availability.
    state = data.derived(("roster.LeagueState", tuple(sorted(needed)),
                          config.model_dump_json()), league_state)
    # Every season of ``data`` before each refit date feeds the ridge, not only ``needed``.
    values = RapmValues(data, rapm) if config.rapm_feature else None
    team_seasons = data.team_seasons
    parts = []
    for season in resolved:
        if season not in by_season:
            continue
        teams = team_seasons.loc[team_seasons["season"] == season, ["team_id", "conference"]]
        days = np.repeat(by_season[season], len(phases))
        parts.append(_build_season(state, season, days, teams,
                                   phases * len(by_season[season]), values, rotation=rotation))
    out = _concat(parts, config.max_players, feature_names(config))
    if rotation is not None:
        out = RosterSnapshots(
            out.keys, out.x, out.player_ids,
            playoff_minutes(out.minutes, out.mask, rotation.power, rotation.cap
                            ).astype(np.float32),
            out.mask, out.feature_names)
    check_finite(out, "built")
    return out


@dataclass(frozen=True)
class _Rows:
    """Candidate roster rows: one per (date, team, player)."""

    date_i: np.ndarray
    team: np.ndarray  # the team whose snapshot the row is in
    pid: np.ndarray
    minutes: np.ndarray
    # The team his features are computed for: his latest team, which differs from ``team``
    # only for a player an availability moves (his availability there carries over).
    feat_team: np.ndarray

    def take(self, i: np.ndarray) -> _Rows:
        return _Rows(self.date_i[i], self.team[i], self.pid[i], self.minutes[i],
                     self.feat_team[i])


def _current_rows(idx: SeasonIndex, days: np.ndarray, recent_games: int,
                  rotation: PlayoffRotation | None = None) -> _Rows:
    """Every player who has played in the season before each date, with his latest team;
    ``minutes``: recent minutes per game, or with a playoff ``rotation`` the season's, and
    then without the players absent longer than its ``max_missed_games``."""
    order = np.argsort(idx.first_day, kind="stable")
    first, players = idx.first_day[order], idx.players[order]
    m = np.searchsorted(first, days, side="left")  # players whose first game is before d
    date_i = np.repeat(np.arange(len(days)), m)
    pos = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)
    pid = players[pos]
    st = idx.player_state(pid, days[date_i], recent_games)
    if rotation is None:
        return _Rows(date_i, st.team, pid, st.recent_minutes, st.team)
    keep = np.ones(len(pid), bool)
    if rotation.max_missed_games is not None:  # else no team-game counts are needed
        g, _, _ = idx.team_games(st.team, days[date_i], 1)
        keep = ~absent_too_long(g - st.last_team_game, rotation)
    return _Rows(date_i[keep], st.team[keep], pid[keep], st.season_minutes[keep],
                 st.team[keep])


def _fallback_rows(prev: SeasonIndex, idx: SeasonIndex | None, days: np.ndarray,
                   missing: np.ndarray, team_ids: np.ndarray, recent_games: int,
                   by_season_minutes: bool = False) -> _Rows:
    """Previous-season rosters for the (date, team) pairs in ``missing`` (date_i * T + t);
    ``by_season_minutes``: ordered by season minutes (a playoff rotation, whose long-absence
    rule does not apply: a previous season's players have no absence in this one)."""
    n_teams = len(team_ids)
    miss_dates = np.unique(missing // n_teams)
    date_i = np.repeat(miss_dates, len(prev.players))
    pid = np.tile(prev.players, len(miss_dates))
    st = prev.player_state(pid, days[date_i], recent_games)
    t_code = np.searchsorted(team_ids, st.team)
    t_code_c = np.minimum(t_code, n_teams - 1)
    keep = (st.n > 0) & (team_ids[t_code_c] == st.team)
    keep &= np.isin(date_i * n_teams + t_code_c, missing)
    if idx is not None:  # he already plays this season (maybe elsewhere): not a fallback
        keep &= idx.first_day_of(pid) >= days[date_i]
    minutes = st.season_minutes if by_season_minutes else st.recent_minutes
    return _Rows(date_i[keep], st.team[keep], pid[keep], minutes[keep], st.team[keep])


def _top(rows: _Rows, max_players: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows kept and their slots: each (date, team) by recent minutes
    (desc), then player id (so ties are deterministic), the first ``max_players``."""
    order = np.lexsort((rows.pid, -rows.minutes, rows.team, rows.date_i))
    d, t = rows.date_i[order], rows.team[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (d[1:] != d[:-1]) | (t[1:] != t[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - group_start
    keep = rank < max_players
    return order[keep], rank[keep]


def _apply_availability(rows: _Rows, days: np.ndarray,
                        availability: list[Availability | None], team_ids: np.ndarray) -> _Rows:
    """Drop the rows of players out on their date; move traded players' rows to their new
    team on dates on or after the roster date (features stay those of his latest team).
    ``availability``: the one of each of ``days``."""
    if len(rows.pid) == 0 or all(a is None for a in availability):
        return rows
    keep = np.ones(len(rows.pid), dtype=bool)
    for i in np.unique(rows.date_i):
        out = availability[i].out_on(from_days(days[i:i + 1])[0]) \
            if availability[i] is not None else None
        if out:
            at = rows.date_i == i
            keep[at] &= ~np.isin(rows.pid[at], np.fromiter(out, np.int64))
    rows = rows.take(np.flatnonzero(keep))
    team = rows.team.copy()
    for i in np.unique(rows.date_i):
        if availability[i] is None:
            continue
        for pid, (new_team, since) in availability[i].moves.items():
            if new_team not in team_ids:
                raise DataError(f"player {pid} is moved to team {new_team}, which is not a "
                                "team of the season")
            at = (rows.date_i == i) & (rows.pid == pid) & (days[i] >= to_days([since])[0])
            team[at] = new_team
    return _Rows(rows.date_i, team, rows.pid, rows.minutes, rows.feat_team)


def _build_season(state: LeagueState, season: str, days: np.ndarray,
                  teams: pd.DataFrame, availability: list[Availability | None],
                  rapm_values: RapmValues | None = None, *,
                  rotation: PlayoffRotation | None = None
                  ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One season's snapshots as (keys, x, player_ids, minutes, mask); ``availability``:
    the one of each of ``days`` (which may repeat a day)."""
    cfg = state.config
    team_ids = np.sort(teams["team_id"].to_numpy(np.int64))
    conference = teams.set_index("team_id")["conference"]
    n_teams = len(team_ids)
    idx = state.index.get(season)
    prev_season = previous_season(season)
    prev = state.index.get(prev_season)

    empty = _Rows(*(np.zeros(0, np.int64) for _ in range(3)), np.zeros(0),
                  np.zeros(0, np.int64))
    cur = (_current_rows(idx, days, cfg.recent_games, rotation) if idx is not None
           else empty)
    cur = _apply_availability(cur, days, availability, team_ids)
    unknown = ~np.isin(cur.team, team_ids)
    if unknown.any():
        raise DataError(f"{season}: team {int(cur.team[unknown][0])} has player games but is "
                         "not in team_seasons for that season")
    covered = np.unique(cur.date_i * n_teams + np.searchsorted(team_ids, cur.team))
    missing = np.setdiff1d(np.arange(len(days) * n_teams), covered)
    fb = (_fallback_rows(prev, idx, days, missing, team_ids, cfg.recent_games,
                         rotation is not None)
          if prev is not None and len(missing) else empty)
    fb = _apply_availability(fb, days, availability, team_ids)

    source = np.concatenate([np.zeros(len(cur.pid), np.int8), np.ones(len(fb.pid), np.int8)])
    both = _Rows(*(np.concatenate([a, b]) for a, b in
                   zip((cur.date_i, cur.team, cur.pid, cur.minutes, cur.feat_team),
                       (fb.date_i, fb.team, fb.pid, fb.minutes, fb.feat_team), strict=True)))
    take, rank = _top(both, cfg.max_players)
    sel, sel_source = both.take(take), source[take]

    group = sel.date_i * n_teams + np.searchsorted(team_ids, sel.team)
    groups, snap = np.unique(group, return_inverse=True)
    n_snap = len(groups)
    names = feature_names(cfg)
    feats = np.empty((len(sel.pid), len(names)))
    for src, s in ((0, season), (1, prev_season)):
        i = np.flatnonzero(sel_source == src)
        if len(i) == 0:
            continue
        values, _ = state.features(s, sel.pid[i], days[sel.date_i[i]], sel.feat_team[i])
        feats[i, :len(FEATURE_NAMES)] = np.column_stack([values[n] for n in FEATURE_NAMES])
    if rapm_values is not None:
        extra = rapm_values.features(sel.pid, days[sel.date_i])
        feats[:, len(FEATURE_NAMES):] = np.column_stack([extra[n] for n in
                                                         names[len(FEATURE_NAMES):]])

    p = cfg.max_players
    x = np.zeros((n_snap, p, len(names)), np.float32)
    pids = np.zeros((n_snap, p), np.int64)
    minutes = np.zeros((n_snap, p), np.float32)
    mask = np.zeros((n_snap, p), bool)
    x[snap, rank] = feats
    pids[snap, rank] = sel.pid
    minutes[snap, rank] = sel.minutes
    mask[snap, rank] = True

    g_team = team_ids[groups % n_teams]
    from_prev = np.zeros(n_snap, bool)
    from_prev[snap[sel_source == 1]] = True
    keys = pd.DataFrame({
        "season": pd.Series([season] * n_snap, dtype="str"),
        "date": from_days(days[groups // n_teams]),
        "team_id": g_team.astype(np.int64),
        "conference": conference.reindex(g_team).to_numpy(),
        "n_players": mask.sum(axis=1).astype(np.int64),
        "from_previous_season": from_prev,
    })
    return keys, x, pids, minutes, mask


def _concat(parts: list, max_players: int,
            names: tuple[str, ...] = FEATURE_NAMES) -> RosterSnapshots:
    f = len(names)
    if not parts:
        return RosterSnapshots(
            keys=pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
                KEY_COLUMNS, ("str", "datetime64[us]", np.int64, "str", np.int64, bool),
                strict=True)}),
            x=np.zeros((0, max_players, f), np.float32),
            player_ids=np.zeros((0, max_players), np.int64),
            minutes=np.zeros((0, max_players), np.float32),
            mask=np.zeros((0, max_players), bool), feature_names=names)
    keys = pd.concat([p[0] for p in parts], ignore_index=True)
    return RosterSnapshots(
        keys=keys,
        x=np.concatenate([p[1] for p in parts]),
        player_ids=np.concatenate([p[2] for p in parts]),
        minutes=np.concatenate([p[3] for p in parts]),
        mask=np.concatenate([p[4] for p in parts]),
        feature_names=names,
    )


def check_finite(snapshots: RosterSnapshots, stage: str) -> None:
    """Raise ValueError naming the first non-finite value's player, team, date and feature
    (``x`` anywhere, ``minutes`` >= 0). Nothing is ever replaced: a NaN here is a bug."""
    bad = ~np.isfinite(snapshots.x)
    if bad.any():
        n, p, f = (int(v[0]) for v in np.nonzero(bad))
        k = snapshots.keys.iloc[n]
        raise ValueError(
            f"non-finite {stage} feature {snapshots.feature_names[f]!r} = {snapshots.x[n, p, f]} "
            f"for player {int(snapshots.player_ids[n, p])}, team {int(k['team_id'])}, "
            f"date {pd.Timestamp(k['date']).date()} (season {k['season']})")
    bad_m = ~np.isfinite(snapshots.minutes) | (snapshots.minutes < 0)
    if bad_m.any():
        n, p = (int(v[0]) for v in np.nonzero(bad_m))
        k = snapshots.keys.iloc[n]
        raise ValueError(
            f"{stage} minutes {snapshots.minutes[n, p]} for player "
            f"{int(snapshots.player_ids[n, p])}, team {int(k['team_id'])}, "
            f"date {pd.Timestamp(k['date']).date()}: must be finite and >= 0")
