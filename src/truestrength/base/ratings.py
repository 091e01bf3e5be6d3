"""Simple team ratings over a games frame: record, point differential, SRS and Elo.

The logistic model that turns a rating difference into P(home wins) is ``game_model``.

Every function takes a games frame in the shape of ``docs/contracts.md`` ("Games frame") and
is pure: it never filters by season, kind or date on the caller's behalf (except Elo, whose
``kinds`` and ``as_of`` are part of its definition). Leakage control is the caller's job:
pass only the games that were played before the date being predicted.

Conventions
-----------
* Margin of a game ``m = home_pts - road_pts``.
* Results are indexed by ``team_id`` (int64, ascending); teams with no game in the frame are
  absent rather than reported as zero.
* NBA games cannot end tied. Functions that need a winner (record, win%, Elo) raise on a tie
  instead of inventing a rule for it, because a tie here means corrupt data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from truestrength.base.config import EloSection
from truestrength.base.seasons import season_start_year

__all__ = [
    "SRSResult",
    "elo_history",
    "elo_ratings_before",
    "elo_ratings_from_history",
    "elo_win_prob",
    "mov_multiplier",
    "point_diff_per_game",
    "record",
    "srs",
    "srs_fit",
    "win_pct",
]

ArrayLike = npt.ArrayLike

_TEAMS = ("home_team_id", "road_team_id")
_POINTS = ("home_pts", "road_pts")


# --------------------------------------------------------------------------------------------
# validation and the per-team long view
# --------------------------------------------------------------------------------------------
def _require(games: pd.DataFrame, columns: Iterable[str], func: str) -> None:
    """Raise ValueError naming every missing column, or a required column holding NaN."""
    if not isinstance(games, pd.DataFrame):
        raise TypeError(f"{func}: games must be a pandas DataFrame, got {type(games).__name__}")
    columns = list(columns)
    missing = [c for c in columns if c not in games.columns]
    if missing:
        raise ValueError(f"{func}: games frame is missing required column(s): {missing}")
    with_nan = [c for c in columns if games[c].isna().any()]
    if with_nan:
        raise ValueError(f"{func}: games frame has missing values in column(s): {with_nan}")


def _reject_ties(games: pd.DataFrame, func: str) -> None:
    tied = games["home_pts"].to_numpy() == games["road_pts"].to_numpy()
    if tied.any():
        ids = games.loc[tied, "game_id"].tolist() if "game_id" in games else "?"
        raise ValueError(f"{func}: tied score (impossible in the NBA) in game(s) {ids}")


def _long(games: pd.DataFrame) -> pd.DataFrame:
    """One row per team per game: team_id, pts_for, pts_against."""
    home = pd.DataFrame(
        {
            "team_id": games["home_team_id"].to_numpy(np.int64),
            "pts_for": games["home_pts"].to_numpy(np.int64),
            "pts_against": games["road_pts"].to_numpy(np.int64),
        }
    )
    road = pd.DataFrame(
        {
            "team_id": games["road_team_id"].to_numpy(np.int64),
            "pts_for": games["road_pts"].to_numpy(np.int64),
            "pts_against": games["home_pts"].to_numpy(np.int64),
        }
    )
    return pd.concat([home, road], ignore_index=True)


def _empty_team_series(name: str) -> pd.Series:
    return pd.Series(
        [], index=pd.Index([], dtype=np.int64, name="team_id"), dtype=np.float64, name=name
    )


# --------------------------------------------------------------------------------------------
# record, win%, point differential
# --------------------------------------------------------------------------------------------
def record(games: pd.DataFrame) -> pd.DataFrame:
    """Wins, losses and games played per team over every game in the frame.

    Columns ``wins, losses, games`` (int64), index ``team_id``. ``games == wins + losses``
    because ties are rejected.
    """
    _require(games, (*_TEAMS, *_POINTS), "record")
    _reject_ties(games, "record")
    long = _long(games)
    won = (long["pts_for"] > long["pts_against"]).astype(np.int64)
    out = (
        pd.DataFrame({"team_id": long["team_id"], "wins": won, "losses": 1 - won})
        .groupby("team_id", sort=True)
        .sum()
    )
    out["games"] = out["wins"] + out["losses"]
    out.index = out.index.astype(np.int64)
    return out[["wins", "losses", "games"]].astype(np.int64)


def win_pct(games: pd.DataFrame) -> pd.Series:
    """``wins / games`` per team (name ``"win_pct"``)."""
    rec = record(games)
    return (rec["wins"] / rec["games"]).astype(np.float64).rename("win_pct")


def point_diff_per_game(games: pd.DataFrame) -> pd.Series:
    """Mean of ``pts_for - pts_against`` over each team's games (name ``"point_diff"``)."""
    _require(games, (*_TEAMS, *_POINTS), "point_diff_per_game")
    long = _long(games)
    if long.empty:
        return _empty_team_series("point_diff")
    diff = (long["pts_for"] - long["pts_against"]).astype(np.float64)
    out = diff.groupby(long["team_id"], sort=True).mean().rename("point_diff")
    out.index = out.index.astype(np.int64).rename("team_id")
    return out


