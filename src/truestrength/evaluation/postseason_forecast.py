"""A season's play-in and playoff games forecast by the postseason blend alone.

The blend (``models.postseason``) is fitted exactly as ``train`` and the backtest fit it, on
the stored seasons before the season, and the season's postseason games are forecast from
the day after its regular season. No network is trained (the inputs read games only), so a
season takes seconds: this is how ``tune`` scores postseason settings and how
``benchmarks/bench_postseason.py`` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.config import Config
from truestrength.base.errors import DataError
from truestrength.base.game_model import b2b_of
from truestrength.base.league import LeagueData
from truestrength.base.seasons import POSTSEASON_KINDS
from truestrength.base.targets import end_of_regular_season
from truestrength.evaluation import metrics as m
from truestrength.models.postseason import Postseason, fit_postseason
from truestrength.models.rapm import Rapm


@dataclass(frozen=True)
class PostseasonForecast:
    """``post`` fitted on the seasons before ``season``; ``scores`` each team's strength at
    ``as_of``; ``games`` the season's play-in and playoff games with ``p_home`` for each."""

    season: str
    post: Postseason
    as_of: pd.Timestamp
    scores: pd.Series
    games: pd.DataFrame
    p_home: np.ndarray
    home_won: np.ndarray

    @property
    def log_losses(self) -> np.ndarray:
        """Each game's log loss, in the order of ``games``."""
        return m.log_loss_per_game(self.p_home, self.home_won)


def forecast_postseason(data: LeagueData, season: str, config: Config,
                        rapm: Rapm) -> PostseasonForecast:
    """``season``'s postseason forecast by a blend fitted on the seasons of ``data`` before it
    (later seasons are never read)."""
    history = data.restrict_seasons(data.seasons_before(season))
    post = fit_postseason(history, config, rapm)
    if post is None:
        raise DataError(f"{season}: too few postseason games before it to fit the postseason "
                        f"blend on {list(config.blend.postseason_inputs)}")
    known = data.up_to(season)
    as_of = end_of_regular_season(known, season)
    scores, _ = post.strengths(known, season, as_of, config, rapm)
    g = known.games
    g = g[(g["season"] == season) & g["kind"].isin(POSTSEASON_KINDS)]
    if g.empty:
        raise DataError(f"{season} has no play-in or playoff game in the store to score")
    p = post.win_model.win_prob(scores)(g["home_team_id"].to_numpy(),
                                        g["road_team_id"].to_numpy(),
                                        g["neutral_site"].to_numpy(bool), b2b_of(g))
    return PostseasonForecast(season, post, as_of, scores, g, np.asarray(p, float),
                              (g["home_pts"] > g["road_pts"]).to_numpy())
