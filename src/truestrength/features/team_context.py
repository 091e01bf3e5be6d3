"""Team-context features for Model B: each team at each date as one row of team statistics.

Leakage rule: a row at date ``d`` of season ``s`` is computed from games with ``game_date < d``
only. In-season quantities come from the team's standings games of ``s`` before ``d``, read
as "the running sums after the last game before ``d``" with a strict ``searchsorted`` over
per-team cumulative sums, so a caller may pass data that still holds games on or after ``d``
without any of them entering the row. Earlier seasons enter only through the explicit
carry-over features: ``elo`` (run over every game in the data, regressed a quarter of the way to
the mean at each season boundary, exactly as ``base.ratings.elo_history``),
``prev_win_pct`` / ``prev_srs`` (the previous season's final standings), the league averages
used as zero-game priors, and the previous season's rosters behind ``continuity``. Rows at a
date on or before the previous season's last game are refused: those carry-overs would read
the future.

Dates (``dates="game_dates"``): every date with a standings game of the season plus the day
after the last one, as ``features.roster.build_snapshots`` does, so keys line up with Model A's
snapshots. A list of dates instead: with ``seasons`` given, every (season, date) pair; with
``seasons=None`` each date goes to the season of the latest standings game before it. Every
team of ``team_seasons`` for the season has a row at every date (unlike roster snapshots, a
team with no game yet still has one: it gets the priors).

Remaining schedule (``games_remaining``, ``sos_remaining_srs``, ``sos_remaining_elo``) uses
who plays whom, never a score, from one of two sources:

* ``schedule="expected"`` (default, and what Model B uses): the season's planned length ``N``
  (``base.seasons.planned_games``; 82 unless the league announced otherwise before the
  season) and the NBA's conference structure: ``2N/82`` games against each team of the other
  conference, the rest spread evenly over the own conference. Remaining games against an
  opponent are that expectation minus the games already played against it (at least 0), and
  ``games_remaining = max(N - games_played, 0)``. It needs nothing after ``d``, so rows built
  from ``data.before(d)`` (what a predictor receives) equal rows built from the full data:
  training and prediction see the same feature.
* ``schedule="data"``: the season's actual standings-game rows visible in ``data`` (who and
  when, scores unused). Exact with complete data, but ``data.before(d)`` holds no future game,
  so it must not be used for a model that predicts from such views.

``sos_remaining_*`` is the mean SRS-to-date (resp. Elo at ``d``) of the remaining opponents,
weighted by the remaining games against each; 0 (resp. the Elo mean) when none remain.

Features (float64; counts are standings games before ``d`` of the season):

* ``games_played``, ``games_remaining``
* ``win_pct``, ``margin_pg`` (points for minus against per game), ``srs`` (least squares with a
  fitted home edge, Σ = 0 over teams that have played, ``ratings.srs_fit``), ``elo``
* ``net_rating``: 100 * (points per own possession - points allowed per opponent possession).
  Raw and deliberately on Model B's forbidden list by default: it restates margin per
  possession, and it is the feature the forbidden-list mechanism is proven on.
* four factors for and against, ratios of season sums: ``efg`` = (fgm + 0.5 fg3m) / fga,
  ``tov_pct`` = tov / (fga + 0.44 fta + tov), ``orb_pct`` = oreb / (oreb + opp_dreb),
  ``ft_rate`` = ftm / fga; ``opp_*`` the same for the opponents (``opp_orb_pct`` =
  opp_oreb / (opp_oreb + dreb))
* ``pace``: own possessions per game, fga + 0.44 fta - oreb + tov
* ``last10_win_pct``, ``last10_margin``: over the last min(10, games_played) games
* ``rest_days``: days since the last game, capped at ``REST_CAP_DAYS``; ``b2b_last10``: games
  among the last 10 played the day after the team's previous game
* ``prev_win_pct``, ``prev_srs``: the previous season's final standings win% and SRS
* ``continuity``: share of this season's minutes to date (for this team) played by players who
  played for the team in the previous season

Zero-game priors (never NaN): win% 0.5, margins, SRS and net rating 0, last-10 likewise, rest
``REST_CAP_DAYS`` and no back-to-backs, Elo its carried-over value (``EloSection.initial`` for a
team never seen). Four factors and pace: the league's previous-season value (sums over every
standings game of it), or ``LEAGUE_FALLBACK`` (round 2015-24 NBA values) when the data has no
previous season. A ratio whose denominator is zero after some games (only in hand-made data)
also takes the prior. ``prev_*`` without a previous season for the team: 0.5 and 0.
``continuity`` with no minutes yet this season: the league-wide continuity of the previous
season (all its minutes, returning players judged against the season before), else
``CONTINUITY_FALLBACK``; a season whose previous season has no player rows at all (the first
season of player data) gets the prior on every date, since "returning" is undefined there.
``check_finite`` then raises naming the team, date and feature if anything is still not finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from truestrength.base import ratings
from truestrength.base.config import EloSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.ratings import elo_history
from truestrength.base.seasons import from_days, previous_season, season_start_year, to_days
from truestrength.base.seasons import planned_games as default_planned
from truestrength.features.roster import snapshot_days

__all__ = [
    "CONTINUITY_FALLBACK",
    "FEATURE_NAMES",
    "LEAGUE_FALLBACK",
    "REST_CAP_DAYS",
    "SCHEDULE_FEATURES",
    "TeamContext",
    "build_team_context",
    "check_finite",
]

FEATURE_NAMES: tuple[str, ...] = (
    "games_played", "games_remaining",
    "win_pct", "margin_pg", "srs", "elo", "net_rating",
    "efg", "tov_pct", "orb_pct", "ft_rate",
    "opp_efg", "opp_tov_pct", "opp_orb_pct", "opp_ft_rate",
    "pace",
    "last10_win_pct", "last10_margin",
    "rest_days", "b2b_last10",
    "sos_remaining_srs", "sos_remaining_elo",
    "prev_win_pct", "prev_srs",
    "continuity",
)  # fmt: skip
SCHEDULE_FEATURES: tuple[str, ...] = ("games_remaining", "sos_remaining_srs",
                                      "sos_remaining_elo")
KEY_COLUMNS = ("season", "date", "team_id", "conference")

REST_CAP_DAYS = 7.0  # beyond a week (All-Star break, season start) rest says nothing more
LEAGUE_FALLBACK: dict[str, float] = {"efg": 0.52, "tov_pct": 0.13, "orb_pct": 0.24,
                                     "ft_rate": 0.20, "pace": 100.0}
CONTINUITY_FALLBACK = 0.6
_LAST_N = 10
_SPAN = np.int64(1 << 20)  # > any day number we meet; keys = code * _SPAN + day
_BOX = ("fgm", "fg3m", "fga", "fta", "ftm", "tov", "oreb", "dreb")
_GAME_COLS = ["game_id", "season", "game_date", "kind", "home_team_id", "road_team_id",
              "home_pts", "road_pts", "neutral_site", "counts_for_standings"]


@dataclass(frozen=True)
class TeamContext:
    """``keys`` (season, date, team_id, conference) row-aligned with ``X`` (float64)."""

    keys: pd.DataFrame
    X: pd.DataFrame
    feature_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.X):
            raise ValueError(f"{len(self.keys)} keys but {len(self.X)} feature rows")
        if tuple(self.X.columns) != self.feature_names:
            raise ValueError("X columns differ from feature_names")
        if list(self.keys.columns) != list(KEY_COLUMNS):
            raise ValueError(f"keys columns {list(self.keys.columns)} != {list(KEY_COLUMNS)}")

    def __len__(self) -> int:
        return len(self.keys)

    def select(self, rows: np.ndarray) -> TeamContext:
        """The rows at ``rows`` (integer positions or a boolean mask)."""
        rows = np.asarray(rows)
        if rows.dtype == np.bool_:
            rows = np.flatnonzero(rows)
        return TeamContext(self.keys.iloc[rows].reset_index(drop=True),
                           self.X.iloc[rows].reset_index(drop=True), self.feature_names)


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------
def default_seasons(data: LeagueData) -> list[str]:
    """The seasons team context is built for by default, and Model B trains on: those with
    player rows (Model A's), or every season with games when there are none."""
    return data.seasons_with_players or data.seasons


def _resolve_seasons(data: LeagueData, seasons: list[str] | None) -> list[str]:
    if seasons is not None:
        for s in seasons:
            season_start_year(s)
        return list(dict.fromkeys(seasons))
    return default_seasons(data)


# --------------------------------------------------------------------------------------------
# Elo, run once and read at many (team, date) pairs
# --------------------------------------------------------------------------------------------
class _EloLookup:
    """Post-game Elo of each team's last game strictly before a day, regressed to a season.

    Same rule as ``ratings.elo_ratings_from_history``, vectorised over (team, day) pairs.
    """

    def __init__(self, games: pd.DataFrame, config: EloSection) -> None:
        self.config = config
        hist = elo_history(games, config)
        n = len(hist)
        team = np.concatenate([hist["home_team_id"].to_numpy(np.int64),
                               hist["road_team_id"].to_numpy(np.int64)])
        day = np.tile(to_days(hist["game_date"]), 2) if n else np.zeros(0, np.int64)
        post = np.concatenate([hist["elo_home_post"].to_numpy(np.float64),
                               hist["elo_road_post"].to_numpy(np.float64)])
        year_of = {s: season_start_year(s) for s in hist["season"].unique()}
        year = np.tile(hist["season"].map(year_of).to_numpy(np.int64), 2)
        pos = np.tile(np.arange(n), 2)
        self.teams, code = np.unique(team, return_inverse=True)
        order = np.lexsort((pos, code))
        self.key = code[order] * _SPAN + day[order]
        self.code = code[order]
        self.post, self.year = post[order], year[order]

    def at(self, team_ids: np.ndarray, days: np.ndarray, target_year: int) -> np.ndarray:
        cfg = self.config
        out = np.full(len(team_ids), float(cfg.initial))
        if len(self.teams) == 0:
            return out
        c = np.searchsorted(self.teams, team_ids)
        c = np.minimum(c, len(self.teams) - 1)
        known = self.teams[c] == team_ids
        i = np.searchsorted(self.key, c * _SPAN + days, side="left") - 1
        ok = known & (i >= 0)
        ok[ok] &= self.code[i[ok]] == c[ok]
        j = i[ok]
        gap = (target_year - self.year[j]).astype(np.float64)
        if (gap < 0).any():
            raise ValueError("team_context: an Elo read-out date precedes games of a later "
                             "season")
        out[ok] = cfg.mean + cfg.carryover ** gap * (self.post[j] - cfg.mean)
        return out


# --------------------------------------------------------------------------------------------
# helpers on running sums
# --------------------------------------------------------------------------------------------
def _cum(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=np.float64))])