# --------------------------------------------------------------------------------------------
# SRS
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SRSResult:
    """SRS ratings (points per game above an average team, Σ = 0) and the fitted home edge.

    ``home_advantage`` is in points; it is 0.0 when not estimated (``home_advantage=False``
    or every game neutral).
    """

    ratings: pd.Series
    home_advantage: float


def srs_fit(games: pd.DataFrame, home_advantage: bool = True) -> SRSResult:
    """Simple Rating System by least squares.

    Model, one equation per game g::

        home_pts_g - road_pts_g  =  r[home_g] - r[road_g] + h * (not neutral_site_g)  + e_g

    minimised over ``r`` (one rating per team) and ``h`` in Σ e_g², subject to Σ r = 0.

    Home advantage: ``h`` is one league-wide free parameter in points, shared by every
    non-neutral game and absent on neutral courts. With ``home_advantage=False`` the term is
    dropped, which is the classic Basketball-Reference SRS (its MOV + SOS fixed point
    ``r_i = MOV_i + mean(r_opponents)`` is exactly the normal equation of this least-squares
    problem). On a balanced schedule (41 home / 41 road each) both versions give the same
    ``r``; they differ when teams' home/road counts differ (early season, partial frames).

    Why the sum is zero without an explicit constraint row: every game row has one +1 and one
    -1 in the team columns, so the all-ones team vector (with 0 in the ``h`` column) is in the
    null space of the design matrix A. ``numpy.linalg.lstsq`` returns the minimum-norm
    solution ``A⁺m``, which lies in the row space of A, i.e. is orthogonal to that null
    vector: Σ r = 0. If the schedule graph is disconnected, each component's indicator vector
    is in the null space too, so every connected component is centred on zero separately
    (ratings across components are then not comparable; nothing in the data can make them
    so). Likewise if ``h`` is not identifiable (e.g. each pair only met at one venue), the
    min-norm split between ``h`` and ``r`` is returned. A final re-centring removes only
    floating-point residue.

    Teams with no game in the frame are absent. Empty frame -> empty ratings, h = 0.
    """
    cols = [*_TEAMS, *_POINTS]
    if home_advantage:
        cols.append("neutral_site")
    _require(games, cols, "srs")
    if len(games) == 0:
        return SRSResult(_empty_team_series("srs"), 0.0)

    home = games["home_team_id"].to_numpy(np.int64)
    road = games["road_team_id"].to_numpy(np.int64)
    if (home == road).any():
        raise ValueError("srs: a game has the same team at home and on the road")
    teams, codes = np.unique(np.concatenate([home, road]), return_inverse=True)
    n_games, n_teams = len(games), len(teams)
    h_col = (
        (~games["neutral_site"].to_numpy(bool)).astype(np.float64)
        if home_advantage
        else np.zeros(n_games)
    )
    fit_h = bool(h_col.any())

    design = np.zeros((n_games, n_teams + int(fit_h)))
    rows = np.arange(n_games)
    design[rows, codes[:n_games]] = 1.0
    design[rows, codes[n_games:]] = -1.0
    if fit_h:
        design[:, -1] = h_col
    margin = games["home_pts"].to_numpy(np.float64) - games["road_pts"].to_numpy(np.float64)

    solution, *_ = np.linalg.lstsq(design, margin, rcond=None)
    r = solution[:n_teams]
    r = r - r.mean()  # float residue only; see docstring for why the sum is already zero
    h = float(solution[-1]) if fit_h else 0.0
    ratings = pd.Series(r, index=pd.Index(teams, dtype=np.int64, name="team_id"), name="srs")
    return SRSResult(ratings, h)


