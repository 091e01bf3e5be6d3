"""The postseason is scored apart (issue 11): predict's ``phased_win_probs`` and the
backtest's end-of-season point hand the playoff rotation, when it is on, to the predictors
that read rosters, and ask a predictor with a postseason blend of its own for it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.base.availability import Availability, PlayerAvailability
from truestrength.base.config import PlayoffRotationSection
from truestrength.base.predictor import Prediction
from truestrength.evaluation.backtest import end_of_season_prediction
from truestrength.inference.predict import phased_win_probs

DATE = pd.Timestamp("2022-04-01")
ON = PlayoffRotationSection(enabled=True, power=1.5)


class RosterReader:
    """Scores 1.0 for team 1 with the playoff rotation, 0.0 without; records its calls."""

    reads_rosters = True
    has_postseason = False

    def __init__(self) -> None:
        self.calls: list[Availability | None] = []

    def predict(self, known, season, as_of, *, availability=None, base=None) -> Prediction:
        # ``base`` (the date's first prediction, whose team-context inputs are reused) does
        # not change what a roster reader scores
        self.calls.append(availability)
        on = availability is not None and availability.playoff_rotation is not None
        scores = pd.Series([1.0 if on else 0.0, 0.0], index=[1, 2])
        return Prediction(scores, lambda h, r, n, b=None: np.where(np.asarray(h) == 1, 0.9 if on
                                                           else 0.5, 0.5))

    def predict_phases(self, known, season, as_of, availabilities, base) -> list[Prediction]:
        return [self.predict(known, season, as_of, availability=a, base=base)
                for a in availabilities]


class TeamReader:
    def predict(self, known, season, as_of) -> Prediction:
        return Prediction(pd.Series([0.5, 0.0], index=[1, 2]))


def _remaining():
    return (pd.DataFrame({"home_team_id": [1, 2], "road_team_id": [2, 1],
                          "neutral_site": [False, False], "b2b": [0, 0]}),
            pd.DatetimeIndex([DATE, DATE + pd.Timedelta(days=5)]))


def test_predict_scores_the_postseason_by_the_playoff_rotation_only_when_on():
    rem, dates = _remaining()
    fake = RosterReader()
    pred = fake.predict(None, "2021-22", DATE)
    fake.calls.clear()
    # no return date ahead, rotation off: the simulator's default path, nothing rescored
    assert phased_win_probs(fake, None, "2021-22", DATE, Availability(), pred, rem, dates,
                            PlayoffRotationSection()) == (None, None, 1)
    assert fake.calls == []
    # on: the postseason is scored apart, with the rotation's settings
    p, post, n = phased_win_probs(fake, None, "2021-22", DATE, Availability(), pred, rem,
                                  dates, ON)
    assert p is None and n == 2
    assert fake.calls[-1].playoff_rotation == ON
    assert post(np.array([1]), np.array([2]), np.array([False]))[0] == 0.9
    # with a return date ahead: regular phases by the recent rotation, the postseason by the
    # playoff one with the returning player back and the long-term absentee out
    fake.calls.clear()
    soon = PlayerAvailability(7, "P7", 1, "out", "injuries file", True, DATE + pd.Timedelta(2))
    gone = PlayerAvailability(8, "P8", 1, "out", "injuries file", True, None)
    p, post, n = phased_win_probs(fake, None, "2021-22", DATE, Availability((soon, gone)),
                                  pred, rem, dates, ON)
    assert n == 3 and len(p) == 2
    assert [c.playoff_rotation for c in fake.calls] == [None, ON]
    assert fake.calls[-1].out_on(DATE) == frozenset({8})


def test_the_backtest_end_point_uses_the_playoff_rotation_for_roster_readers_only():
    reader = RosterReader()
    got = end_of_season_prediction(reader, None, "2021-22", DATE, ON)
    assert got.scores[1] == 1.0 and reader.calls[-1].playoff_rotation == ON
    assert reader.calls[-1].entries == ()  # the backtest knows no injuries
    off = end_of_season_prediction(reader, None, "2021-22", DATE, PlayoffRotationSection())
    assert off.scores[1] == 0.0 and reader.calls[-1] is None
    assert end_of_season_prediction(reader, None, "2021-22", DATE, None).scores[1] == 0.0
    # a predictor without rosters is scored as before
    assert end_of_season_prediction(TeamReader(), None, "2021-22", DATE, ON).scores[1] == 0.5


def test_a_forecast_that_reads_no_roster_is_scored_once_whatever_the_availability():
    rem, dates = _remaining()
    fake = RosterReader()
    fake.reads_rosters = False  # e.g. a blend that published Elo alone
    pred = fake.predict(None, "2021-22", DATE)
    soon = PlayerAvailability(7, "P7", 1, "out", "injuries file", True, DATE + pd.Timedelta(2))
    assert phased_win_probs(fake, None, "2021-22", DATE, Availability((soon,)), pred, rem, dates,
                            ON) == (None, None, 1)
    assert len(fake.calls) == 1  # the date's own prediction, nothing more


class PostseasonReader(RosterReader):
    """A blend with a postseason model of its own: 1.0 for team 1 when asked for the
    postseason."""

    reads_rosters = False
    has_postseason = True

    def predict(self, known, season, as_of, *, availability=None, base=None) -> Prediction:
        self.calls.append(availability)
        post = availability is not None and availability.postseason
        return Prediction(pd.Series([1.0 if post else 0.0, 0.0], index=[1, 2]),
                          lambda h, r, n, b=None: np.full(len(h), 0.8 if post else 0.5))


def test_a_postseason_blend_is_asked_for_the_postseason_in_predict_and_the_backtest():
    rem, dates = _remaining()
    fake = PostseasonReader()
    pred = fake.predict(None, "2021-22", DATE)
    soon = PlayerAvailability(7, "P7", 1, "out", "injuries file", True, DATE + pd.Timedelta(2))
    # whatever the rotation setting and the availability: one regular phase (it reads no
    # roster), the postseason scored apart
    for rotation in (PlayoffRotationSection(), ON):
        fake.calls.clear()
        p, post, n = phased_win_probs(fake, None, "2021-22", DATE, Availability((soon,)), pred,
                                      rem, dates, rotation)
        assert p is None and n == 2 and fake.calls[-1].postseason
        assert fake.calls[-1].out_on(DATE) == frozenset()  # he is back by the postseason
        assert post(np.array([1]), np.array([2]), np.array([False]))[0] == 0.8
    got = end_of_season_prediction(fake, None, "2021-22", DATE, PlayoffRotationSection())
    assert got.scores[1] == 1.0 and fake.calls[-1].postseason
    assert fake.calls[-1].playoff_rotation is None  # Model A's rotation stays off
