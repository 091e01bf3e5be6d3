"""``rapm``: plain player RAPM, the player-level yardstick of issue 10.

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
  prior), which is the "plain" part: no box-score prior, no aging. Adding one number to every
  player moves no margin (each side's shares sum to 5), so values are relative to the league:
  the penalty puts their mean near 0, and only differences between teams mean anything.

It is refitted on the first date of each ``refit_days`` block (blocks start on Mondays, a
fixed calendar, so the fit used at a date never depends on which dates were asked before),
from the games strictly before that date; dates inside a block reuse it.

A team at date ``d`` is the sum over its players of coefficient x (his share of the team's
minutes over the team's last ``minutes_games`` games before ``d``) x 5: whoever played
lately, traded or injured players included, as nothing else is known. That sum is the team's
score. P(home wins) is a logistic of the score difference and a home term
(``base.game_model``), fitted in ``fit`` on the last ``baselines.fit_seasons`` training
seasons, each game scored exactly as at prediction time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from truestrength.base.config import BaselinesSection, RapmSection
from truestrength.base.errors import DataError, ModelError, check_is_fitted
from truestrength.base.game_model import LogisticWinModel, fit_logistic_win_model
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction

FLOOR_SLOTS = 5  # players on the floor per team: the rules, not a setting
# Refit blocks are counted from a Monday, so a week's refit falls on its Monday.
_BLOCK_ANCHOR = pd.Timestamp("2000-01-03")
_LOG_COLS = ["game_id", "game_date", "team_id", "player_id", "minutes"]


@dataclass(frozen=True)
class RapmFit:
    """One ridge fit: what the games strictly before ``refit_date`` say of each player."""

    refit_date: pd.Timestamp
    coef: pd.Series  # index player_id: points of margin per game on the floor throughout
    home: float  # points of home margin between equal lineups
    n_games: int

    def team_ratings(self, shares: pd.DataFrame) -> pd.Series:
        """Per team of ``shares`` (columns team_id, player_id, share): sum of coef x share."""
        c = self.coef.reindex(shares["player_id"]).fillna(0.0).to_numpy()
        contrib = pd.Series(c * shares["share"].to_numpy(), index=shares["team_id"].to_numpy())
        return contrib.groupby(level=0).sum()


def refit_date(date: pd.Timestamp, refit_days: int) -> pd.Timestamp:
    """The first date of the ``refit_days`` block holding ``date``."""
    date = pd.Timestamp(date).normalize()
    return date - pd.Timedelta(days=(date - _BLOCK_ANCHOR).days % refit_days)


def _logs(known: LeagueData) -> pd.DataFrame:
    logs = known.player_logs[_LOG_COLS]
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
        return RapmFit(at, pd.Series(dtype=float), 0.0, 0)
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
    WX = sp.diags(w) @ X
    penalty = np.full(n_p + 1, section.alpha)
    penalty[-1] = 0.0 if home_col.any() else 1.0  # all neutral: home coef fixed at 0
    # Normal equations, (P+1) x (P+1) and sparse (a player meets a few hundred others): a
    # direct sparse solve is exact, single-threaded, and leaves the home column unpenalised,
    # which sklearn's Ridge cannot.
    A = (X.T @ WX + sp.diags(penalty)).tocsc()
    beta = spla.spsolve(A, WX.T @ y)
    if not np.isfinite(beta).all():  # pragma: no cover - alpha > 0 makes A positive definite
        raise ModelError(f"rapm: the ridge system at {at.date()} has no finite solution")
    return RapmFit(at, pd.Series(beta[:n_p], index=players, name="coef"), float(beta[-1]), n_g)


def rotation_states(logs: pd.DataFrame, n_games: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each team's rotation after each of its games: the players' share of the team's
    minutes over that game and the ``n_games - 1`` before it, times 5.

    Returns ``states`` (team_id, state, state_date: the team's ``state``-th game, from 0, and
    its date) and ``shares`` (team_id, state, player_id, share). A team's entries of one state
    sum to 5.
    """
    tg = (logs[["team_id", "game_id", "game_date"]].drop_duplicates(["team_id", "game_id"])
          .sort_values(["team_id", "game_date", "game_id"]).reset_index(drop=True))
    tg["state"] = tg.groupby("team_id").cumcount()
    rows = logs[["team_id", "game_id", "player_id", "minutes"]].merge(
        tg[["team_id", "game_id", "state"]], on=["team_id", "game_id"])
    last = tg.groupby("team_id")["state"].max()
    # A game's minutes count in the state after it and after each of the next n-1 games.
    ex = pd.concat([rows.assign(state=rows["state"] + o) for o in range(n_games)],
                   ignore_index=True)
    ex = ex[ex["state"].to_numpy() <= last.reindex(ex["team_id"]).to_numpy()]
    pm = ex.groupby(["team_id", "state", "player_id"], sort=True)["minutes"].sum()
    tm = pm.groupby(level=[0, 1]).transform("sum")
    if (tm <= 0).any():
        team, state = tm.index[(tm <= 0).to_numpy()][0][:2]
        gid = tg.loc[(tg["team_id"] == team) & (tg["state"] == state), "game_id"].iloc[0]
        raise DataError(f"rapm: team {team} has no player minutes in its {n_games} games up to "
                        f"game {gid} (player_game_logs field minutes)")
    shares = (FLOOR_SLOTS * pm / tm).rename("share").reset_index()
    return tg[["team_id", "state", "game_date"]].rename(
        columns={"game_date": "state_date"}), shares