def srs(games: pd.DataFrame, home_advantage: bool = True) -> pd.Series:
    """SRS ratings only (name ``"srs"``); see :func:`srs_fit` for the model."""
    return srs_fit(games, home_advantage=home_advantage).ratings


# --------------------------------------------------------------------------------------------
# Elo (FiveThirtyEight's NBA Elo)
# --------------------------------------------------------------------------------------------
_DEFAULT_ELO = EloSection()


def elo_win_prob(
    elo_home: ArrayLike,
    elo_road: ArrayLike,
    neutral: ArrayLike = False,
    config: EloSection = _DEFAULT_ELO,
) -> np.ndarray | float:
    """P(home wins) = 1 / (1 + 10 ** (-(elo_home + hfa - elo_road) / 400)).

    ``hfa = config.home_advantage`` unless ``neutral`` (then 0). Broadcasts; returns a float
    when every input is a scalar.
    """
    eh = np.asarray(elo_home, dtype=np.float64)
    er = np.asarray(elo_road, dtype=np.float64)
    hfa = np.where(np.asarray(neutral, dtype=bool), 0.0, config.home_advantage)
    p = 1.0 / (1.0 + 10.0 ** (-(eh + hfa - er) / 400.0))
    return float(p) if np.ndim(p) == 0 else p


def mov_multiplier(mov: ArrayLike, elo_diff_winner: ArrayLike) -> np.ndarray | float:
    """538's margin-of-victory multiplier ``(MOV + 3) ** 0.8 / (7.5 + 0.006 * elo_diff_winner)``.

    ``MOV`` is the winner's margin (> 0); ``elo_diff_winner`` is the winner's pre-game Elo
    (including home advantage when the winner is at home) minus the loser's. The denominator
    damps big wins by heavy favourites, which removes most of the autocorrelation a plain MOV
    multiplier would add.
    """
    m = np.asarray(mov, dtype=np.float64)
    d = np.asarray(elo_diff_winner, dtype=np.float64)
    out = (m + 3.0) ** 0.8 / (7.5 + 0.006 * d)
    return float(out) if np.ndim(out) == 0 else out


_ELO_COLUMNS = (
    "game_id",
    "season",
    "game_date",
    "kind",
    "home_team_id",
    "road_team_id",
    "home_pts",
    "road_pts",
    "neutral_site",
)


