"""``rapm``: plain player RAPM, the player-level yardstick of issue 10.

The ridge fit of game margins on the minutes-weighted players who played, refitted weekly
on the games strictly before each refit date, is ``features.player_rapm`` (``fit_rapm``,
``RapmFit``, ``refit_date``): Model A's roster features read the same fit.

A team at date ``d`` is the sum over its players of coefficient x (his share of the team's
minutes over the team's last ``minutes_games`` games before ``d``) x 5: whoever played
lately, traded or injured players included, as nothing else is known. That sum is the team's
score. P(home wins) is a logistic of the score difference and a home term
(``base.game_model``), fitted in ``fit`` on the last ``baselines.fit_seasons`` training
seasons, each game scored exactly as at prediction time.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from truestrength.base import memo
from truestrength.base.config import BaselinesSection, RapmSection
from truestrength.base.errors import DataError, ModelError, check_is_fitted
from truestrength.base.game_model import (
    LogisticWinModel,
    b2b_of,
    fit_win_model_or_home_edge,
)
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction
from truestrength.features.player_rapm import (
    FLOOR_SLOTS,
    RapmFit,
    fit_rapm,
    rapm_logs,
    refit_date,
)
from truestrength.features.playoff_rotation import PlayoffRotation, playoff_shares

# Weekly ridge fits a backtest keeps: ten seasons' worth (about 28 a season, each ~0.1 MB).
RAPM_KEPT = 300

__all__ = ["Rapm", "RapmFit", "fit_rapm", "latest_shares", "refit_date", "rotation_states",
           "available"]


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


def available(shares: pd.DataFrame, out: frozenset[int] = frozenset(),
              moved: Mapping[int, int] | None = None) -> pd.DataFrame:
    """``shares`` with the players in ``out`` removed and each player in ``moved`` (player_id
    -> new team) carried to his new team with the share he had; every team that lost or
    gained a player is scaled back to 5 floor slots (the out player's minutes are played by
    the rest of the rotation in proportion). A team whose whole recent rotation is out is
    dropped (no rating: the league average)."""
    moved = dict(moved or {})
    if not out and not moved:
        return shares
    # numpy, not pandas: a prediction asks this once per availability phase
    pid = shares["player_id"].to_numpy(np.int64)
    team = shares["team_id"].to_numpy(np.int64)
    share = shares["share"].to_numpy(float)
    gone = np.isin(pid, np.fromiter(out, np.int64, len(out)))
    lost = team[gone]
    pid, team, share = pid[~gone], team[~gone], share[~gone]
    new_team = np.array([moved.get(int(p), t) for p, t in zip(pid, team, strict=True)],
                        dtype=np.int64)
    move = np.array([int(p) in moved for p in pid], dtype=bool)
    touched = np.unique(np.concatenate([lost, team[move], new_team[move]]))
    # Rows by team and player, as ``latest_shares`` gives them: an untouched team's rating
    # then sums the same numbers in the same order. A player moved to a team he already has
    # a row on (none in practice) is one row, his shares summed.
    keys, inverse = np.unique(np.stack([new_team, pid], axis=1), axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=share, minlength=len(keys))
    teams, by_team = np.unique(keys[:, 0], return_inverse=True)
    total = np.bincount(by_team, weights=summed)[by_team]
    # Only a team that lost or gained a player is rescaled: the others keep their shares to
    # the bit.
    scaled = np.where(np.isin(keys[:, 0], touched), FLOOR_SLOTS * summed / np.where(
        total > 0, total, 1.0), summed)
    keep = total > 0
    return pd.DataFrame({"team_id": keys[keep, 0], "player_id": keys[keep, 1],
                         "share": scaled[keep]})


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
        # The rotations of the last date rated, under the same kind of key: a prediction
        # rates one date under each of its availability phases.
        self._shares: tuple[tuple, pd.DataFrame] | None = None

    def _rotations(self, logs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Each team's rotation after each of its games in ``logs`` (``rotation_states``):
        the one place the fit and the dated ratings read it from, so that an experiment
        (``benchmarks/bench_minutes_projection.py``) can put another rotation in both."""
        return rotation_states(logs, self.section.minutes_games)

    def fit_at(self, known: LeagueData, date: pd.Timestamp) -> RapmFit:
        """The ridge fit in force at ``date``: its week's refit, on the games strictly
        before the refit date (made once per refit date and view of the data)."""
        at = refit_date(date, self.section.refit_days)
        before = known.before(at)
        key = (known.data_hash, at, len(before.games), len(before.player_logs))
        if key not in self._fits:
            games, logs = before.games, rapm_logs(before, self.section.box_prior)
            # In a backtest every A+B fit reads the same weekly fits of its training seasons.
            self._fits[key] = memo.reuse(
                lambda: ("rapm", *key, self.section.model_dump_json()),
                lambda: fit_rapm(games, logs, at, self.section), pool="rapm", kept=RAPM_KEPT)
        return self._fits[key]

    def fit(self, history: LeagueData) -> Rapm:
        seasons = history.seasons[-self.fit_seasons:]
        games = history.games[history.games["season"].isin(seasons)]
        if games.empty:
            raise ModelError(f"rapm: no training games in {seasons} to fit the game model on")
        states, shares = self._rotations(rapm_logs(history))
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
            fit = self.fit_at(history, at)
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
        # No player rows before the fit seasons' games: only the home edge is learnt.
        self.win_model = fit_win_model_or_home_edge(diff, won, neutral, b2b_of(games))
        return self

    def ratings(self, known: LeagueData, as_of: pd.Timestamp,
                out: frozenset[int] = frozenset(),
                moved: Mapping[int, int] | None = None) -> pd.Series:
        """Every team with player rows before ``as_of``: its rating (points of margin), the
        players in ``out`` left out of its rotation and those in ``moved`` on their new
        teams (:func:`available`)."""
        as_of = pd.Timestamp(as_of).normalize()
        known = known.before(as_of)  # never more than the games strictly before as_of
        fit = self.fit_at(known, as_of)
        key = (known.data_hash, as_of, len(known.player_logs))
        if self._shares is None or self._shares[0] != key:
            self._shares = key, latest_shares(rapm_logs(known), self.section.minutes_games)
        return fit.team_ratings(available(self._shares[1], out, moved))

    def playoff_ratings(self, known: LeagueData, season: str, as_of: pd.Timestamp,
                        rotation: PlayoffRotation, out: frozenset[int] = frozenset(),
                        moved: Mapping[int, int] | None = None,
                        returning: frozenset[int] = frozenset()) -> pd.Series:
        """Every team with player rows before ``as_of``: its rating played by its playoff
        rotation (``features.playoff_rotation.playoff_shares``) instead of its last games'
        rotation, with the fit in force at ``as_of``. The rotation is read from the season's
        rows; a team without any yet (before its first game) from the previous season's
        rows of the players who have not played this season."""
        as_of = pd.Timestamp(as_of).normalize()
        known = known.before(as_of)
        logs = rapm_logs(known)
        seasons = known.player_logs["season"].to_numpy()
        now = logs[seasons == season]
        shares = playoff_shares(now, rotation, out, moved, returning)
        prev = known.previous_season(season)
        if prev is not None:
            # As the last-games rotation carries a team's previous rows over until it plays.
            earlier = logs[(seasons == prev) & ~logs["player_id"].isin(now["player_id"])]
            carried = playoff_shares(earlier, rotation, out, moved, returning)
            shares = pd.concat([shares, carried[~carried["team_id"].isin(shares["team_id"])]],
                               ignore_index=True)
        return self.fit_at(known, as_of).team_ratings(shares)

    def ratings_dates(self, data: LeagueData, dates: list[pd.Timestamp]) -> list[pd.Series]:
        """``ratings(data.before(d), d)`` at each of ``dates``: every team's rotation after
        each of its games is computed once, and each date reads the state after the team's
        last game strictly before it (the same last ``minutes_games`` games)."""
        dates = [pd.Timestamp(x).normalize() for x in dates]
        states, shares = self._rotations(rapm_logs(data))
        grid = pd.MultiIndex.from_product([dates, states["team_id"].unique()],
                                          names=["date", "team_id"]).to_frame(index=False)
        state = pd.merge_asof(grid.sort_values("date"), states.sort_values("state_date"),
                              left_on="date", right_on="state_date", by="team_id",
                              allow_exact_matches=False).dropna(subset=["state"])
        rows = state.astype({"state": int}).merge(shares, on=["team_id", "state"])
        by_date = dict(list(rows.groupby("date")))
        empty = shares.iloc[:0]
        # One lookup per refit week, not per date: finding a fit cuts the data at its date.
        fits = {week: self.fit_at(data, week)
                for week in {refit_date(d, self.section.refit_days) for d in dates}}
        return [fits[refit_date(d, self.section.refit_days)].team_ratings(by_date.get(d, empty))
                for d in dates]

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        check_is_fitted(self, "win_model")
        return self._prediction(self.ratings(known, as_of), known.teams_of_season(season))

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        """``predict(data.before(d), season, d)`` at each of ``dates`` (:meth:`ratings_dates`)."""
        check_is_fitted(self, "win_model")
        dates = [pd.Timestamp(x).normalize() for x in dates]
        return [self._prediction(r, data.before(d).teams_of_season(season))
                for r, d in zip(self.ratings_dates(data, dates), dates, strict=True)]

    def _prediction(self, ratings: pd.Series, teams: list[int]) -> Prediction:
        scores = ratings.reindex(teams).fillna(0.0).astype(float).rename(self.name)
        return Prediction(scores, self.win_model.win_prob(scores))