def _ratio(num: np.ndarray, den: np.ndarray, prior: float | np.ndarray) -> np.ndarray:
    """num / den where den > 0, else the prior (zero games, or zero attempts)."""
    prior = np.broadcast_to(np.asarray(prior, dtype=np.float64), np.shape(num))
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, prior)


def _factors(s: dict[str, np.ndarray], opp: bool) -> dict[str, np.ndarray]:
    """Four factors' numerators and denominators from box sums (own, or the opponents')."""
    p, q = ("opp_", "") if opp else ("", "opp_")
    fga, fta, tov = s[p + "fga"], s[p + "fta"], s[p + "tov"]
    return {
        "efg": (s[p + "fgm"] + 0.5 * s[p + "fg3m"], fga),
        "tov_pct": (tov, fga + 0.44 * fta + tov),
        "orb_pct": (s[p + "oreb"], s[p + "oreb"] + s[q + "dreb"]),
        "ft_rate": (s[p + "ftm"], fga),
    }


def _possessions(s: dict[str, np.ndarray], prefix: str = "") -> np.ndarray:
    return s[prefix + "fga"] + 0.44 * s[prefix + "fta"] - s[prefix + "oreb"] + s[prefix + "tov"]


def _league_priors(prev_tg: pd.DataFrame) -> dict[str, float]:
    """League four factors and pace over a whole (previous) season's standings games; a factor
    whose league denominator is zero (hand-made data without rebounds) takes the fallback."""
    if prev_tg.empty:
        return dict(LEAGUE_FALLBACK)
    s = {c: np.asarray(prev_tg[c].sum(), dtype=np.float64)
         for c in (*_BOX, *(f"opp_{b}" for b in _BOX))}
    out = {name: float(num / den) if den > 0 else LEAGUE_FALLBACK[name]
           for name, (num, den) in _factors(s, opp=False).items()}
    out["pace"] = float(_possessions(s) / len(prev_tg))
    return out