def elo_history(games: pd.DataFrame, config: EloSection = _DEFAULT_ELO) -> pd.DataFrame:
    """Run Elo through the games in (game_date, game_id) order; one output row per game.

    Per game (ratings exclude home advantage; ``hfa = 0`` on neutral courts)::

        p      = 1 / (1 + 10 ** (-(elo_home + hfa - elo_road) / 400))
        s      = 1 if home won else 0
        mult   = (MOV + 3) ** 0.8 / (7.5 + 0.006 * elo_diff_winner)
        delta  = k * mult * (s - p)
        elo_home_post = elo_home + delta;  elo_road_post = elo_road - delta

    Season carry-over: before a team's first game of a season, ``r <- mean + carryover**n *
    (r - mean)`` where ``n`` is the number of season boundaries since its last game (normally
    1, i.e. ``0.75 r + 0.25 * 1505``). A team never seen before starts at ``initial`` with no
    carry-over. Applying the carry-over lazily per team is identical to applying it to every
    team at each boundary.

    Same-date games: processed sequentially in ``game_id`` order, as 538 did. A team plays at
    most once a day, so on real data no same-date game ever reads a rating another same-date
    game changed; the order only matters for malformed frames.

    Only games whose ``kind`` is in ``config.kinds`` update ratings (``updates_elo``); the
    others still get pre-game ratings and ``prob_home`` and have post == pre.

    Columns: game_id, season, game_date, kind, home_team_id, road_team_id, neutral_site,
    updates_elo, elo_home, elo_road (pre-game, after carry-over), hfa, prob_home, mov_mult
    (NaN when not updating), elo_home_post, elo_road_post. Read "rating strictly before date
    d" from rows with game_date < d (see :func:`elo_ratings_from_history`).
    """
    _require(games, _ELO_COLUMNS, "elo_history")
    g = games.sort_values(["game_date", "game_id"], kind="stable").reset_index(drop=True)
    n = len(g)

    seasons = g["season"].astype(str)
    year_of = {s: season_start_year(s) for s in seasons.unique()}
    years = seasons.map(year_of).to_numpy(np.int64)
    if n and (np.diff(years) < 0).any():
        raise ValueError("elo_history: seasons go backwards in date order")

    updates = g["kind"].isin(config.kinds).to_numpy(bool)
    _reject_ties(g[updates], "elo_history")

    home_ids = g["home_team_id"].to_numpy(np.int64)
    road_ids = g["road_team_id"].to_numpy(np.int64)
    teams, codes = np.unique(np.concatenate([home_ids, road_ids]), return_inverse=True)

    # Plain Python lists in the loop: scalar indexing into numpy arrays costs ~10x more.
    hc = codes[:n].tolist()
    rc = codes[n:].tolist()
    yr = years.tolist()
    upd = updates.tolist()
    neutral = g["neutral_site"].to_numpy(bool).tolist()
    margin = (g["home_pts"].to_numpy(np.int64) - g["road_pts"].to_numpy(np.int64)).tolist()

    k, hfa_pts = float(config.k), float(config.home_advantage)
    carry, mean, initial = float(config.carryover), float(config.mean), float(config.initial)
    rating = [initial] * len(teams)
    rated_year: list[int | None] = [None] * len(teams)

    pre_h = [0.0] * n
    pre_r = [0.0] * n
    hfa_out = [0.0] * n
    prob = [0.0] * n
    mult_out = [math.nan] * n
    post_h = [0.0] * n
    post_r = [0.0] * n

    for i in range(n):
        y = yr[i]
        for t in (hc[i], rc[i]):
            last = rated_year[t]
            if last is not None and last < y:
                rating[t] = mean + carry ** (y - last) * (rating[t] - mean)
            rated_year[t] = y
        h, r = hc[i], rc[i]
        eh, er = rating[h], rating[r]
        hfa = 0.0 if neutral[i] else hfa_pts
        diff = eh + hfa - er
        p = 1.0 / (1.0 + 10.0 ** (-diff / 400.0))
        pre_h[i], pre_r[i], hfa_out[i], prob[i] = eh, er, hfa, p
        if upd[i]:
            m = margin[i]
            if m > 0:
                s, mov, diff_winner = 1.0, m, diff
            else:
                s, mov, diff_winner = 0.0, -m, -diff
            mult = (mov + 3.0) ** 0.8 / (7.5 + 0.006 * diff_winner)
            delta = k * mult * (s - p)
            rating[h] = eh + delta
            rating[r] = er - delta
            mult_out[i] = mult
        post_h[i], post_r[i] = rating[h], rating[r]

    return pd.DataFrame(
        {
            "game_id": g["game_id"].to_numpy(),
            "season": g["season"].to_numpy(),
            "game_date": g["game_date"].to_numpy(),
            "kind": g["kind"].to_numpy(),
            "home_team_id": home_ids,
            "road_team_id": road_ids,
            "neutral_site": g["neutral_site"].to_numpy(bool),
            "updates_elo": updates,
            "elo_home": np.asarray(pre_h, dtype=np.float64),
            "elo_road": np.asarray(pre_r, dtype=np.float64),
            "hfa": np.asarray(hfa_out, dtype=np.float64),
            "prob_home": np.asarray(prob, dtype=np.float64),
            "mov_mult": np.asarray(mult_out, dtype=np.float64),
            "elo_home_post": np.asarray(post_h, dtype=np.float64),
            "elo_road_post": np.asarray(post_r, dtype=np.float64),
        }
    )


