"""The predictors a user would otherwise trust, each strictly from games before the date.

- ``win_pct``: win% to date in the season's standings games.
- ``point_diff``: point differential per game to date.
- ``srs``: margin adjusted for schedule by least squares, ratings summing to zero, with a
  fitted home edge (``ratings.srs``).
- ``elo``: FiveThirtyEight-style Elo over every game since the first season in the data
  (2010-11 for the real data), a quarter of the way back to the mean between seasons.
- ``elo_calibrated``: the same Elo ratings, but P(home wins) from a logistic of the pre-game
  Elo difference and a home term (none on neutral sites) refitted in ``fit`` on the last
  ``fit_seasons`` training seasons, instead of Elo's fixed 400-point logit and 100-point home
  edge (``calibrate_elo``).
- ``prev_rank``: the previous season's final league rank (constant through the season).
- ``rapm``: plain player RAPM, a ridge regression of margins on the players who played
  (``models.rapm``), the player-level yardstick of issue 10.

Game probabilities: Elo by its own formula; the others by a logistic fit of
P(home wins) on the rating difference, fitted in ``fit`` on the last ``fit_seasons`` (default 2)
training seasons only, with ratings taken before each game's date exactly as at prediction time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.base import ratings
from truestrength.base.config import BaselinesSection, Config, EloSection
from truestrength.base.errors import DataError, ModelError, check_is_fitted
from truestrength.base.game_model import (
    LogisticWinModel,
    b2b_of,
    fit_game_model,
    fit_win_model_or_home_edge,
)
from truestrength.base.league import LeagueData, back_to_backs
from truestrength.base.predictor import Prediction, Predictor
from truestrength.base.targets import standings
from truestrength.models.rapm import Rapm

_RATING_COLS = ["game_id", "season", "game_date", "kind", "home_team_id", "road_team_id",
                "home_pts", "road_pts", "neutral_site", "counts_for_standings"]


def _season_games(known: LeagueData, season: str) -> pd.DataFrame:
    # Only the columns ratings need: the games frame is wide (box totals).
    return known.standings_games(season)[_RATING_COLS]


class _RatingBaseline:
    """A rating per team at a date, plus a logistic game model on rating differences."""

    name = "rating"
    default = 0.0  # rating of a team with no game yet

    def __init__(self, section: BaselinesSection | None = None) -> None:
        self.fit_seasons = (section or BaselinesSection()).fit_seasons
        self.win_model: LogisticWinModel | None = None

    def rating(self, known: LeagueData, season: str) -> pd.Series:
        raise NotImplementedError

    def _scores(self, known: LeagueData, season: str) -> pd.Series:
        teams = known.teams_of_season(season)
        r = self.rating(known, season)
        return r.reindex(teams).fillna(self.default).astype(float).rename(self.name)

    def fit(self, history: LeagueData) -> _RatingBaseline:
        seasons = history.seasons[-self.fit_seasons:]
        diffs, won, neutral, b2b = [], [], [], []
        for season in seasons:
            season_games = history.games[history.games["season"] == season]
            for date, day in season_games.groupby("game_date", sort=True):
                r = self._scores(history.before(date), season)
                diffs.append(r.reindex(day["home_team_id"]).to_numpy()
                             - r.reindex(day["road_team_id"]).to_numpy())
                won.append((day["home_pts"] > day["road_pts"]).to_numpy())
                neutral.append(day["neutral_site"].to_numpy(dtype=bool))
                b2b.append(b2b_of(day))
        if not diffs:
            raise ModelError(f"{self.name}: no training games to fit the game model on")
        d, w, n = np.concatenate(diffs), np.concatenate(won), np.concatenate(neutral)
        # e.g. prev_rank with no earlier season: only the home edge can be learnt.
        self.win_model = fit_win_model_or_home_edge(d, w, n, np.concatenate(b2b))
        return self

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        check_is_fitted(self, "win_model")
        scores = self._scores(known, season)
        return Prediction(scores, self.win_model.win_prob(scores))


class WinPct(_RatingBaseline):
    name = "win_pct"
    default = 0.5

    def rating(self, known: LeagueData, season: str) -> pd.Series:
        g = _season_games(known, season)
        return ratings.win_pct(g) if len(g) else pd.Series(dtype=float)


class PointDiff(_RatingBaseline):
    name = "point_diff"

    def rating(self, known: LeagueData, season: str) -> pd.Series:
        g = _season_games(known, season)
        return ratings.point_diff_per_game(g) if len(g) else pd.Series(dtype=float)


class SRS(_RatingBaseline):
    name = "srs"

    def rating(self, known: LeagueData, season: str) -> pd.Series:
        g = _season_games(known, season)
        return ratings.srs(g) if len(g) else pd.Series(dtype=float)


class PrevRank(_RatingBaseline):
    """Minus last season's final league rank, so that higher is stronger."""

    name = "prev_rank"

    def __init__(self, section: BaselinesSection | None = None) -> None:
        super().__init__(section)
        # A finished season's standings never change, so they are computed once per season.
        self._final: dict[str, pd.Series] = {}

    def rating(self, known: LeagueData, season: str) -> pd.Series:
        prev = known.previous_season(season)
        if prev is None:
            return pd.Series(dtype=float)
        if prev not in self._final:
            table = standings(known, prev)
            self._final[prev] = -table.set_index("team_id")["league_rank"].astype(float)
        return self._final[prev]

    def _scores(self, known: LeagueData, season: str) -> pd.Series:
        # A team new to the league ranks below everyone it did not play against last season.
        r = self.rating(known, season)
        teams = known.teams_of_season(season)
        fill = (r.min() - 1.0) if len(r) else 0.0
        return r.reindex(teams).fillna(fill).astype(float).rename(self.name)


