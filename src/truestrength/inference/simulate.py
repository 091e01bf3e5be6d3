"""Playoff odds by Monte Carlo: the rest of the regular season, the play-in and the playoffs.

Model
-----
Team strengths are frozen at the as-of date, so each remaining game's P(home wins) is asked
of the win model once, and each possible playoff pairing's series probability is computed
once, before any simulation runs. Every simulation then only draws uniforms and compares:
everything is a numpy array of shape ``[n_sims, ...]``, with no Python loop over simulations.

1. **Regular season.** Each remaining standings game is a Bernoulli with the model's
   P(home wins). Games are independent given the strengths (no momentum, no injuries).
2. **Standings.** Per conference by win% (final wins over final games; with a complete
   schedule every team plays the same number of games, so this is ranking by wins). Ties in
   win% are broken by the point differential per game *at the as-of date*, then by team id —
   the rule of :func:`truestrength.base.targets.standings`, so at the end of the regular
   season the simulated seeds are exactly the real standings. Game margins are not
   simulated, so mid-season the current margin stands in for the final one; it is a proxy
   correlated with strength, which a coin flip would not be. The NBA's own tie-breakers
   (head-to-head, division) are not reproduced.
3. **Play-in**, by the season's format (:class:`~truestrength.base.seasons.PostseasonFormat`,
   ``SeasonState.postseason``):

   * ``7-10`` (2020-21 on): 7 hosts 8, the winner is seed 7; 9 hosts 10; the 7/8 loser hosts
     the 9/10 winner for seed 8.
   * ``8-9`` (2019-20): held in a conference only if, in that simulation, seed 9 finished at
     most 4 games behind seed 8; then 8 needs one win in two games and 9 needs two (8 is the
     designated home team of both; the bubble's games were on a neutral floor).
   * ``none`` (up to 2018-19): seeds 1-8 go straight to the playoffs.

   Which format: a league whose teams are all NBA franchises (``data/teams.py`` ids) plays
   the NBA's format of that season (:func:`~truestrength.base.seasons.postseason_format`);
   any other league -- the synthetic one, whose teams are ids 1-30 and whose generator plays a
   7-10 play-in whatever its season labels -- plays the current 7-10 format.
4. **Playoffs**: four best-of-seven rounds (1v8, 4v5, 3v6, 2v7; then 1/8 v 4/5 and 3/6 v 2/7;
   conference finals; finals between the champions), home court to the better regular-season
   record (same ordering as the standings, across conferences for the finals), 2-2-1-1-1.
   A series is one Bernoulli with its closed-form probability, :func:`series_win_prob`.

Postseason games are at a home court, except in a format with ``neutral_site`` (the 2019-20
bubble), where every play-in and playoff game is asked of the win model as neutral.
Postseason games already played before ``as_of`` are not conditioned on: from the end of the
regular season on, the whole play-in and playoffs are simulated afresh.

**Strength uncertainty in the postseason** (``postseason_sd`` = sigma > 0): each simulated
postseason first draws one shock per team, e ~ N(0, sigma^2) in logits, and every play-in and
playoff game of that simulation is played at logit(P(home wins)) + e_home - e_road. A win
model fitted game by game is calibrated one game at a time, but a series is seven games of
the same two teams: if the strengths are known only to within sigma, those games are
correlated, and series (and title) odds computed as if they were independent are too sure.
Sigma 0 gives the frozen-strength simulation exactly, draw for draw.

Determinism: the regular season, the postseason and the postseason's shocks draw from three
independent streams spawned from ``SimulationSection.seed``; the result depends only on
(state, win model, postseason_sd, seed, n_sims).
Monte Carlo standard error of a probability p is sqrt(p(1-p)/n_sims), at most 0.005 for
10,000 simulations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from truestrength.base.config import SimulationSection
from truestrength.base.errors import DataError
from truestrength.base.game_model import series_win_prob
from truestrength.base.league import LeagueData, back_to_backs
from truestrength.base.predictor import WinProb
from truestrength.base.seasons import PLAY_IN_7_10, PostseasonFormat, postseason_format
from truestrength.data.teams import nba_team_seasons

__all__ = [
    "CONFERENCES",
    "REACHED",
    "SeasonState",
    "SimOutcomes",
    "SimResult",
    "elo_win_prob_fn",
    "league_postseason_format",
    "logistic_win_prob",
    "play_in",
    "play_in_8_9",
    "series_win_prob",
    "simulate_outcomes",
    "simulate_season",
    "summarise_outcomes",
]

CONFERENCES: tuple[str, str] = ("E", "W")
# SimOutcomes.reached levels: how far a team got in one simulation.
REACHED = {"missed": 0, "first_round": 1, "second_round": 2, "conf_finals": 3, "finals": 4,
           "champion": 5}
# Franchise ids survive relocations and renames, so any recent season lists all 30.
_NBA_FRANCHISE_IDS = frozenset(t.team_id for t in nba_team_seasons("2023-24"))
# Simulations per block of the regular season: the uniforms of one block are
# _CHUNK x games float32 (~10 MB for a full season), so memory does not grow with n_sims.
# Blocks consume the stream in row order, so the draws do not depend on the block size.
_CHUNK = 2048
_SCHEDULE = ["home_team_id", "road_team_id", "neutral_site"]


# --------------------------------------------------------------------------------------------
# the state at the as-of date
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SeasonState:
    """What is known at the start of ``as_of``: standings games strictly before it (results)
    and the standings games on or after it (who plays whom, and where; no results).

    ``teams``, ``conference``, ``wins``, ``losses``, ``point_diff`` (total, for the
    tie-break) are aligned arrays, one entry per team. ``remaining`` has exactly the columns
    ``home_team_id, road_team_id, neutral_site, b2b`` (the back-to-back difference, home
    minus road, -1/0/+1; 0 where the frame given had none); it is empty after the regular
    season.
    ``postseason``: the play-in/playoff format; None (the default) means
    :func:`league_postseason_format` of the season and teams.
    """

    season: str
    as_of: pd.Timestamp
    teams: np.ndarray
    conference: np.ndarray
    wins: np.ndarray
    losses: np.ndarray
    point_diff: np.ndarray
    remaining: pd.DataFrame
    postseason: PostseasonFormat | None = None

    def __post_init__(self) -> None:
        # Cast once here so the simulator never has to second-guess dtypes.
        teams = np.asarray(self.teams, dtype=np.int64)
        n = teams.shape[0]
        if teams.ndim != 1 or np.unique(teams).size != n:
            raise ValueError("teams must be a 1-D array of distinct team ids")
        conf = np.asarray(self.conference).astype(str)
        arrays = {"wins": self.wins, "losses": self.losses, "point_diff": self.point_diff}
        cast = {k: np.asarray(v, dtype=np.int64) for k, v in arrays.items()}
        for name, arr in {"conference": conf, **cast}.items():
            if arr.shape != (n,):
                raise ValueError(f"{name} has shape {arr.shape}, expected ({n},) like teams")
        if (cast["wins"] < 0).any() or (cast["losses"] < 0).any():
            raise ValueError("wins and losses must be non-negative")
        bad = sorted(set(conf) - set(CONFERENCES))
        if bad:
            raise ValueError(f"conference must be one of {CONFERENCES}, got {bad}")
        fmt = (league_postseason_format(self.season, teams) if self.postseason is None
               else self.postseason)
        if not isinstance(fmt, PostseasonFormat):
            raise ValueError(f"postseason must be a PostseasonFormat, got {fmt!r}")
        for c in CONFERENCES:
            size = int((conf == c).sum())
            if size < fmt.min_conference:
                what = "the playoffs need" if fmt.play_in == "none" else "the play-in needs"
                raise ValueError(f"conference {c} has {size} teams; {what} at least "
                                 f"{fmt.min_conference} ({fmt.play_in} play-in format)")
        rem = self.remaining
        missing = [c for c in _SCHEDULE[:2] if c not in rem.columns]
        if missing:
            raise ValueError(f"remaining is missing column(s) {missing}")
        neutral = (rem["neutral_site"] if "neutral_site" in rem.columns
                   else pd.Series(False, index=rem.index))
        if neutral.isna().any():
            raise ValueError("remaining has missing neutral_site values")
        b2b = (rem["b2b"] if "b2b" in rem.columns else pd.Series(0, index=rem.index))
        if not b2b.isin([-1, 0, 1]).all():
            raise ValueError("remaining's b2b must be -1, 0 or +1 (home minus road)")
        rem = pd.DataFrame({
            "home_team_id": rem["home_team_id"].to_numpy(np.int64),
            "road_team_id": rem["road_team_id"].to_numpy(np.int64),
            "neutral_site": neutral.to_numpy(bool),
            "b2b": b2b.to_numpy(np.int64),
        })
        unknown = sorted((set(rem["home_team_id"]) | set(rem["road_team_id"])) - set(teams))
        if unknown:
            raise ValueError(f"remaining games involve teams not in the state: {unknown[:5]}")
        if (rem["home_team_id"] == rem["road_team_id"]).any():
            raise ValueError("a remaining game has the same team at home and on the road")
        object.__setattr__(self, "as_of", pd.Timestamp(self.as_of).normalize())
        object.__setattr__(self, "teams", teams)
        object.__setattr__(self, "conference", conf)
        for k, v in cast.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "remaining", rem)
        object.__setattr__(self, "postseason", fmt)

    @classmethod
    def from_league(
        cls,
        data: LeagueData,
        season: str,
        as_of: pd.Timestamp,
        schedule: pd.DataFrame | None = None,
    ) -> SeasonState:
        """The state of ``season`` at the start of ``as_of``.

        Results come from ``data.before(as_of)`` only. The remaining schedule comes from:

        * ``schedule is None``: the games frame of ``data`` itself, which must then be an
          uncut view (``data.cutoff is None``) so that it still holds the games on or after
          ``as_of``. Only their ``home_team_id, road_team_id, neutral_site`` columns are
          read — the results of those games are in ``data`` but never reach the state.
        * ``schedule`` given: the caller's view is cut (a predictor's ``known``, which holds
          no future games) or the schedule comes from elsewhere. Rows are the remaining games;
          if the frame has ``season``, ``counts_for_standings`` or ``game_date`` columns, it
          is filtered to this season, standings games, and dates on or after ``as_of``, so the
          whole season's games frame can be passed as is. Pass an empty frame (with
          ``home_team_id, road_team_id``) once the regular season is over.

        A cut view without ``schedule`` raises rather than returning "no games left", which
        would silently simulate a finished season. So does a view cut before ``as_of``: the
        games between its cutoff and ``as_of`` would be neither results nor schedule.
        """
        as_of = pd.Timestamp(as_of).normalize()
        if data.cutoff is not None and data.cutoff < as_of:
            raise ValueError(f"data is cut at {data.cutoff:%Y-%m-%d}, before as_of "
                             f"{as_of:%Y-%m-%d}: results in between are unknown")
        if schedule is None and data.cutoff is not None:
            raise ValueError(f"data is cut at {data.cutoff:%Y-%m-%d} and holds no schedule on "
                             "or after as_of; pass schedule= (an empty frame if the regular "
                             "season is over)")
        teams = np.asarray(data.teams_of_season(season), dtype=np.int64)
        if teams.size == 0:
            raise DataError(f"no teams are known for season {season}")
        conf = data.conference_of(season).reindex(teams)
        if conf.isna().any():
            raise DataError(f"{season}: teams without a conference: "
                             f"{conf[conf.isna()].index.tolist()[:5]}")

        g = data.before(as_of).standings_games(season)
        h = _positions(teams, g["home_team_id"].to_numpy(np.int64), "played games")
        r = _positions(teams, g["road_team_id"].to_numpy(np.int64), "played games")
        margin = (g["home_pts"] - g["road_pts"]).to_numpy(np.int64)
        home_won = (margin > 0).astype(np.int64)
        n = teams.size
        wins = np.bincount(h, home_won, n) + np.bincount(r, 1 - home_won, n)
        games = np.bincount(h, minlength=n) + np.bincount(r, minlength=n)
        point_diff = np.bincount(h, margin, n) - np.bincount(r, margin, n)

        if schedule is None:
            fut = data.standings_games(season)
            fut = fut[fut["game_date"] >= as_of]
        else:
            fut = schedule
            if "season" in fut.columns:
                fut = fut[fut["season"] == season]
            if "counts_for_standings" in fut.columns:
                fut = fut[fut["counts_for_standings"].astype(bool)]
            if "game_date" in fut.columns:
                fut = fut[pd.to_datetime(fut["game_date"]) >= as_of]
        cols = [c for c in _SCHEDULE if c in fut.columns]
        remaining = fut[cols].reset_index(drop=True)
        if "game_date" in fut.columns and len(fut):
            # Back-to-backs are in the schedule: a game the day after one played or scheduled.
            before = data.before(as_of).games
            home, road = back_to_backs(fut, before[before["season"] == season])
            remaining["b2b"] = home.astype(np.int64) - road.astype(np.int64)
        return cls(season=season, as_of=as_of, teams=teams, conference=conf.to_numpy(str),
                   wins=np.rint(wins).astype(np.int64),
                   losses=(games - np.rint(wins)).astype(np.int64),
                   point_diff=np.rint(point_diff).astype(np.int64),
                   remaining=remaining)

    def tie_break_order(self) -> np.ndarray:
        """Position of each team in the fixed tie-break (0 = wins ties): point differential
        per game at as_of (0 for a team with no game, like targets.standings), then team id."""
        games = self.wins + self.losses
        per_game = np.where(games > 0, self.point_diff / np.maximum(games, 1), 0.0)
        order = np.lexsort((self.teams, -per_game))
        pos = np.empty(len(order), dtype=np.int64)
        pos[order] = np.arange(len(order))
        return pos


def league_postseason_format(season: str, teams: np.ndarray) -> PostseasonFormat:
    """The format a league plays: the NBA's of ``season`` if every team is an NBA franchise,
    else the current 7-10 play-in (the synthetic league plays it in every season, whatever
    its labels, and its generator's data must stay consistent with its simulation)."""
    if set(np.asarray(teams, dtype=np.int64).tolist()) <= _NBA_FRANCHISE_IDS:
        return postseason_format(season)
    return PLAY_IN_7_10


# --------------------------------------------------------------------------------------------
# win models
# --------------------------------------------------------------------------------------------
def _positions(teams: np.ndarray, ids: np.ndarray, what: str) -> np.ndarray:
    """Index of each id in the sorted-or-not ``teams``; raises on an unknown id rather than
    silently mapping it to a neighbour."""
    order = np.argsort(teams, kind="stable")
    ids = np.asarray(ids, dtype=np.int64)
    at = np.searchsorted(teams[order], ids).clip(max=len(teams) - 1)
    found = order[at]
    bad = teams[found] != ids
    if bad.any():
        raise ValueError(f"{what}: unknown team id(s) {np.unique(ids[bad])[:5].tolist()}")
    return found


def logistic_win_prob(scores: pd.Series, home_advantage_logit: float, slope: float,
                      back_to_back: float = 0.0) -> WinProb:
    """A win model from strengths: P(home wins) = sigmoid(slope * (s_home - s_road) +
    home_advantage_logit * (not neutral) + back_to_back * b2b).

    The same form as :class:`truestrength.base.ratings.LogisticWinModel`, so a fitted
    model's ``home_advantage`` and ``slope`` plug straight in. ``expit`` saturates to exactly
    0 and 1 without overflow warnings, which lets tests build certain outcomes.
    """
    if scores.index.has_duplicates:
        raise ValueError("scores has a team twice")
    vals = scores.to_numpy(np.float64)
    if not np.isfinite(vals).all() or not (math.isfinite(home_advantage_logit)
                                           and math.isfinite(slope)):
        raise ValueError("scores, home_advantage_logit and slope must be finite")
    teams = scores.index.to_numpy(np.int64)

    def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray,
                 b2b: np.ndarray | None = None) -> np.ndarray:
        h = _positions(teams, home, "win_prob")
        r = _positions(teams, road, "win_prob")
        at_home = ~np.broadcast_to(np.asarray(neutral, dtype=bool), h.shape)
        rest = 0.0 if b2b is None else back_to_back * np.asarray(b2b, dtype=np.float64)
        return expit(slope * (vals[h] - vals[r]) + home_advantage_logit * at_home + rest)

    return win_prob