def elo_ratings_from_history(
    history: pd.DataFrame,
    as_of: pd.Timestamp,
    season: str,
    config: EloSection = _DEFAULT_ELO,
) -> pd.Series:
    """Ratings of every team seen in ``history`` (from :func:`elo_history`) in games with
    ``game_date < as_of`` (strictly before; ``as_of`` is normalised to midnight), regressed
    to ``season``: ``mean + carryover**n * (r - mean)`` with ``n`` the seasons between the
    team's last game and ``season`` (0 within the same season).

    Lets a walk-forward caller run Elo once and read it at many dates. Raises ValueError if
    ``season`` is earlier than a game before ``as_of``. Name ``"elo"``, index ``team_id``.
    """
    _require(
        history,
        ("season", "game_date", "home_team_id", "road_team_id", "elo_home_post", "elo_road_post"),
        "elo_ratings_from_history",
    )
    as_of = pd.Timestamp(as_of).normalize()
    target = season_start_year(season)
    past = history[history["game_date"] < as_of]
    if past.empty:
        return _empty_team_series("elo")
    # history is in processing order; stacking home then road and keeping each team's last
    # row by original position gives its most recent post-game rating.
    order = np.arange(len(past))
    long = pd.DataFrame(
        {
            "pos": np.concatenate([order, order]),
            "team_id": np.concatenate(
                [past["home_team_id"].to_numpy(np.int64), past["road_team_id"].to_numpy(np.int64)]
            ),
            "elo": np.concatenate(
                [
                    past["elo_home_post"].to_numpy(np.float64),
                    past["elo_road_post"].to_numpy(np.float64),
                ]
            ),
            "season": np.concatenate([past["season"].to_numpy(), past["season"].to_numpy()]),
        }
    )
    last = long.sort_values("pos", kind="stable").groupby("team_id", sort=True).last()
    years = last["season"].map(season_start_year).to_numpy(np.int64)
    if (years > target).any():
        raise ValueError(
            f"elo_ratings_from_history: season {season!r} is earlier than games before {as_of}"
        )
    gap = (target - years).astype(np.float64)
    r = config.mean + config.carryover**gap * (last["elo"].to_numpy(np.float64) - config.mean)
    return pd.Series(r, index=pd.Index(last.index.to_numpy(np.int64), name="team_id"), name="elo")


def elo_ratings_before(
    games: pd.DataFrame,
    as_of: pd.Timestamp,
    season: str,
    config: EloSection = _DEFAULT_ELO,
) -> pd.Series:
    """Elo of every team seen in games with ``game_date < as_of`` (strictly before), with the
    season carry-over applied if ``season`` (the season ``as_of`` belongs to) is after the last
    game's season. Equivalent to ``elo_ratings_from_history(elo_history(games_before), ...)``;
    only games before ``as_of`` are ever run, so later games cannot leak in.
    """
    _require(games, _ELO_COLUMNS, "elo_ratings_before")
    as_of = pd.Timestamp(as_of).normalize()
    before = games[games["game_date"] < as_of]
    return elo_ratings_from_history(elo_history(before, config), as_of, season, config)
