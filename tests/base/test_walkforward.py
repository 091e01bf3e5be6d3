"""walk_forward on a hand-made three-season league."""

from __future__ import annotations

import pytest

from features.league_factory import Game, Line, make_league
from truestrength.base.errors import DataError
from truestrength.base.walkforward import walk_forward

SEASONS = ["2020-21", "2021-22", "2022-23"]


@pytest.fixture(scope="module")
def league():
    games = []
    for year in (2020, 2021, 2022):
        for day, (home, road) in ((20, (1, 2)), (22, (3, 4))):
            games.append(Game(f"{year}-10-{day}", home, road,
                              (Line(home * 10, home), Line(road * 10, road))))
    data = make_league(games)
    assert data.seasons == SEASONS
    return data


def test_folds_hold_exactly_the_earlier_seasons(league):
    folds = list(walk_forward(league, ["2022-23", "2021-22"]))
    assert [f.season for f in folds] == ["2022-23", "2021-22"]  # input order
    f23, f22 = folds
    assert f23.train.seasons == ["2020-21", "2021-22"]
    assert f23.upto.seasons == SEASONS
    assert f22.train.seasons == ["2020-21"]
    assert f22.upto.seasons == ["2020-21", "2021-22"]
    for f in folds:
        assert f.season not in set(f.train.games["season"])
        assert f.season not in set(f.train.player_logs["season"])
        assert len(f.train.games) == 2 * len(f.train.seasons)
        scored = league.games.loc[league.games["season"] == f.season, "game_id"]
        assert not set(scored) & set(f.train.games["game_id"])
        assert set(scored) <= set(f.upto.games["game_id"])
    # later seasons are absent from upto
    assert "2022-23" not in set(f22.upto.games["season"])


def test_first_season_raises(league):
    with pytest.raises(DataError, match="no earlier season"):
        list(walk_forward(league, ["2020-21"]))


def test_unknown_season_raises(league):
    with pytest.raises(DataError, match="2030-31"):
        list(walk_forward(league, ["2030-31"]))


def test_lazy_error_after_good_folds(league):
    it = walk_forward(league, ["2021-22", "2020-21"])
    assert next(it).season == "2021-22"
    with pytest.raises(DataError):
        next(it)