# --------------------------------------------------------------------------------------------
# roster continuity
# --------------------------------------------------------------------------------------------
def _standings_logs(data: LeagueData, season: str, standings_ids: set[str]) -> pd.DataFrame:
    pl = data.player_logs
    logs = pl.loc[pl["season"] == season, ["game_id", "team_id", "player_id", "minutes"]]
    return logs[logs["game_id"].isin(standings_ids)]


def _returning(logs: pd.DataFrame, prev_logs: pd.DataFrame) -> np.ndarray:
    """Per log row: did this player play for this team in the previous season?"""
    prev = pd.MultiIndex.from_frame(prev_logs[["team_id", "player_id"]].drop_duplicates())
    cur = pd.MultiIndex.from_frame(logs[["team_id", "player_id"]])
    return np.asarray(cur.isin(prev), dtype=bool)


def _continuity_minutes(data: LeagueData, season: str, standings_ids: set[str],
                        team_game_keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray,
                                                               float, bool]:
    """(returning minutes, minutes) per team-game row, the zero-minute prior, and whether
    continuity is defined at all this season (previous-season player rows exist)."""
    prev = previous_season(season)
    logs = _standings_logs(data, season, standings_ids)
    prev_logs = _standings_logs(data, prev, standings_ids)
    zeros = np.zeros(len(team_game_keys))
    prior = CONTINUITY_FALLBACK
    prev2_logs = _standings_logs(data, previous_season(prev), standings_ids)
    if not prev_logs.empty and not prev2_logs.empty:
        ret = _returning(prev_logs, prev2_logs)
        total = float(prev_logs["minutes"].sum())
        if total > 0:
            prior = float(prev_logs["minutes"].to_numpy()[ret].sum() / total)
    if prev_logs.empty:
        return zeros, zeros, prior, False
    if logs.empty:
        return zeros, zeros, prior, True
    ret = _returning(logs, prev_logs)
    m = logs["minutes"].to_numpy(np.float64)
    agg = (pd.DataFrame({"game_id": logs["game_id"].to_numpy(), "team_id":
                         logs["team_id"].to_numpy(np.int64), "m": m, "r": m * ret})
           .groupby(["game_id", "team_id"])[["m", "r"]].sum())
    idx = pd.MultiIndex.from_frame(team_game_keys[["game_id", "team_id"]])
    got = agg.reindex(idx).fillna(0.0)
    return got["r"].to_numpy(), got["m"].to_numpy(), prior, True


