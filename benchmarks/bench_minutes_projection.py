"""How much of "knowing who plays" can the box scores alone give the plain RAPM? (issue 10)

The plain RAPM (``models.rapm``) weights each player's value by his share of his team's
minutes over its last ``rapm.minutes_games`` games. Issue 10 reported that giving it the
minutes actually played in each game (not knowable beforehand: a bound) cut its log loss
by about 0.008 on the test seasons. This measures, on the seasons given (validation seasons,
never test seasons, for a choice), three rotations in one walk-forward backtest, each fitted
and its games scored exactly as ``rapm``'s:

* ``rapm``: the default, the last games' minutes;
* ``rapm_projected``: each player's expected minutes in the team's next game from a
  regressor learned on the fit seasons' games (below): it can tell a rested star from a long
  absence and drops a player since seen with another team;
* ``rapm_actual``: the minutes each player actually played in the game being forecast (the
  bound; it uses the game itself, so it is no forecast). Regular-season games only: the
  store has no player rows for playoff games, which it rates as even.

Only the regular-season game log loss is compared. ``rapm_actual`` has no rotation at a date
without a game, so its rankings and title odds (in ``--out``'s backtest.json) are the
default rotation's, read through its own win model: not a figure to quote.

The projection's rows are (team, state, player): the team's ``state``-th game, every player
who played for it in one of its last ``--window`` games and whose latest appearance is for
this team. Features: his minutes in each of the team's last five games (0 if he sat), the
games he played and his mean minutes when he played over the window and the last five, and
how many games ago he last played. Target: his minutes in the team's next game (0 if he sat),
from transitions within a season. A gradient-boosted Poisson regressor (scikit-learn,
deterministic: no early-stopping split); a team's rotation is 5 x projected / projected
total. It is fitted on the seasons the win model is (``baselines.fit_seasons``).

It prints the projection's minutes error against the last games' mean, and the paired
bootstrap of each rotation's game log loss against the default.

Run: python benchmarks/bench_minutes_projection.py --db STORE --seasons 2016-17,2017-18,2018-19
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from truestrength.app.store import load_data
from truestrength.base.config import load_config
from truestrength.base.league import LeagueData
from truestrength.evaluation.backtest import backtest
from truestrength.features.player_rapm import FLOOR_SLOTS, rapm_logs
from truestrength.models.rapm import Rapm, rotation_states

LAGS = 5  # the last few games, one feature each: a rest night and an injury look alike
FEATURES = (*(f"lag{k}" for k in range(LAGS)), "played_window", "mean_window",
            "played_lags", "mean_lags", "games_since")


def minutes_rows(logs: pd.DataFrame, window: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``states`` (team_id, state, state_date) and the projection's ``rows`` (team_id, state,
    player_id, season, FEATURES, next_minutes, same_season) from player ``logs``."""
    tg = (logs[["team_id", "game_id", "game_date", "season"]]
          .drop_duplicates(["team_id", "game_id"])
          .sort_values(["team_id", "game_date", "game_id"]).reset_index(drop=True))
    tg["state"] = tg.groupby("team_id").cumcount()
    played = logs[logs["minutes"].to_numpy(float) > 0]
    rows = played[["team_id", "game_id", "player_id", "minutes"]].merge(
        tg[["team_id", "game_id", "state"]], on=["team_id", "game_id"])
    out = []
    for team, part in rows.groupby("team_id", sort=True):
        season = tg.loc[tg["team_id"] == team, "season"].to_numpy()
        n_s = len(season)
        players, col = np.unique(part["player_id"].to_numpy(np.int64), return_inverse=True)
        m = np.zeros((n_s + 1, len(players)))  # a zero row after the last game: no target
        np.add.at(m, (part["state"].to_numpy(), col), part["minutes"].to_numpy(float))
        on = m[:n_s] > 0
        idx = np.arange(n_s)[:, None]
        last_on = np.maximum.accumulate(np.where(on, idx, -1), axis=0)
        feats = {f"lag{k}": _shift(m[:n_s], k) for k in range(LAGS)}
        count_w, sum_w = _rolling(on, window), _rolling(m[:n_s], window)
        count_l, sum_l = _rolling(on, LAGS), _rolling(m[:n_s], LAGS)
        feats |= {"played_window": count_w, "mean_window": sum_w / np.maximum(count_w, 1),
                  "played_lags": count_l, "mean_lags": sum_l / np.maximum(count_l, 1),
                  "games_since": (idx - last_on).astype(float)}
        s, p = np.nonzero(count_w > 0)
        frame = pd.DataFrame({"team_id": team, "state": s, "player_id": players[p],
                              "season": season[s]})
        for name in FEATURES:
            frame[name] = feats[name][s, p]
        frame["next_minutes"] = np.where(s + 1 < n_s, m[s + 1, p], np.nan)
        frame["same_season"] = (s + 1 < n_s) & (season[np.minimum(s + 1, n_s - 1)]
                                                == season[s])
        out.append(frame)
    states = tg[["team_id", "state", "game_date"]].rename(columns={"game_date": "state_date"})
    return states, _still_here(pd.concat(out, ignore_index=True), states, played)