def elo_win_prob_fn(elo: pd.Series, home_advantage: float = 100.0) -> WinProb:
    """538's Elo win model, P = 1 / (1 + 10^(-(elo_h + hfa - elo_r) / 400)), hfa = 0 on a
    neutral court. 10^(x/400) = e^(x ln10/400), so it is :func:`logistic_win_prob` with
    slope ln10/400 and a home edge of hfa * ln10/400 logits."""
    c = math.log(10.0) / 400.0
    return logistic_win_prob(elo, home_advantage_logit=home_advantage * c, slope=c)


def _checked(p: np.ndarray, n: int, what: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape != (n,):
        raise ValueError(f"win_prob returned shape {p.shape} for {n} {what}")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError(f"win_prob returned values outside [0, 1] for {what}")
    return p


def _home_win_matrix(teams: np.ndarray, win_prob: WinProb, neutral: bool = False) -> np.ndarray:
    """[T, T]: P(i beats j at i's home court; on a neutral floor with i listed as home if
    ``neutral``). One vectorised call over all ordered pairs; the diagonal (a team against
    itself) is never asked of the model and set to 0.5."""
    n = teams.size
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    p = _checked(win_prob(teams[i], teams[j], np.full(i.size, neutral, dtype=bool)), i.size,
                 "playoff pairings")
    out = np.full((n, n), 0.5)
    out[i, j] = p
    return out


# --------------------------------------------------------------------------------------------
# series and play-in
# --------------------------------------------------------------------------------------------
def play_in(home_win: np.ndarray, seeds: np.ndarray, u: np.ndarray) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """One conference's play-in in every simulation.

    ``home_win[i, j]`` = P(i beats j at i's court); ``seeds`` [n, 4] are team indices of
    seeds 7, 8, 9, 10; ``u`` [3, n] uniforms. Returns (seed 7, seed 8) team indices: 7 hosts
    8 and the winner is seed 7; 9 hosts 10; the 7/8 loser (the higher seed) hosts the 9/10
    winner and the winner is seed 8.
    """
    s7, s8, s9, s10 = seeds.T
    w78 = np.where(u[0] < home_win[s7, s8], s7, s8)
    l78 = np.where(w78 == s7, s8, s7)
    w910 = np.where(u[1] < home_win[s9, s10], s9, s10)
    last = np.where(u[2] < home_win[l78, w910], l78, w910)
    return w78, last


def play_in_8_9(home_win: np.ndarray, s8: np.ndarray, s9: np.ndarray, held: np.ndarray,
                u: np.ndarray) -> np.ndarray:
    """The 2019-20 play-in in every simulation: seed 8 in each simulation.

    ``s8``, ``s9`` [n] team indices of seeds 8 and 9; ``held`` [n] whether the play-in is
    played (else seed 8 stays); ``u`` [2, n] uniforms. Seed 8 (designated home of both games)
    advances with a win in game 1 or game 2, so P(8 advances) = 1 - (1 - p)^2 with
    p = ``home_win[s8, s9]``.
    """
    p = home_win[s8, s9]
    eight_wins = (u[0] < p) | (u[1] < p)
    return np.where(held & ~eight_wins, s9, s8)


class _ShockedPairs:
    """``home_win`` and ``series_p`` of one batch of simulations whose teams' strengths are
    shocked by ``shock`` [n, T] (logits): indexed ``[i, j]`` with two [n] arrays of team
    indices (simulation k asks about i[k] and j[k]), like the [T, T] matrices they replace
    in :func:`play_in`, :func:`play_in_8_9` and :func:`_series`."""

    def __init__(self, home_win: np.ndarray, shock: np.ndarray, series: bool) -> None:
        p = np.clip(home_win, 1e-12, 1 - 1e-12)  # a certain game stays (all but) certain
        self.logit, self.shock, self.series = np.log(p / (1 - p)), shock, series
        self.rows = np.arange(shock.shape[0])

    def __getitem__(self, ij: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        i, j = ij
        d = self.shock[self.rows, i] - self.shock[self.rows, j]
        p_home = expit(self.logit[i, j] + d)
        if not self.series:
            return p_home
        return series_win_prob(p_home, 1.0 - expit(self.logit[j, i] - d))


def _series(series_p: np.ndarray, rank: np.ndarray, a: np.ndarray, b: np.ndarray,
            u: np.ndarray) -> np.ndarray:
    """Winner of a vs b in each simulation; home court to the lower ``rank`` (better record
    in that simulation's standings)."""
    rows = np.arange(a.size)
    a_home = rank[rows, a] < rank[rows, b]
    home = np.where(a_home, a, b)
    road = np.where(a_home, b, a)
    return np.where(u < series_p[home, road], home, road)


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SimOutcomes:
    """Per-simulation outcomes, for distributions the summary table does not show.

    ``wins`` [n_sims, T] final regular-season wins; ``seed`` [n_sims, T] conference seed
    1..15 from the regular season (before the play-in); ``reached`` [n_sims, T] how far the
    team got (:data:`REACHED`: 0 missed the playoffs — incl. play-in losers — 1 first round,
    2 second round, 3 conference finals, 4 finals, 5 champion); ``in_play_in`` [n_sims, T]
    whether the team played a play-in game (seeds 7-10 in the 7-10 format; seeds 8 and 9 when
    the 8-9 play-in is held; never without a play-in); ``postseason`` the format simulated.
    """

    teams: np.ndarray
    conference: np.ndarray
    wins: np.ndarray
    seed: np.ndarray
    reached: np.ndarray
    in_play_in: np.ndarray
    postseason: PostseasonFormat

    @property
    def n_sims(self) -> int:
        return int(self.wins.shape[0])


@dataclass(frozen=True)
class SimResult:
    """``table``: one row per team (in ``SeasonState.teams`` order): team_id, conference,
    mean_wins, p_playoffs (reached the first round), p_play_in (played a play-in game, see
    :class:`SimOutcomes`), p_second_round, p_conf_finals, p_finals, p_title, expected_seed
    (mean regular-season conference seed, before the play-in). ``seconds``: wall time of the
    simulation; ``postseason``: the format simulated."""

    table: pd.DataFrame
    n_sims: int
    seconds: float
    postseason: PostseasonFormat


def _regular_season(state: SeasonState, p: np.ndarray, n_sims: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Final wins [n_sims, T]. A game adds one win to home if it is won, else to road, so
    wins = current + road_games + won @ (home_incidence - road_incidence): one float32 matmul
    per block, exact because the sums are small integers."""
    n_teams = state.teams.size
    out = np.broadcast_to(state.wins, (n_sims, n_teams)).astype(np.int32)
    if p.size == 0:
        return out
    h = _positions(state.teams, state.remaining["home_team_id"].to_numpy(), "remaining")
    r = _positions(state.teams, state.remaining["road_team_id"].to_numpy(), "remaining")
    games = np.arange(p.size)
    incidence = np.zeros((p.size, n_teams), dtype=np.float32)
    incidence[games, h] += 1.0
    incidence[games, r] -= 1.0
    out += np.bincount(r, minlength=n_teams).astype(np.int32)
    # float32 uniforms in [0, 1): p = 1 always wins and p = 0 never does.
    p32 = p.astype(np.float32)
    for start in range(0, n_sims, _CHUNK):
        stop = min(start + _CHUNK, n_sims)
        won = (rng.random((stop - start, p.size), dtype=np.float32) < p32).astype(np.float32)
        out[start:stop] += np.rint(won @ incidence).astype(np.int32)
    return out


def simulate_outcomes(state: SeasonState, win_prob: WinProb,
                      config: SimulationSection | None = None, *,
                      remaining_p: np.ndarray | None = None,
                      postseason_win_prob: WinProb | None = None,
                      postseason_sd: float = 0.0) -> SimOutcomes:
    """Simulate the rest of ``state.season`` ``config.n_sims`` times; see the module docstring.

    ``win_prob(home_ids, road_ids, neutral)`` -> P(home wins) is called twice in total: once
    for all remaining games, once for every ordered pair of teams (the postseason).
    ``remaining_p`` (one P(home wins) per row of ``state.remaining``) replaces the first call
    and ``postseason_win_prob`` the second: strengths that change during the season (a
    player's return) without the simulator knowing why. ``postseason_sd``: the sd of each
    team's strength shock per simulated postseason, in logits (module docstring).
    """
    config = config or SimulationSection()
    if not (math.isfinite(postseason_sd) and postseason_sd >= 0):
        raise ValueError(f"postseason_sd must be finite and >= 0, got {postseason_sd}")
    n, teams = config.n_sims, state.teams
    n_teams = teams.size
    # spawn(3)'s first two children are spawn(2)'s: the shocks leave the other draws alone
    season_rng, post_rng, shock_rng = (np.random.default_rng(s)
                                       for s in np.random.SeedSequence(config.seed).spawn(3))

    rem = state.remaining
    if remaining_p is not None:
        p_games = _checked(remaining_p, len(rem), "remaining games")
    else:
        p_games = (_checked(win_prob(rem["home_team_id"].to_numpy(),
                                     rem["road_team_id"].to_numpy(),
                                     rem["neutral_site"].to_numpy(), rem["b2b"].to_numpy()),
                            len(rem), "remaining games")
                   if len(rem) else np.empty(0))
    fmt = state.postseason
    home_win = _home_win_matrix(teams, postseason_win_prob or win_prob, neutral=fmt.neutral_site)
    series_p = series_win_prob(home_win, 1.0 - home_win.T)  # [h, r]: h has home court
    if postseason_sd > 0:
        shock = shock_rng.normal(0.0, postseason_sd, (n, n_teams))
        home_win, series_p = (_ShockedPairs(home_win, shock, series=False),
                              _ShockedPairs(home_win, shock, series=True))

    wins = _regular_season(state, p_games, n, season_rng)
    n_games = (state.wins + state.losses + np.bincount(
        _positions(teams, np.concatenate([rem["home_team_id"], rem["road_team_id"]]),
                   "remaining"), minlength=n_teams))
    # targets.standings gives a team without games 0.5; equal fractions are equal floats
    # (IEEE division is correctly rounded), so ties in win% are detected exactly.
    win_pct = np.where(n_games > 0, wins / np.maximum(n_games, 1), 0.5)
    tie = np.broadcast_to(state.tie_break_order(), (n, n_teams))
    order = np.lexsort((tie, -win_pct), axis=-1)  # best record first, per simulation
    rank = np.empty((n, n_teams), dtype=np.int64)  # league-wide standing, 0 = best record
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(n_teams), (n, n_teams)), axis=1)

    seed = np.zeros((n, n_teams), dtype=np.int8)
    reached = np.zeros((n, n_teams), dtype=np.int8)
    in_play_in = np.zeros((n, n_teams), dtype=bool)
    rows = np.arange(n)
    # Per conference 3 play-in games + 7 series, then the finals. The layout is the same in
    # every format (the 8-9 play-in uses the first two slots), so a format only changes the
    # games it plays, not the draws of the series.
    u = post_rng.random((2 * 10 + 1, n))
    champions = []
    for k, c in enumerate(CONFERENCES):
        members = np.flatnonzero(state.conference == c)
        by_seed = members[np.argsort(rank[:, members], axis=1)]  # [n, n_c], seed 1 first
        seed[rows[:, None], by_seed] = np.arange(1, members.size + 1, dtype=np.int8)
        uc = u[10 * k:10 * (k + 1)]
        if fmt.play_in == "7-10":
            s7, s8 = play_in(home_win, by_seed[:, 6:10], uc[:3])
            in_play_in[rows[:, None], by_seed[:, 6:10]] = True
        elif fmt.play_in == "8-9":
            s7, e8, e9 = by_seed[:, 6], by_seed[:, 7], by_seed[:, 8]
            w, g = wins[rows, e8], n_games[e8]
            w9, g9 = wins[rows, e9], n_games[e9]
            behind = ((w - w9) + ((g9 - w9) - (g - w))) / 2.0
            held = behind <= fmt.max_games_behind
            s8 = play_in_8_9(home_win, e8, e9, held, uc[:2])
            in_play_in[rows[held], e8[held]] = True
            in_play_in[rows[held], e9[held]] = True
        else:
            s7, s8 = by_seed[:, 6], by_seed[:, 7]
        bracket = [by_seed[:, 0], s8, by_seed[:, 3], by_seed[:, 4],
                   by_seed[:, 2], by_seed[:, 5], by_seed[:, 1], s7]  # 1v8, 4v5, 3v6, 2v7
        for t in bracket:
            reached[rows, t] = REACHED["first_round"]
        level, game = REACHED["second_round"], 3
        while len(bracket) > 1:
            nxt = []
            for a, b in zip(bracket[::2], bracket[1::2], strict=True):
                w = _series(series_p, rank, a, b, uc[game])
                reached[rows, w] = level
                nxt.append(w)
                game += 1
            bracket, level = nxt, level + 1
        champions.append(bracket[0])
    title = _series(series_p, rank, champions[0], champions[1], u[20])
    reached[rows, title] = REACHED["champion"]
    return SimOutcomes(teams=teams, conference=state.conference, wins=wins, seed=seed,
                       reached=reached, in_play_in=in_play_in, postseason=fmt)


def summarise_outcomes(outcomes: SimOutcomes) -> pd.DataFrame:
    """The per-team table of :class:`SimResult` from per-simulation outcomes."""
    r, s = outcomes.reached, outcomes.seed
    return pd.DataFrame({
        "team_id": outcomes.teams,
        "conference": outcomes.conference,
        "mean_wins": outcomes.wins.mean(axis=0),
        "p_playoffs": (r >= REACHED["first_round"]).mean(axis=0),
        "p_play_in": outcomes.in_play_in.mean(axis=0),
        "p_second_round": (r >= REACHED["second_round"]).mean(axis=0),
        "p_conf_finals": (r >= REACHED["conf_finals"]).mean(axis=0),
        "p_finals": (r >= REACHED["finals"]).mean(axis=0),
        "p_title": (r >= REACHED["champion"]).mean(axis=0),
        "expected_seed": s.mean(axis=0),
    })


def simulate_season(state: SeasonState, win_prob: WinProb,
                    config: SimulationSection | None = None, *,
                    remaining_p: np.ndarray | None = None,
                    postseason_win_prob: WinProb | None = None,
                    postseason_sd: float = 0.0) -> SimResult:
    """Playoff odds for every team of ``state.season`` from ``state.as_of`` on
    (``remaining_p``, ``postseason_win_prob``, ``postseason_sd``: see
    :func:`simulate_outcomes`)."""
    config = config or SimulationSection()
    t0 = time.perf_counter()
    table = summarise_outcomes(simulate_outcomes(state, win_prob, config,
                                                 remaining_p=remaining_p,
                                                 postseason_win_prob=postseason_win_prob,
                                                 postseason_sd=postseason_sd))
    return SimResult(table=table, n_sims=config.n_sims, seconds=time.perf_counter() - t0,
                     postseason=state.postseason)
