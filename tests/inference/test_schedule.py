"""The expected schedule of a season still under way has the right games for every team."""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.inference.schedule import expected_schedule, games_left


def test_expected_schedule_gives_each_team_its_remaining_games(synth_league):
    season = synth_league.seasons[-1]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    known = synth_league.before(pd.Timestamp(dates[60]))
    left = games_left(known, season)
    assert (left > 0).all() and left.sum() % 2 == 0
    sched = expected_schedule(known, season, seed=0)
    counts = pd.concat([sched["home_team_id"], sched["road_team_id"]]).value_counts()
    pd.testing.assert_series_equal(counts.reindex(left.index).astype(int), left.astype(int),
                                   check_names=False)
    assert (sched["home_team_id"] != sched["road_team_id"]).all()
    # home and road stay roughly balanced over the whole season
    tg = known.team_games
    tg = tg[(tg["season"] == season) & tg["counts_for_standings"]]
    home = tg.groupby("team_id")["is_home"].sum() + sched["home_team_id"].value_counts(
        ).reindex(left.index, fill_value=0)
    assert np.abs(home - 41).max() <= 3
    pd.testing.assert_frame_equal(sched, expected_schedule(known, season, seed=0))


def test_no_games_left_after_the_regular_season(synth_league):
    season = synth_league.seasons[-1]
    g = synth_league.games
    end = g.loc[(g["season"] == season) & g["counts_for_standings"], "game_date"].max()
    known = synth_league.before(end + pd.Timedelta(days=1))
    assert (games_left(known, season) == 0).all()
    assert expected_schedule(known, season).empty