def _shift(m: np.ndarray, k: int) -> np.ndarray:
    """``m`` moved down ``k`` rows (row s holds row s - k), zeros shifted in."""
    return np.vstack([np.zeros((k, m.shape[1])), m[:len(m) - k]]) if k else m


def _rolling(m: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``m`` over each row and the ``n - 1`` rows before it."""
    c = np.vstack([np.zeros((1, m.shape[1])), np.cumsum(m, axis=0, dtype=float)])
    return c[1:] - c[np.maximum(np.arange(1, len(c)) - n, 0)]


def _still_here(rows: pd.DataFrame, states: pd.DataFrame, played: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without a player whose latest appearance on or before the state's date (the
    team's last game, not the forecast date) is for another team: traded or signed away."""
    dated = rows.merge(states, on=["team_id", "state"], how="left")
    seen = (played[["player_id", "game_date", "team_id"]]
            .rename(columns={"team_id": "latest_team"}).sort_values("game_date"))
    order = np.argsort(dated["state_date"].to_numpy(), kind="stable")
    latest = pd.merge_asof(dated.iloc[order][["player_id", "state_date"]].reset_index(),
                           seen, left_on="state_date", right_on="game_date", by="player_id")
    keep = np.empty(len(dated), dtype=bool)
    keep[latest["index"].to_numpy()] = (latest["latest_team"].to_numpy()
                                        == dated["team_id"].to_numpy()[latest["index"]])
    return rows[keep].reset_index(drop=True)


def regressor(trees: int) -> HistGradientBoostingRegressor:
    # Poisson: minutes are >= 0 and a rotation needs their mean. No early stopping: its
    # random hold-out would make the fit depend on a draw.
    return HistGradientBoostingRegressor(loss="poisson", max_iter=trees, learning_rate=0.1,
                                         max_leaf_nodes=15, min_samples_leaf=50,
                                         early_stopping=False, random_state=0)


def with_season(logs: pd.DataFrame, data: LeagueData) -> pd.DataFrame:
    season = data.games.set_index("game_id")["season"]
    return logs.assign(season=season.reindex(logs["game_id"]).to_numpy())


class ProjectedRapm(Rapm):
    """``rapm`` whose rotation is the learned projection of the next game's minutes."""

    name = "rapm_projected"
    window, trees = 20, 200

    def fit(self, history: LeagueData) -> ProjectedRapm:
        self._data = history  # the games frame that dates a log row's season
        _, rows = minutes_rows(with_season(rapm_logs(history), history), self.window)
        train = rows[rows["same_season"] & rows["season"].isin(
            history.seasons[-self.fit_seasons:])]
        self.model_ = regressor(self.trees).fit(train[list(FEATURES)].to_numpy(float),
                                                train["next_minutes"].to_numpy(float))
        return super().fit(history)

    def ratings_dates(self, data: LeagueData, dates: list[pd.Timestamp]) -> list[pd.Series]:
        self._data = data
        return super().ratings_dates(data, dates)

    def ratings(self, known: LeagueData, as_of: pd.Timestamp, out: frozenset[int] = frozenset(),
                moved=None) -> pd.Series:
        """The backtest's fixed dates (rankings, title odds) read the projection too."""
        if out or moved:
            raise NotImplementedError("rapm_projected: no availability in this benchmark")
        return self.ratings_dates(known, [as_of])[0]

    def _rotations(self, logs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        states, rows = minutes_rows(with_season(logs, self._data), self.window)
        pred = self.model_.predict(rows[list(FEATURES)].to_numpy(float))
        total = pd.Series(pred).groupby([rows["team_id"].to_numpy(),
                                         rows["state"].to_numpy()]).transform("sum")
        return states, rows[["team_id", "state", "player_id"]].assign(
            share=FLOOR_SLOTS * pred / total.to_numpy())


class ActualRapm(Rapm):
    """``rapm`` rating each game by the minutes played in it: a bound, not a forecast."""

    name = "rapm_actual"

    def _rotations(self, logs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        states, shares = rotation_states(logs, 1)
        shares = shares.assign(state=shares["state"] - 1)  # state s rates game s + 1
        return states, shares[shares["state"] >= 0]


def minutes_error(data: LeagueData, seasons: list[str], window: int, trees: int,
                  fit_seasons: int) -> pd.DataFrame:
    """Per season: mean absolute and root mean square error of the next game's minutes, the
    projection (fitted on the ``fit_seasons`` before it) against the last ``LAGS`` games'
    mean, over the projection's rows."""
    _, rows = minutes_rows(with_season(rapm_logs(data), data), window)
    rows = rows[rows["same_season"]]
    out = []
    for season in seasons:
        fit_on = data.seasons_before(season)[-fit_seasons:]
        train = rows[rows["season"].isin(fit_on)]
        test = rows[rows["season"] == season]
        model = regressor(trees).fit(train[list(FEATURES)].to_numpy(float),
                                     train["next_minutes"].to_numpy(float))
        y = test["next_minutes"].to_numpy(float)
        for name, pred in (("projected", model.predict(test[list(FEATURES)].to_numpy(float))),
                           ("last games mean", test["mean_lags"].to_numpy(float)
                            * test["played_lags"].to_numpy(float) / LAGS)):
            out.append({"season": season, "projection": name, "rows": len(y),
                        "mae": np.abs(pred - y).mean(),
                        "rmse": np.sqrt(((pred - y) ** 2).mean())})
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seasons", required=True, help="comma-separated test seasons")
    ap.add_argument("-c", "--config", type=Path, default=None)
    ap.add_argument("--window", type=int, default=ProjectedRapm.window)
    ap.add_argument("--trees", type=int, default=ProjectedRapm.trees)
    ap.add_argument("--out", type=Path, default=None, help="write the backtest here")
    args = ap.parse_args()
    config = load_config(args.config)
    seasons = args.seasons.split(",")
    ProjectedRapm.window, ProjectedRapm.trees = args.window, args.trees
    data = load_data(args.db)
    t = time.perf_counter()
    err = minutes_error(data, seasons, args.window, args.trees, config.baselines.fit_seasons)
    print(err.to_string(index=False, float_format="%.3f"))
    print(f"(minutes error: {time.perf_counter() - t:.1f} s)\n")
    made = {cls.name: (lambda cls=cls: cls(config.rapm, config.baselines))
            for cls in (Rapm, ProjectedRapm, ActualRapm)}
    res = backtest(data, made, config.backtest.model_copy(update={"test_seasons": seasons}),
                   config.simulation, progress=False)
    if args.out:
        res.write(args.out, reference="rapm")
    reg = res.games[res.games["kind"] == "regular"]
    y = reg["home_won"].to_numpy(float)
    p = reg["p_home"].to_numpy(float)
    ll = pd.Series(-(y * np.log(p) + (1 - y) * np.log(1 - p)), index=reg.index)
    table = ll.groupby([reg["season"], reg["predictor"]]).mean().unstack()
    print("regular-season game log loss\n" + table.to_string(float_format="%.4f"))
    print(f"pooled: {ll.groupby(reg['predictor']).mean().to_dict()}\n")
    print("paired over games, minus rapm (negative = better), 95%:")
    print(res.paired_games("rapm").to_string(index=False, float_format="%.4f"))


if __name__ == "__main__":
    main()