# --------------------------------------------------------------------------------------------
# one season
# --------------------------------------------------------------------------------------------
def _batched_srs(games: pd.DataFrame, tcode_h: np.ndarray, tcode_r: np.ndarray,
                 bucket: np.ndarray, n_dates: int, n_teams: int) -> np.ndarray:
    """SRS of every team at every date [K, T] from cumulative normal equations.

    ``ratings.srs_fit`` returns the min-norm least-squares solution A⁺m = (AᵀA)⁺Aᵀm; AᵀA and
    Aᵀm are sums over games, so running sums over dates give every date's system at once and
    one batched symmetric pseudo-inverse solves them. AᵀA has integer entries, so the
    eigenvalues that are zero in exact arithmetic sit at rounding level, far below the
    relative threshold used here.
    """
    t = n_teams
    nb = n_dates + 1
    mat = np.zeros((nb, t + 1, t + 1))
    vec = np.zeros((nb, t + 1))
    hn = (~games["neutral_site"].to_numpy(bool)).astype(np.float64)
    m = games["home_pts"].to_numpy(np.float64) - games["road_pts"].to_numpy(np.float64)
    h, r, b = tcode_h, tcode_r, bucket
    ones = np.ones(len(h))
    for i, j, val in ((h, h, ones), (r, r, ones), (h, r, -ones), (r, h, -ones)):
        np.add.at(mat, (b, i, j), val)
    hc = np.full(len(h), t)
    for i, j, val in ((hc, hc, hn), (h, hc, hn), (hc, h, hn), (r, hc, -hn), (hc, r, -hn)):
        np.add.at(mat, (b, i, j), val)
    np.add.at(vec, (b, h), m)
    np.add.at(vec, (b, r), -m)
    np.add.at(vec, (b, hc), hn * m)
    mat = np.cumsum(mat, axis=0)[:n_dates]
    vec = np.cumsum(vec, axis=0)[:n_dates]
    w, v = np.linalg.eigh(mat)
    tol = 1e-9 * np.maximum(w.max(axis=-1, keepdims=True), 1.0)
    winv = np.where(w > tol, 1.0 / np.where(w > tol, w, 1.0), 0.0)
    sol = np.einsum("kij,kj->ki", v, winv * np.einsum("kji,kj->ki", v, vec))
    return sol[:, :t]