def latest_shares(logs: pd.DataFrame, n_games: int) -> pd.DataFrame:
    """Each team's shares (team_id, player_id, share) over its last ``n_games`` games in
    ``logs``: the state after its latest game, computed from those games alone."""
    tg = logs[["team_id", "game_id", "game_date"]].drop_duplicates(["team_id", "game_id"])
    tail = tg.sort_values(["team_id", "game_date", "game_id"]).groupby("team_id").tail(n_games)
    recent = logs.merge(tail[["team_id", "game_id"]], on=["team_id", "game_id"])
    if recent.empty:
        return pd.DataFrame({"team_id": [], "player_id": [], "share": []})
    states, shares = rotation_states(recent, n_games)
    newest = states.groupby("team_id")["state"].max()
    keep = shares["state"].to_numpy() == newest.reindex(shares["team_id"]).to_numpy()
    return shares.loc[keep, ["team_id", "player_id", "share"]].reset_index(drop=True)


class Rapm:
    """Plain player RAPM as a :class:`~truestrength.base.predictor.Predictor`."""

    name = "rapm"

    def __init__(self, section: RapmSection | None = None,
                 baselines: BaselinesSection | None = None) -> None:
        self.section = section or RapmSection()
        self.fit_seasons = (baselines or BaselinesSection()).fit_seasons
        self.win_model: LogisticWinModel | None = None
        # Ridge fits by refit date. The key also holds how many games and player rows lie
        # before that date, so a view of other data cannot be served a stale fit.
        self._fits: dict[tuple, RapmFit] = {}

    def _fit_at(self, known: LeagueData, date: pd.Timestamp) -> RapmFit:
        at = refit_date(date, self.section.refit_days)
        before = known.before(at)
        games, logs = before.games, _logs(before)
        key = (known.data_hash, at, len(games), len(logs))
        if key not in self._fits:
            self._fits[key] = fit_rapm(games, logs, at, self.section)
        return self._fits[key]

    def fit(self, history: LeagueData) -> Rapm:
        seasons = history.seasons[-self.fit_seasons:]
        games = history.games[history.games["season"].isin(seasons)]
        if games.empty:
            raise ModelError(f"rapm: no training games in {seasons} to fit the game model on")
        logs = _logs(history)
        states, shares = rotation_states(logs, self.section.minutes_games)
        # Each side's rotation: the team's state after its last game strictly before the date.
        sides = []
        for side in ("home", "road"):
            s = pd.DataFrame({"game_id": games["game_id"].to_numpy(),
                              "game_date": games["game_date"].to_numpy(),
                              "team_id": games[f"{side}_team_id"].to_numpy(), "side": side})
            s = pd.merge_asof(s.sort_values("game_date"),
                              states.sort_values("state_date"), left_on="game_date",
                              right_on="state_date", by="team_id", allow_exact_matches=False)
            sides.append(s)
        sides = pd.concat(sides, ignore_index=True)
        sides["at"] = [refit_date(d, self.section.refit_days) for d in sides["game_date"]]
        rating = np.zeros(len(sides))
        has_state = sides["state"].notna().to_numpy()
        for at, idx in sides.groupby("at").indices.items():
            idx = idx[has_state[idx]]
            if not len(idx):
                continue
            fit = self._fit_at(history, at)
            part = sides.iloc[idx][["team_id", "state"]].astype({"state": int})
            part["row"] = idx
            m = part.merge(shares, on=["team_id", "state"])
            c = fit.coef.reindex(m["player_id"]).fillna(0.0).to_numpy()
            np.add.at(rating, m["row"].to_numpy(), c * m["share"].to_numpy())
        sides["rating"] = rating
        wide = sides.pivot(index="game_id", columns="side", values="rating").reindex(
            games["game_id"])
        diff = (wide["home"] - wide["road"]).to_numpy(float)
        won = (games["home_pts"] > games["road_pts"]).to_numpy()
        neutral = games["neutral_site"].to_numpy(bool)
        if np.std(diff) == 0:
            # No player rows before the fit seasons' games: only the home edge is learnt.
            rate = won[~neutral].mean() if (~neutral).any() else 0.5
            self.win_model = LogisticWinModel(float(np.log(rate / (1 - rate))), 0.0, len(diff))
        else:
            self.win_model = fit_logistic_win_model(diff, won, neutral)
        return self

    def ratings(self, known: LeagueData, as_of: pd.Timestamp) -> pd.Series:
        """Every team with player rows before ``as_of``: its rating (points of margin)."""
        as_of = pd.Timestamp(as_of).normalize()
        known = known.before(as_of)  # never more than the games strictly before as_of
        fit = self._fit_at(known, as_of)
        return fit.team_ratings(latest_shares(_logs(known), self.section.minutes_games))

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        check_is_fitted(self, "win_model")
        r = self.ratings(known, as_of)
        scores = (r.reindex(known.teams_of_season(season)).fillna(0.0).astype(float)
                  .rename(self.name))
        return Prediction(scores, self.win_model.win_prob(scores))
