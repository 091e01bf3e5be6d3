"""Agreement with the known true strengths of the synthetic league.

On real data the truth is unknowable, so predictors are scored against outcomes. The
synthetic league writes every team's true strength at every date (``truth/team_strength.csv``),
so there a predictor can also be scored against the thing it is trying to estimate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.targets import as_of_points
from truestrength.base.walkforward import walk_forward
from truestrength.evaluation import metrics as m
from truestrength.evaluation.backtest import PredictorFactory


def read_truth(league_dir: Path) -> pd.DataFrame:
    path = Path(league_dir) / "truth" / "team_strength.csv"
    if not path.is_file():
        raise DataError(f"{path}: no truth file (is this a synthetic league folder?)")
    return pd.read_csv(path, parse_dates=["game_date"])


def agreement_with_truth(data: LeagueData, truth: pd.DataFrame,
                         predictors: dict[str, PredictorFactory],
                         test_seasons: list[str]) -> pd.DataFrame:
    """Spearman between each predictor's scores and the true strengths at each as-of point
    (predictors fitted on earlier seasons only). One row per (season, predictor, point)."""
    rows = []
    for fold in walk_forward(data, test_seasons):
        season, upto = fold.season, fold.upto
        season_truth = truth[truth["season"] == season]
        for name, factory in predictors.items():
            predictor = factory().fit(fold.train)
            for point in as_of_points(upto, season):
                # the truth on the last game date before the point: the strength the team
                # carried into the as-of date
                day = season_truth.loc[season_truth["game_date"] < point.date, "game_date"].max()
                t = season_truth[season_truth["game_date"] == day].set_index("team_id")
                s = predictor.predict(upto.before(point.date), season, point.date).scores
                s = s.reindex(t.index)
                rows.append({"season": season, "predictor": name, "point": point.label,
                             "spearman_truth": m.spearman(s.to_numpy(float),
                                                          m.scores_to_ranks(
                                                              t["strength"].to_numpy(float)))})
    return pd.DataFrame(rows)