def _expected_totals(conference: np.ndarray, planned: int) -> np.ndarray:
    """Expected games between each pair over a planned season [T, T] (see module docstring)."""
    same = conference[:, None] == conference[None, :]
    n_own = same.sum(axis=1) - 1
    n_other = (~same).sum(axis=1)
    cross = 2.0 * planned / 82.0 if (n_other > 0).any() else 0.0
    own = np.where(n_own > 0, np.maximum(planned - cross * n_other, 0.0) / np.maximum(n_own, 1),
                   0.0)
    out = np.where(same, own[:, None], cross)
    np.fill_diagonal(out, 0.0)
    return out


def _build_season(data: LeagueData, season: str, days: np.ndarray, teams: pd.DataFrame,
                  elo: _EloLookup, schedule: str, planned: int) -> pd.DataFrame:
    team_ids = np.sort(teams["team_id"].to_numpy(np.int64))
    conference = teams.set_index("team_id")["conference"].reindex(team_ids).to_numpy()
    n_t, n_k = len(team_ids), len(days)
    year = season_start_year(season)
    prev = previous_season(season)

    games = data.standings_games(season)[_GAME_COLS]
    prev_games = data.standings_games(prev)[_GAME_COLS]
    if len(prev_games) and to_days(prev_games["game_date"]).max() >= days.min():
        raise DataError(f"team_context: {season} date "
                         f"{pd.Timestamp(from_days(days[:1])[0]).date()} is not after the last "
                         f"game of {prev}; its carry-over features would read the future")
    tg = data.standings_team_games(season)
    prev_tg = data.standings_team_games(prev)

    def codes(ids: np.ndarray, what: str) -> np.ndarray:
        c = np.minimum(np.searchsorted(team_ids, ids), max(n_t - 1, 0))
        bad = team_ids[c] != ids if n_t else np.ones(len(ids), bool)
        if len(ids) and bad.any():
            raise DataError(f"{season}: team {int(ids[bad][0])} has {what} but is not in "
                             "team_seasons for that season")
        return c

    # ---- team-game running sums, sorted by (team, day) -------------------------------------
    tday = to_days(tg["game_date"]) if len(tg) else np.zeros(0, np.int64)
    tcode = codes(tg["team_id"].to_numpy(np.int64), "games")
    order = np.lexsort((tday, tcode))
    tg = tg.iloc[order].reset_index(drop=True)
    tday, tcode = tday[order], tcode[order]
    start = np.searchsorted(tcode, np.arange(n_t), side="left")
    # a back-to-back: the team's previous game (same season) was the day before
    b2b = np.zeros(len(tday))
    b2b[1:] = ((tcode[1:] == tcode[:-1]) & (np.diff(tday) == 1)).astype(np.float64)

    cols = {c: tg[c].to_numpy(np.float64) for c in (*_BOX, *(f"opp_{b}" for b in _BOX))}
    cols["won"] = tg["won"].to_numpy(np.float64)
    cols["margin"] = tg["pts"].to_numpy(np.float64) - tg["opp_pts"].to_numpy(np.float64)
    cols["pts"] = tg["pts"].to_numpy(np.float64)
    cols["opp_pts"] = tg["opp_pts"].to_numpy(np.float64)
    cols["poss"] = _possessions(cols)
    cols["opp_poss"] = _possessions(cols, "opp_")
    cols["b2b"] = b2b
    standings_ids = set(games["game_id"]) | set(prev_games["game_id"]) | set(
        data.standings_games(previous_season(prev))["game_id"])
    ret_min, tot_min, cont_prior, cont_defined = _continuity_minutes(
        data, season, standings_ids, tg[["game_id", "team_id"]])
    cols["ret_min"], cols["tot_min"] = ret_min, tot_min
    cum = {c: _cum(v) for c, v in cols.items()}

    qt = np.tile(np.arange(n_t), n_k)
    qk = np.repeat(np.arange(n_k), n_t)
    qd = days[qk]
    key = tcode.astype(np.int64) * _SPAN + tday
    idx = np.searchsorted(key, qt * _SPAN + qd, side="left")
    lo = start[qt]
    n = (idx - lo).astype(np.float64)
    s = {c: cum[c][idx] - cum[c][lo] for c in cum}
    lo10 = np.maximum(idx - _LAST_N, lo)
    n10 = (idx - lo10).astype(np.float64)

    priors = _league_priors(prev_tg)
    f: dict[str, np.ndarray] = {}
    f["games_played"] = n
    f["win_pct"] = _ratio(s["won"], n, 0.5)
    f["margin_pg"] = _ratio(s["margin"], n, 0.0)
    f["net_rating"] = 100.0 * (_ratio(s["pts"], s["poss"], 0.0)
                               - _ratio(s["opp_pts"], s["opp_poss"], 0.0))
    f["net_rating"] = np.where(n > 0, f["net_rating"], 0.0)
    for opp in (False, True):
        for name, (num, den) in _factors(s, opp).items():
            f[("opp_" if opp else "") + name] = _ratio(num, den, priors[name])
    f["pace"] = _ratio(s["poss"], n, priors["pace"])
    f["last10_win_pct"] = _ratio(cum["won"][idx] - cum["won"][lo10], n10, 0.5)
    f["last10_margin"] = _ratio(cum["margin"][idx] - cum["margin"][lo10], n10, 0.0)
    last_day = tday[np.maximum(idx - 1, 0)] if len(tday) else qd
    f["rest_days"] = np.where(n > 0, np.minimum(qd - last_day, REST_CAP_DAYS), REST_CAP_DAYS)
    f["b2b_last10"] = cum["b2b"][idx] - cum["b2b"][lo10]
    f["continuity"] = (_ratio(s["ret_min"], s["tot_min"], cont_prior) if cont_defined
                       else np.full(len(n), cont_prior))

    # ---- SRS, Elo and the remaining schedule, per (date, team) grid -------------------------
    gday = to_days(games["game_date"]) if len(games) else np.zeros(0, np.int64)
    bucket = np.searchsorted(days, gday, side="right")  # game counts for dates > its day
    h = codes(games["home_team_id"].to_numpy(np.int64), "games")
    r = codes(games["road_team_id"].to_numpy(np.int64), "games")
    srs = _batched_srs(games, h, r, bucket, n_k, n_t)
    played = (n > 0).reshape(n_k, n_t)
    with np.errstate(invalid="ignore"):
        centre = np.where(played.any(axis=1),
                          (srs * played).sum(axis=1) / np.maximum(played.sum(axis=1), 1), 0.0)
    srs = np.where(played, srs - centre[:, None], 0.0)
    f["srs"] = srs.ravel()
    elo_grid = elo.at(team_ids[qt], qd, year).reshape(n_k, n_t)
    f["elo"] = elo_grid.ravel()

    pairs = np.zeros((n_k + 1, n_t, n_t))
    np.add.at(pairs, (bucket, h, r), 1.0)
    np.add.at(pairs, (bucket, r, h), 1.0)
    total = pairs.sum(axis=0) if schedule == "data" else _expected_totals(conference, planned)
    before = np.cumsum(pairs, axis=0)[:n_k]
    remaining = np.maximum(total[None] - before, 0.0)
    weight = remaining.sum(axis=2)
    if schedule == "data":
        f["games_remaining"] = weight.ravel()
    else:
        f["games_remaining"] = np.maximum(planned - n, 0.0)
    f["sos_remaining_srs"] = _ratio(np.einsum("ktj,kj->kt", remaining, srs), weight,
                                    0.0).ravel()
    f["sos_remaining_elo"] = _ratio(np.einsum("ktj,kj->kt", remaining, elo_grid), weight,
                                    float(elo.config.mean)).ravel()

    # ---- previous season ---------------------------------------------------------------------
    if len(prev_games):
        wp = ratings.win_pct(prev_games)
        ps = ratings.srs(prev_games)
        f["prev_win_pct"] = wp.reindex(team_ids).fillna(0.5).to_numpy()[qt]
        f["prev_srs"] = ps.reindex(team_ids).fillna(0.0).to_numpy()[qt]
    else:
        f["prev_win_pct"] = np.full(len(qt), 0.5)
        f["prev_srs"] = np.zeros(len(qt))

    keys = pd.DataFrame({
        "season": pd.Series([season] * len(qt), dtype="str"),
        "date": from_days(qd),
        "team_id": team_ids[qt].astype(np.int64),
        "conference": conference[qt],
    })
    x = pd.DataFrame({name: np.asarray(f[name], dtype=np.float64) for name in FEATURE_NAMES})
    return pd.concat([keys, x], axis=1)