class Elo:
    name = "elo"

    def __init__(self, config: EloSection | None = None) -> None:
        self.config = config or EloSection()

    def fit(self, history: LeagueData) -> Elo:
        # Elo has no fitted parameters: its K, home edge and carry-over are fixed constants.
        return self

    def predict(self, known: LeagueData, season: str, as_of: pd.Timestamp) -> Prediction:
        return self.predict_dates(known, season, [as_of])[0]

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        """``predict(data.before(d), season, d)`` at each of ``dates``: Elo is run once, over
        the games before the last date, and read before each date."""
        dates = [pd.Timestamp(d).normalize() for d in dates]
        games = data.games
        hist = ratings.elo_history(games[games["game_date"] < max(dates)], self.config)
        teams = data.teams_of_season(season)
        return [self._prediction(
            ratings.elo_ratings_from_history(hist, d, season, self.config)
            .reindex(teams).fillna(self.config.initial).astype(float).rename(self.name))
            for d in dates]

    def _prediction(self, scores: pd.Series) -> Prediction:
        config = self.config

        # 538's constants have no back-to-back term; ``elo_calibrated`` fits one.
        def win_prob(home: np.ndarray, road: np.ndarray, neutral: np.ndarray,
                     b2b: np.ndarray | None = None) -> np.ndarray:
            return np.asarray(ratings.elo_win_prob(scores.reindex(home).to_numpy(),
                                                   scores.reindex(road).to_numpy(),
                                                   np.asarray(neutral, bool), config),
                              dtype=float)

        return Prediction(scores, win_prob)


def calibrate_elo(games: pd.DataFrame, seasons: list[str],
                  config: EloSection | None = None) -> LogisticWinModel:
    """Elo's game model refitted: P(home wins) = sigmoid(a * (not neutral) + b * (elo_home -
    elo_road)), fitted on the games of ``seasons``.

    Elo is run over every game of ``games`` (from its first season, as at prediction time), and
    each game's difference is of the ratings before it: a team plays once a day, so that is the
    rating ``elo_ratings_before`` gives on the game's date. The caller passes only games before
    the season being predicted; nothing here filters by date.
    """
    config = config or EloSection()
    if "home_b2b" not in games.columns:  # a bare games frame rather than LeagueData.games
        home, road = back_to_backs(games)
        games = games.assign(home_b2b=home, road_b2b=road)
    hist = ratings.elo_history(games, config)
    hist = hist[hist["season"].isin(seasons)]
    if hist.empty:
        raise ModelError(f"elo_calibrated: no games in the fit seasons {seasons} to refit "
                         "Elo's game model on")
    # Scores indexed (date, team) so that the shared game-model fit reads them like any other
    # predictor's pre-game scores.
    scores = pd.Series(
        np.concatenate([hist["elo_home"].to_numpy(), hist["elo_road"].to_numpy()]),
        index=pd.MultiIndex.from_arrays(
            [np.concatenate([hist["game_date"].to_numpy()] * 2),
             np.concatenate([hist["home_team_id"].to_numpy(), hist["road_team_id"].to_numpy()])],
            names=["date", "team_id"]))
    twice = scores.index.duplicated()
    if twice.any():
        date, team = scores.index[twice][0]
        raise DataError(f"elo_calibrated: team {team} plays twice on {pd.Timestamp(date).date()}"
                        " in the games table; its pre-game rating is ambiguous")
    won = games.set_index("game_id").loc[
        hist["game_id"], ["home_pts", "road_pts", "home_b2b", "road_b2b"]]
    fit_rows = hist.assign(**{c: won[c].to_numpy() for c in won.columns})
    return fit_game_model(scores, fit_rows, "elo_calibrated")


class EloCalibrated(Elo):
    """Elo's ratings with their logit slope and home edge refitted before each season."""

    name = "elo_calibrated"

    def __init__(self, config: EloSection | None = None,
                 section: BaselinesSection | None = None) -> None:
        super().__init__(config)
        self.fit_seasons = (section or BaselinesSection()).fit_seasons
        self.win_model: LogisticWinModel | None = None

    def fit(self, history: LeagueData) -> EloCalibrated:
        # Elo runs over every training season; only the last fit_seasons are fitted on, so the
        # ratings have had earlier seasons to settle.
        self.win_model = calibrate_elo(history.games, history.seasons[-self.fit_seasons:],
                                       self.config)
        return self

    def predict_dates(self, data: LeagueData, season: str,
                      dates: list[pd.Timestamp]) -> list[Prediction]:
        check_is_fitted(self, "win_model")
        return super().predict_dates(data, season, dates)

    def _prediction(self, scores: pd.Series) -> Prediction:
        return Prediction(scores, self.win_model.win_prob(scores))


BASELINES: dict[str, type] = {
    "win_pct": WinPct, "point_diff": PointDiff, "srs": SRS, "elo": Elo,
    "elo_calibrated": EloCalibrated, "prev_rank": PrevRank, "rapm": Rapm,
}


def make_baseline(name: str, config: Config | None = None) -> Predictor:
    """A fresh baseline by name, configured from ``config`` (defaults when None)."""
    config = config or Config()
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r} (known: {sorted(BASELINES)})")
    if name == "elo":
        return Elo(config.elo)
    if name == "elo_calibrated":
        return EloCalibrated(config.elo, config.baselines)
    if name == "rapm":
        return Rapm(config.rapm, config.baselines)
    return BASELINES[name](config.baselines)
