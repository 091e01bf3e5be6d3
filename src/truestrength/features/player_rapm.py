"""The RAPM ridge fit (issue 10): what the games strictly before a date say of each player.

A ridge regression of game margins on the players who played, weighted by minutes:

- one row per game, target the home margin (home points - road points);
- one column per player: ``+x`` for a home player, ``-x`` for a road player, where
  ``x = 5 * minutes / team minutes`` is his share of the team's five floor slots (a team's
  entries sum to 5, so a player on the floor all game has ``x = 1`` and his coefficient is
  the margin he adds over a game, in points);
- one home-court column (1, or 0 on a neutral site), not penalised: home court is measured
  from every game, and shrinking it would push the home edge into the players;
- each game weighted ``0.5 ** (age_days / (365.25 * half_life_years))``, age counted from the
  refit date, so a game ``half_life_years`` old counts half as much as yesterday's;
- penalty ``alpha * sum(coef**2)`` over the players only: a player never seen is 0 (the
  prior). Adding one number to every player moves no margin (each side's shares sum to 5), so
  values are relative to the league: the penalty puts their mean near 0.
- with ``box_prior``, a player's value is ``u + b . gamma``: ``b`` his box-score rates per 36
  minutes (``BOX_STATS``, decayed like the games, shrunk towards the league's by
  ``box_prior_minutes``, z-scored over the players), ``gamma`` one weight per stat fitted in
  the same ridge and not shrunk (in effect a statistical plus-minus learned from these very
  games), and only ``u`` penalised. A player with few minutes is then near what his box score
  says, not near the league average; the evidence of many games still overrules it.

It is refitted on the first date of each ``refit_days`` block (blocks start on Mondays, a
fixed calendar, so the fit used at a date never depends on which dates were asked before),
from the games strictly before that date; dates inside a block reuse it.

It lives in the features layer because it is two things: the core of the ``rapm`` predictor
(``models.rapm``) and, through :class:`RapmValues`, a player feature of Model A's roster
snapshots and game rosters (``roster.rapm_feature``): each player's coefficient and the
evidence behind it in the refit in force at the row's date.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from truestrength.base.config import RapmSection
from truestrength.base.errors import DataError, ModelError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import to_days

__all__ = ["BOX_STATS", "FLOOR_SLOTS", "RAPM_FEATURES", "RapmFit", "RapmValues",
           "box_rates", "fit_rapm", "rapm_logs", "refit_date", "refit_days_of"]

FLOOR_SLOTS = 5  # players on the floor per team: the rules, not a setting
# Refit blocks are counted from a Monday, so a week's refit falls on its Monday.
_BLOCK_ANCHOR = pd.Timestamp("2000-01-03")
# The box score of the prior: makes and misses apart (a miss is a possession lost), boards
# by end, and the rest of the counting stats.
BOX_STATS = ("pts", "fga_missed", "fta_missed", "fg3m", "oreb", "dreb", "ast", "stl", "blk",
             "tov", "pf")
_BOX_RAW = ["pts", "fga", "fgm", "fta", "ftm", "fg3m", "oreb", "dreb", "ast", "stl", "blk",
            "tov", "pf"]
_LOG_COLS = ["game_id", "game_date", "team_id", "player_id", "minutes"]


@dataclass(frozen=True)
class RapmFit:
    """One ridge fit: what the games strictly before ``refit_date`` say of each player."""

    refit_date: pd.Timestamp
    coef: pd.Series  # index player_id: points of margin per game on the floor throughout
    home: float  # points of home margin between equal lineups
    n_games: int
    # index player_id: decayed full games on the floor behind his coefficient (sum over his
    # games of the game's weight x his share of the five slots); how much data moved him off 0
    evidence: pd.Series

    def team_ratings(self, shares: pd.DataFrame) -> pd.Series:
        """Per team of ``shares`` (columns team_id, player_id, share): sum of coef x share."""
        c = self.coef.reindex(shares["player_id"]).fillna(0.0).to_numpy()
        contrib = pd.Series(c * shares["share"].to_numpy(), index=shares["team_id"].to_numpy())
        return contrib.groupby(level=0).sum()


def refit_date(date: pd.Timestamp, refit_days: int) -> pd.Timestamp:
    """The first date of the ``refit_days`` block holding ``date``."""
    date = pd.Timestamp(date).normalize()
    return date - pd.Timedelta(days=(date - _BLOCK_ANCHOR).days % refit_days)


def rapm_logs(known: LeagueData, box: bool = False) -> pd.DataFrame:
    """The player rows the ridge reads: who played how long in which game, and with ``box``
    (``RapmSection.box_prior``) the box score the prior reads, where the rows have it."""
    logs = known.player_logs
    logs = logs[_LOG_COLS + ([c for c in _BOX_RAW if c in logs.columns] if box else [])]
    bad = ~np.isfinite(logs["minutes"].to_numpy(float)) | (logs["minutes"].to_numpy(float) < 0)
    if bad.any():
        row = logs[bad].iloc[0]
        raise DataError(f"rapm: player_game_logs game {row['game_id']} player "
                        f"{row['player_id']}: field minutes is {row['minutes']!r} (must be a "
                        "number >= 0)")
    return logs


def fit_rapm(games: pd.DataFrame, logs: pd.DataFrame, at: pd.Timestamp,
             section: RapmSection) -> RapmFit:
    """The ridge fit at ``at`` on the ``games`` (games frame) and player ``logs`` strictly
    before it. Games without player rows (seasons before the player logs) are left out."""
    at = pd.Timestamp(at).normalize()
    logs = logs[(logs["game_date"] < at).to_numpy() & (logs["minutes"] > 0).to_numpy()]
    g = games[(games["game_date"] < at).to_numpy()]
    # Game ids are strings; matching them once as an index is far cheaper than isin/merge.
    i = pd.Index(g["game_id"].to_numpy(object)).get_indexer(logs["game_id"].to_numpy(object))
    if (i < 0).any():
        r = logs[i < 0].iloc[0]
        raise DataError(f"rapm: player_game_logs game {r['game_id']} (player "
                        f"{r['player_id']}): field game_id is not in the games table")
    played, i = np.unique(i, return_inverse=True)  # only games with player rows
    n_g = len(played)
    if n_g == 0:
        return RapmFit(at, pd.Series(dtype=float), 0.0, 0, pd.Series(dtype=float))
    team = logs["team_id"].to_numpy()
    minutes = logs["minutes"].to_numpy(float)
    home_team = g["home_team_id"].to_numpy()[played]
    road_team = g["road_team_id"].to_numpy()[played]
    home_side = team == home_team[i]
    if not (home_side | (team == road_team[i])).all():
        r = logs[~(home_side | (team == road_team[i]))].iloc[0]
        raise DataError(f"rapm: player_game_logs game {r['game_id']} player {r['player_id']}: "
                        f"field team_id {r['team_id']} is neither side of the game")
    side_min = np.zeros((n_g, 2))
    np.add.at(side_min, (i, home_side.astype(int)), minutes)
    if (side_min == 0).any():
        gid = g["game_id"].to_numpy()[played][(side_min == 0).any(axis=1)][0]
        raise DataError(f"rapm: game {gid} has player minutes for one team only "
                        "(player_game_logs); its margin cannot be split between players")
    x = (np.where(home_side, 1.0, -1.0) * FLOOR_SLOTS * minutes
         / side_min[i, home_side.astype(int)])
    players, j = np.unique(logs["player_id"].to_numpy(), return_inverse=True)
    n_p = len(players)
    home_col = (~g["neutral_site"].to_numpy(bool)[played]).astype(float)
    X = sp.csr_matrix((np.concatenate([x, home_col]),
                       (np.concatenate([i, np.arange(n_g)]),
                        np.concatenate([j, np.full(n_g, n_p)]))),
                      shape=(n_g, n_p + 1))
    y = (g["home_pts"].to_numpy(float) - g["road_pts"].to_numpy(float))[played]
    age = (at - g["game_date"]).dt.days.to_numpy(float)[played]
    w = 0.5 ** (age / (365.25 * section.half_life_years))
    penalty = np.full(n_p + 1, section.alpha)
    penalty[-1] = 0.0 if home_col.any() else 1.0  # all neutral: home coef fixed at 0
    box = None
    if section.box_prior:
        box = box_rates(logs, j, n_p, w[i], section.box_prior_minutes)  # [n_p, F]
        # the games' box columns: each side's share-weighted rates, home minus road
        X = sp.hstack([X[:, :n_p], sp.csr_matrix(X[:, :n_p] @ box), X[:, n_p:]]).tocsr()
        # a whisker of ridge keeps gamma unique should two rates be collinear in a tiny fit
        penalty = np.concatenate([penalty[:n_p], np.full(box.shape[1], 1e-6), penalty[n_p:]])
    WX = sp.diags(w) @ X
    # Normal equations, (P+1) x (P+1) and sparse (a player meets a few hundred others): a
    # direct sparse solve is exact, single-threaded, and leaves the home column unpenalised,
    # which sklearn's Ridge cannot.
    A = (X.T @ WX + sp.diags(penalty)).tocsc()
    beta = spla.spsolve(A, WX.T @ y)
    if not np.isfinite(beta).all():  # pragma: no cover - alpha > 0 makes A positive definite
        raise ModelError(f"rapm: the ridge system at {at.date()} has no finite solution")
    evidence = np.bincount(j, weights=w[i] * np.abs(x), minlength=n_p)
    coef = beta[:n_p] if box is None else beta[:n_p] + box @ beta[n_p:n_p + box.shape[1]]
    return RapmFit(at, pd.Series(coef, index=players, name="coef"), float(beta[-1]), n_g,
                   pd.Series(evidence, index=players, name="evidence"))


def box_rates(logs: pd.DataFrame, j: np.ndarray, n_p: int, weight: np.ndarray,
              prior_minutes: float) -> np.ndarray:
    """[n_p, len(BOX_STATS)]: each player's (``j``: his index per row of ``logs``) rates per
    36 minutes over his rows weighted by ``weight``, shrunk towards the league's rate by
    ``prior_minutes`` of it, then z-scored over the players (weighted by their minutes)."""
    missing = [c for c in _BOX_RAW if c not in logs.columns]
    if missing:
        raise DataError(f"rapm: the box-score prior needs player_game_logs field(s) {missing}")
    stats = np.column_stack([
        logs["pts"], logs["fga"] - logs["fgm"], logs["fta"] - logs["ftm"], logs["fg3m"],
        logs["oreb"], logs["dreb"], logs["ast"], logs["stl"], logs["blk"], logs["tov"],
        logs["pf"]]).astype(float)
    bad = ~np.isfinite(logs[_BOX_RAW].to_numpy(float))
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        r = logs.iloc[row]
        raise DataError(f"rapm: player_game_logs game {r['game_id']} player {r['player_id']}:"
                        f" field {_BOX_RAW[col]} is {r[_BOX_RAW[col]]} (must be a number)")
    minutes = weight * logs["minutes"].to_numpy(float)
    tot = np.stack([np.bincount(j, weights=weight * stats[:, f], minlength=n_p)
                    for f in range(stats.shape[1])], axis=1)
    mins = np.bincount(j, weights=minutes, minlength=n_p)
    league = tot.sum(axis=0) / mins.sum()
    rate = 36.0 * (tot + prior_minutes * league) / (mins + prior_minutes)[:, None]
    mean = np.average(rate, axis=0, weights=mins + 1e-12)
    sd = np.sqrt(np.average((rate - mean) ** 2, axis=0, weights=mins + 1e-12))
    return (rate - mean) / np.where(sd > 1e-12, sd, 1.0)


# The player features this module adds to a roster row (``features.player_stats``).
RAPM_FEATURES = ("rapm_value", "rapm_weight_log1p")
_ANCHOR_DAY = int(to_days([_BLOCK_ANCHOR])[0])
# Fits shared across builds in one process (the snapshots, the game rosters and every
# prediction date of a backtest ask for the same weeks). Bounded: a fit is a few hundred KB
# at most, and a backtest walks forward, so old weeks are not asked for again.
_SHARED_FITS: OrderedDict[tuple, RapmFit] = OrderedDict()
_SHARED_MAX = 256


def refit_days_of(days: np.ndarray, refit_days: int) -> np.ndarray:
    """:func:`refit_date` on day numbers (``base.seasons.to_days``)."""
    days = np.asarray(days, dtype=np.int64)
    return days - (days - _ANCHOR_DAY) % refit_days


class RapmValues:
    """Each player's RAPM coefficient and evidence at given dates, from the refit in force at
    each date (games strictly before its refit date, which is on or before the date).

    ``data``'s games and player rows are sorted by date once; each refit date's fit is made
    once (shared across instances on the same data, see ``_SHARED_FITS``). A player absent
    from the fit (never played before the refit date) gets 0 and evidence 0."""

    def __init__(self, data: LeagueData, section: RapmSection) -> None:
        self.section = section
        self.data_hash = data.data_hash
        g = data.games
        self._games = g.iloc[np.argsort(to_days(g["game_date"]), kind="stable")]
        self._game_days = to_days(self._games["game_date"])
        logs = rapm_logs(data, section.box_prior)
        self._logs = logs.iloc[np.argsort(to_days(logs["game_date"]), kind="stable")]
        self._log_days = to_days(self._logs["game_date"])

    def fit_at(self, refit_day: int) -> RapmFit:
        """The fit on the games strictly before day ``refit_day`` (a refit date)."""
        n_g = int(np.searchsorted(self._game_days, refit_day, side="left"))
        n_l = int(np.searchsorted(self._log_days, refit_day, side="left"))
        s = self.section
        # The counts of rows before the date keep views of the same store apart.
        key = (self.data_hash, int(refit_day), n_g, n_l, s.alpha, s.half_life_years,
               s.box_prior, s.box_prior_minutes)
        fit = _SHARED_FITS.get(key)
        if fit is None:
            at = pd.Timestamp(np.datetime64(int(refit_day), "D"))
            fit = fit_rapm(self._games.iloc[:n_g], self._logs.iloc[:n_l], at, s)
            _SHARED_FITS[key] = fit
            while len(_SHARED_FITS) > _SHARED_MAX:
                _SHARED_FITS.popitem(last=False)
        else:
            _SHARED_FITS.move_to_end(key)
        return fit

    def features(self, pids: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
        """``rapm_value`` (points of margin per full game on the floor) and
        ``rapm_weight_log1p`` (log1p of the decayed full games behind it) per (pid, day)."""
        pids = np.asarray(pids, dtype=np.int64)
        at = refit_days_of(days, self.section.refit_days)
        value = np.zeros(len(pids))
        weight = np.zeros(len(pids))
        for d in np.unique(at):
            i = np.flatnonzero(at == d)
            fit = self.fit_at(int(d))
            value[i] = fit.coef.reindex(pids[i]).fillna(0.0).to_numpy(np.float64)
            weight[i] = fit.evidence.reindex(pids[i]).fillna(0.0).to_numpy(np.float64)
        return {"rapm_value": value, "rapm_weight_log1p": np.log1p(weight)}