def build_team_context(
    data: LeagueData,
    seasons: list[str] | None = None,
    dates: str | list = "game_dates",
    *,
    schedule: Literal["expected", "data"] = "expected",
    planned_games: dict[str, int] | None = None,
    elo_config: EloSection = EloSection(),
) -> TeamContext:
    """Team-context rows of every team of each season at each date (module docstring).

    ``seasons=None``: every season with player rows (Model A's seasons), or every season with
    games if there are none. ``planned_games`` overrides ``base.seasons.planned_games`` per season.
    """
    if schedule not in ("expected", "data"):
        raise ValueError(f"schedule must be 'expected' or 'data', got {schedule!r}")
    resolved = _resolve_seasons(data, seasons)
    by_season = snapshot_days(data, seasons, resolved, dates)
    planned = planned_games or {}
    last_year = max((season_start_year(s) for s in by_season), default=None)
    g = data.games
    if last_year is not None:
        years = g["season"].map({s: season_start_year(s) for s in g["season"].unique()})
        g = g[(years <= last_year).to_numpy()]
    elo = _EloLookup(g[[c for c in _GAME_COLS if c != "counts_for_standings"]], elo_config)
    ts = data.team_seasons
    parts = []
    for season in resolved:
        if season not in by_season:
            continue
        teams = ts.loc[ts["season"] == season, ["team_id", "conference"]]
        if teams.empty:
            raise DataError(f"team_context: no teams are known for season {season}")
        parts.append(_build_season(data, season, by_season[season], teams, elo, schedule,
                                   planned.get(season, default_planned(season))))
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame({"season": pd.Series(dtype="str"),
                              "date": pd.Series(dtype="datetime64[us]"),
                              "team_id": pd.Series(dtype=np.int64),
                              "conference": pd.Series(dtype="str"),
                              **{n: pd.Series(dtype=np.float64) for n in FEATURE_NAMES}})
    ctx = TeamContext(frame[list(KEY_COLUMNS)].reset_index(drop=True),
                      frame[list(FEATURE_NAMES)].reset_index(drop=True), FEATURE_NAMES)
    check_finite(ctx)
    return ctx


def check_finite(ctx: TeamContext) -> None:
    """Raise ValueError naming the first non-finite value's team, date and feature.

    Nothing is replaced: after the documented priors a NaN or inf can only be a bug.
    """
    x = ctx.X.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        k = ctx.keys.iloc[i]
        raise ValueError(
            f"non-finite team-context feature {ctx.feature_names[j]!r} = {x[i, j]} for team "
            f"{int(k['team_id'])}, date {pd.Timestamp(k['date']).date()} (season "
            f"{k['season']})")
