"""Per-player box-score state "strictly before a date", and the player features built from it.

One :class:`SeasonIndex` per season holds that season's regular-season player rows sorted by
(player, date) with running sums of a few counts. The state of any player at any date ``d``
is then "the running sums after his last game before ``d``": one ``searchsorted`` with
``side="left"`` on ``(player, day)`` keys, so a game on ``d`` or later cannot enter it — the
no-leakage guarantee is a property of the lookup, not of a filter someone must remember.
The same lookup answers team questions (games a team had played before ``d``) and the
newcomer baseline (the league as it stood before ``d``).

Counts tracked per player game (``COUNTS``): minutes, the nine production stats of
``STATS``, ``tsa`` = fga + 0.44 fta (true-shooting attempts), ``use`` = tsa + tov, and the
team context of the game he played: ``team_use`` (the team's tsa + tov) and ``team_min``
(the team's player minutes, at least 240 = 5 x 48 so rounding in the logs can never make a
player's share of a game exceed regulation).

Shrinkage is done on counts, never on finished ratios: a prior enters as ``k`` pseudo-games
of the prior's per-game counts. Per-game features are then exactly
``(n * current + k * prior) / (n + k)``, and ratio features (per-36, TS%, usage) are ratios
of blended counts. Because every prior has strictly positive per-game minutes and attempts
(the newcomer baseline is floored at ``_POSITIVE_FLOOR``), no denominator can be zero and no
rate needs a special case for a player with no minutes or no attempts: he gets the prior's
rate, exactly (see ``roster.py`` for the feature list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.config import RosterSection
from truestrength.base.errors import DataError
from truestrength.base.seasons import previous_season, to_days
from truestrength.features.player_rapm import RAPM_FEATURES

STATS = ("pts", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf", "pm")
COUNTS = ("min", *STATS, "tsa", "use", "team_use", "team_min")
C = {name: i for i, name in enumerate(COUNTS)}
N_COUNTS = len(COUNTS)

REGULATION_TEAM_MINUTES = 240.0
# Denominator counts of the newcomer baseline are floored here (per game). Real leagues never
# come near it (a low-end rotation player plays ~15 minutes with ~5 attempts); it exists so a
# toy league whose rotation players never shoot still has defined rates.
_POSITIVE_FLOOR = 1e-3
_DENOMINATORS = ("min", "tsa", "use", "team_use", "team_min")
# Per-season kinds whose box scores describe the regular-season team. Playoff and play-in logs
# (should a store ever hold them) would otherwise leak into the next season's prior unevenly.
_REGULAR_KINDS = ("regular", "cup_final")

_SPAN = np.int64(1 << 20)  # > any day number since 1970 we will meet; keys = group * _SPAN + day


def regular_player_logs(player_logs: pd.DataFrame, games: pd.DataFrame) -> pd.DataFrame:
    """Player rows of regular-season games (cup final included), with the count columns."""
    kinds = games.loc[games["kind"].isin(_REGULAR_KINDS), ["game_id"]]
    logs = player_logs.merge(kinds, on="game_id", how="inner")
    return logs


@dataclass(frozen=True)
class PlayerState:
    """Running sums of one (player, season) just before a date, for M query rows."""

    n: np.ndarray  # int64 [M]: games played before the date
    season: np.ndarray  # float64 [M, N_COUNTS]: sums over those games
    n_recent: np.ndarray  # int64 [M]: min(n, recent_games)
    recent: np.ndarray  # float64 [M, N_COUNTS]: sums over the last n_recent games
    team: np.ndarray  # int64 [M]: team of the last game before the date (-1 if n == 0)
    last_team_game: np.ndarray  # int64 [M]: that game's 1-based index in the team's season

    @property
    def recent_minutes(self) -> np.ndarray:
        """Mean minutes over the last ``recent_games`` games (0 when none)."""
        return self.recent[:, C["min"]] / np.maximum(self.n_recent, 1)

    @property
    def season_minutes(self) -> np.ndarray:
        """Mean minutes over the games he played in the season so far (0 when none)."""
        return self.season[:, C["min"]] / np.maximum(self.n, 1)


class SeasonIndex:
    """Sorted arrays and running sums of one season's player rows (see the module docstring)."""

    def __init__(self, season: str, logs: pd.DataFrame) -> None:
        if logs.empty:
            raise DataError(f"no player rows for season {season}")
        self.season = season
        logs = logs.reset_index(drop=True)
        pid = logs["player_id"].to_numpy(np.int64)
        tid = logs["team_id"].to_numpy(np.int64)
        day = to_days(logs["game_date"])
        counts = _row_counts(logs)

        # Team games: index each team's games 1..G in date order; a player row carries the
        # index of its team game so "the team's last R games" is a range of indices.
        tg = pd.DataFrame({"team_id": tid, "game_id": logs["game_id"].to_numpy(), "day": day,
                           "min": counts[:, C["team_min"]]})
        tg = tg.drop_duplicates(["team_id", "game_id"]).sort_values(
            ["team_id", "day", "game_id"], kind="stable").reset_index(drop=True)
        tg["tgi"] = tg.groupby("team_id").cumcount().to_numpy(np.int64) + 1
        self.teams, t_first = np.unique(tg["team_id"].to_numpy(np.int64), return_index=True)
        self.t_starts = np.append(t_first, len(tg)).astype(np.int64)
        t_code = np.searchsorted(self.teams, tg["team_id"].to_numpy(np.int64))
        self.t_keys = t_code * _SPAN + tg["day"].to_numpy(np.int64)
        self.t_cum_min = np.concatenate([[0.0], np.cumsum(tg["min"].to_numpy(np.float64))])
        tgi = pd.DataFrame({"team_id": tid, "game_id": logs["game_id"].to_numpy()}).merge(
            tg[["team_id", "game_id", "tgi"]], on=["team_id", "game_id"], how="left",
            validate="many_to_one")["tgi"].to_numpy(np.int64)

        order = np.lexsort((day, pid))
        pid_s = pid[order]
        self.players, p_first = np.unique(pid_s, return_index=True)
        self.p_starts = np.append(p_first, len(pid_s)).astype(np.int64)
        p_code = np.searchsorted(self.players, pid_s)
        self.day = day[order]
        self.keys = p_code * _SPAN + self.day
        self.team = tid[order]
        self.tgi = tgi[order]
        self.cum = np.vstack([np.zeros((1, N_COUNTS)), np.cumsum(counts[order], axis=0)])
        self.first_day = self.day[p_first]
        self.sorted_days = np.sort(day)

        # (player, team) groups ordered by team-game index, for team-centred windows.
        pt_code = np.searchsorted(self.players, pid) * len(self.teams) + np.searchsorted(
            self.teams, tid)
        order2 = np.lexsort((tgi, pt_code))
        self.pt_keys = pt_code[order2] * _SPAN + tgi[order2]
        self.pt_cum_min = np.concatenate(
            [[0.0], np.cumsum(counts[order2, C["min"]])])
        self._baselines: dict[tuple, np.ndarray] = {}

    # -- lookups ---------------------------------------------------------------------------
    def _player_code(self, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        code = np.searchsorted(self.players, pids)
        code = np.minimum(code, len(self.players) - 1)
        return code, self.players[code] == pids

    def rows_before(self, days: np.ndarray) -> np.ndarray:
        """How many rows of the season lie strictly before each day: a league-state id."""
        return np.searchsorted(self.sorted_days, days, side="left")

    def first_day_of(self, pids: np.ndarray) -> np.ndarray:
        """Day of each player's first game of the season (int64 max if he has none)."""
        code, known = self._player_code(pids)
        return np.where(known, self.first_day[code], np.iinfo(np.int64).max)

    def player_state(self, pids: np.ndarray, days: np.ndarray, recent_games: int) -> PlayerState:
        code, known = self._player_code(pids)
        a = self.p_starts[code]
        b = np.searchsorted(self.keys, code * _SPAN + days, side="left")
        n = np.where(known, b - a, 0)
        b = a + n
        r = a + np.maximum(n - recent_games, 0)
        last = np.maximum(b - 1, 0)
        played = n > 0
        return PlayerState(
            n=n,
            season=self.cum[b] - self.cum[a],
            n_recent=b - r,
            recent=self.cum[b] - self.cum[r],
            team=np.where(played, self.team[last], -1),
            last_team_game=np.where(played, self.tgi[last], 0),
        )

    def team_games(self, teams: np.ndarray, days: np.ndarray, window: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each (team, day): games played before the day (G), team minutes over all of
        them, and team minutes over the last ``window`` of them."""
        code = np.minimum(np.searchsorted(self.teams, teams), len(self.teams) - 1)
        known = self.teams[code] == teams
        start = self.t_starts[code]
        g = np.where(known, np.searchsorted(self.t_keys, code * _SPAN + days, "left") - start, 0)
        lo = np.maximum(g - window, 0)
        total = self.t_cum_min[start + g] - self.t_cum_min[start]
        recent = self.t_cum_min[start + g] - self.t_cum_min[start + lo]
        return g, total, recent

    def player_team_window(self, pids: np.ndarray, teams: np.ndarray, lo: np.ndarray,
                           hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Games and minutes of each player for the team in team games lo+1..hi."""
        p_code, _ = self._player_code(pids)
        t_code = np.minimum(np.searchsorted(self.teams, teams), len(self.teams) - 1)
        base = (p_code * len(self.teams) + t_code) * _SPAN
        i_lo = np.searchsorted(self.pt_keys, base + lo, side="right")
        i_hi = np.searchsorted(self.pt_keys, base + hi, side="right")
        return i_hi - i_lo, self.pt_cum_min[i_hi] - self.pt_cum_min[i_lo]

    # -- newcomer baseline -----------------------------------------------------------------
    def baseline(self, days: np.ndarray, config: RosterSection) -> np.ndarray:
        """Per-game counts [M, N_COUNTS] of a low-end rotation player of this season, as the
        league stood before each day.

        Each count is its ``newcomer_quantile`` among rotation players (at least
        ``rotation_min_minutes`` per game and ``min(rotation_min_games, most games anyone
        has played // 2)`` games, so the rule still means something in the first weeks of a
        season; everyone who has played if nobody qualifies). Denominator counts are floored
        at ``_POSITIVE_FLOOR`` so rates derived from the baseline always exist.
        """
        states = self.rows_before(days)
        uniq, inverse = np.unique(states, return_inverse=True)
        out = np.empty((len(uniq), N_COUNTS))
        for i, u in enumerate(uniq):  # one pass per distinct league state (1 for a past season)
            key = (int(u), config.rotation_min_minutes, config.rotation_min_games,
                   config.newcomer_quantile)
            if key not in self._baselines:
                self._baselines[key] = self._baseline_at(int(u), config)
            out[i] = self._baselines[key]
        return out[inverse]

    def _baseline_at(self, rows: int, config: RosterSection) -> np.ndarray:
        if rows == 0:
            raise DataError(f"{self.season}: no games before the date, no baseline exists")
        # The state after `rows` rows is the state strictly before the day after the last one.
        day = self.sorted_days[rows - 1] + 1
        st = self.player_state(self.players, np.full(len(self.players), day), 1)
        played = st.n > 0
        n = st.n[played]
        per_game = st.season[played] / n[:, None]
        min_games = min(config.rotation_min_games, max(1, int(n.max()) // 2))
        rotation = (per_game[:, C["min"]] >= config.rotation_min_minutes) & (n >= min_games)
        if not rotation.any():
            rotation = np.ones(len(n), dtype=bool)
        base = np.quantile(per_game[rotation], config.newcomer_quantile, axis=0)
        for name in _DENOMINATORS:
            base[C[name]] = max(base[C[name]], _POSITIVE_FLOOR)
        return base


def _row_counts(logs: pd.DataFrame) -> np.ndarray:
    """The COUNTS of every player row, float64 [n, N_COUNTS]."""
    f = {c: logs[c].to_numpy(np.float64) for c in
         ("minutes", "pts", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf", "plus_minus",
          "fga", "fta")}
    tsa = f["fga"] + 0.44 * f["fta"]
    use = tsa + f["tov"]
    keys = [logs["game_id"].to_numpy(), logs["team_id"].to_numpy(np.int64)]
    frame = pd.DataFrame({"g": keys[0], "t": keys[1], "min": f["minutes"], "use": use})
    grouped = frame.groupby(["g", "t"], sort=False)
    team_min = np.maximum(grouped["min"].transform("sum").to_numpy(np.float64),
                          REGULATION_TEAM_MINUTES)
    team_use = grouped["use"].transform("sum").to_numpy(np.float64)
    cols = {"min": f["minutes"], "pm": f["plus_minus"], "tsa": tsa, "use": use,
            "team_use": team_use, "team_min": team_min}
    for s in STATS:
        if s not in cols:
            cols[s] = f[s]
    return np.column_stack([cols[c] for c in COUNTS])


# -- features ----------------------------------------------------------------------------------
RATE_BLOCK = (
    "min_pg",
    *(f"{s}_pg" for s in STATS),
    *(f"{s}_p36" for s in STATS),
    "ts",
    "usg",
)


def rate_block(blended: np.ndarray, games: np.ndarray) -> dict[str, np.ndarray]:
    """The RATE_BLOCK features from blended count sums [M, N_COUNTS] over ``games`` games
    (real plus pseudo). Every denominator is strictly positive by construction."""
    out = {"min_pg": blended[:, C["min"]] / games}
    for s in STATS:
        out[f"{s}_pg"] = blended[:, C[s]] / games
    minutes = blended[:, C["min"]]
    for s in STATS:
        out[f"{s}_p36"] = 36.0 * blended[:, C[s]] / minutes
    out["ts"] = blended[:, C["pts"]] / (2.0 * blended[:, C["tsa"]])
    # USG% proxy: the player's use per minute over his teams' use per player-minute, times 1/5
    # (so a player using exactly his share of possessions while on court scores 0.2).
    out["usg"] = 0.2 * (blended[:, C["use"]] / minutes) / (
        blended[:, C["team_use"]] / blended[:, C["team_min"]])
    return out


@dataclass(frozen=True)
class Prior:
    per_game: np.ndarray  # float64 [M, N_COUNTS]
    games: np.ndarray  # int64 [M]: previous-season games behind it (0 = newcomer)


class LeagueState:
    """SeasonIndex per season, and the prior and feature computations that span seasons."""

    def __init__(self, logs: pd.DataFrame, config: RosterSection) -> None:
        self.config = config
        self.index: dict[str, SeasonIndex] = {
            s: SeasonIndex(s, g) for s, g in logs.groupby("season", sort=True)}

    def prior(self, season: str, pids: np.ndarray, days: np.ndarray) -> Prior:
        """Each player's prior for ``season`` as known before each day.

        With a previous season on record before the day: his previous-season per-game counts
        shrunk toward that season's newcomer baseline by his previous-season games (a player
        absent from it gets the baseline). Without one (the first season in the data), the
        baseline of the current season as it stood before the day.
        """
        k = self.config.prior_games
        prev = self.index.get(previous_season(season))
        has_prev = (prev.rows_before(days) > 0) if prev is not None else np.zeros(len(days), bool)
        per_game = np.empty((len(pids), N_COUNTS))
        games = np.zeros(len(pids), dtype=np.int64)
        if has_prev.any():
            i = np.flatnonzero(has_prev)
            st = prev.player_state(pids[i], days[i], 1)
            base = prev.baseline(days[i], self.config)
            per_game[i] = (st.season + k * base) / (st.n + k)[:, None]
            games[i] = st.n
        if (~has_prev).any():
            i = np.flatnonzero(~has_prev)
            per_game[i] = self.index[season].baseline(days[i], self.config)
        return Prior(per_game, games)

    def features(self, season: str, pids: np.ndarray, days: np.ndarray, teams: np.ndarray
                 ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Features (name -> float64 [M]) and recent minutes per game for players who have
        played in ``season`` before their day, ``teams`` being their latest team then."""
        cfg = self.config
        idx = self.index[season]
        st = idx.player_state(pids, days, cfg.recent_games)
        if (st.n < 1).any() or (st.team != teams).any():
            raise AssertionError("feature rows must be players whose latest team is the team")
        prior = self.prior(season, pids, days)
        k, kr = cfg.prior_games, cfg.recent_prior_games

        season_blend = st.season + k * prior.per_game
        season_games = st.n + k
        recent_blend = st.recent + kr * season_blend / season_games[:, None]
        out: dict[str, np.ndarray] = {}
        for name, v in rate_block(recent_blend, st.n_recent + kr).items():
            out[f"rec_{name}"] = v
        for name, v in rate_block(season_blend, season_games).items():
            out[f"sea_{name}"] = v

        g, team_min_total, team_min_recent = idx.team_games(teams, days, cfg.recent_games)
        window = np.minimum(g, cfg.recent_games)
        w_games, w_min = idx.player_team_window(pids, teams, g - window, g)
        out["rec_avail"] = w_games / window
        out["rec_min_share"] = w_min / (team_min_recent / 5.0)
        # A traded player's season can hold more games than his new team has played: cap at 1.
        out["sea_avail"] = np.minimum(st.n / g, 1.0)
        out["sea_min_share"] = np.minimum(st.season[:, C["min"]] / (team_min_total / 5.0), 1.0)
        out["rec_missed_log1p"] = np.log1p(g - st.last_team_game)
        out["sea_gp_log1p"] = np.log1p(st.n)

        for name, v in rate_block(prior.per_game, np.ones(len(pids))).items():
            out[f"prior_{name}"] = v
        out["prior_gp_log1p"] = np.log1p(prior.games)
        out["prior_newcomer"] = (prior.games == 0).astype(np.float64)
        return out, st.recent_minutes


FEATURE_NAMES: tuple[str, ...] = (
    *(f"rec_{n}" for n in RATE_BLOCK),
    *(f"sea_{n}" for n in RATE_BLOCK),
    "rec_avail", "rec_min_share", "sea_avail", "sea_min_share",
    "rec_missed_log1p", "sea_gp_log1p",
    *(f"prior_{n}" for n in RATE_BLOCK),
    "prior_gp_log1p", "prior_newcomer",
)  # fmt: skip


def feature_names(config: RosterSection) -> tuple[str, ...]:
    """The player features of a roster row under ``config``: :data:`FEATURE_NAMES`, then the
    RAPM pair (``features.player_rapm.RAPM_FEATURES``) when ``config.rapm_feature``."""
    return FEATURE_NAMES + (RAPM_FEATURES if config.rapm_feature else ())
