"""Inferred outs get a return date from the learned absence lengths: the median further games
missed, dated from his team's remaining schedule; none beyond the games left or with too
little history; the injuries file still wins."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.league_factory import Game, Line, make_league
from truestrength.base.availability import PlayerAvailability
from truestrength.base.config import AvailabilitySection, RosterSection
from truestrength.base.league import LeagueData
from truestrength.features.absence_model import AbsenceModel
from truestrength.features.availability import inferred_out, resolve_availability

S = "2021-22"
ROSTER = RosterSection(max_players=3)
DAY = pd.Timestamp("2021-11-01")
CFG = AvailabilitySection(missed_games_out=5)


def league():
    """Player 1 (team 1, 40 min) misses the last 5 of team 1's 7 games before DAY."""
    games = []
    for n in range(7):
        lines = [Line(2, 1, min=30), Line(7, 2, min=30)]
        if n < 2:
            lines.append(Line(1, 1, min=40))
        games.append(Game(f"2021-10-{20 + n}", 1, 2, tuple(lines)))
    lg = make_league(games)
    players = pd.DataFrame({"player_id": [1, 2, 7], "name": ["P1", "P2", "P7"]})
    return LeagueData({**lg._source, "players": players}, "h").before(DAY)


# team 1 plays on Nov 2, 4, 6, 8 (two games against team 3 between), team 4 never
REMAINING = pd.DataFrame({
    "home_team_id": [1, 3, 2, 1, 3], "road_team_id": [2, 1, 1, 3, 4],
    "game_date": pd.to_datetime(["2021-11-02", "2021-11-04", "2021-11-06", "2021-11-08",
                                 "2021-11-09"])})


def geometric_model(p: float) -> AbsenceModel:
    missed = np.random.default_rng(0).geometric(p, 5000)
    return AbsenceModel(CFG).fit_spells(missed, np.ones(len(missed), bool))


def test_the_median_return_is_dated_from_the_team_schedule():
    # p = 0.3: P(F <= j) = 1 - 0.7^(j+1), median j = 1: he misses Nov 2, back on Nov 4
    got = inferred_out(league(), S, DAY, ROSTER, CFG, absences=geometric_model(0.3),
                       remaining=REMAINING)
    assert [(e.player_id, e.return_date, e.reason) for e in got] == [
        (1, pd.Timestamp("2021-11-04"),
         "missed last 5 games; typically back after 1 more (history)")]
    assert got[0].out_on(pd.Timestamp("2021-11-03")) and not got[0].out_on(
        pd.Timestamp("2021-11-04"))
    # p = 0.6: median 0, back for his team's next game
    got = inferred_out(league(), S, DAY, ROSTER, CFG, absences=geometric_model(0.6),
                       remaining=REMAINING)
    assert (got[0].return_date, got[0].reason) == (
        pd.Timestamp("2021-11-02"), "missed last 5 games; typically back next game (history)")


def test_no_date_beyond_the_games_left_or_without_history():
    # p = 0.05: median 13 further games, team 1 has 4 left
    got = inferred_out(league(), S, DAY, ROSTER, CFG, absences=geometric_model(0.05),
                       remaining=REMAINING)
    assert got[0].return_date is None
    assert got[0].reason == ("missed last 5 games; typically not back within his team's 4 "
                             "games left (history)")
    few = AbsenceModel(CFG).fit_spells(np.array([1, 2]), np.array([True, True]))
    got = inferred_out(league(), S, DAY, ROSTER, CFG, absences=few, remaining=REMAINING)
    assert got[0].return_date is None and "too little history" in got[0].reason
    got = inferred_out(league(), S, DAY, ROSTER, CFG, absences=geometric_model(0.3))
    assert got[0].return_date is None and "no remaining schedule" in got[0].reason


def test_resolve_fits_on_the_store_and_the_file_still_wins():
    # this store holds one spell (< absence_min_spells): no date, and the reason says why
    got = resolve_availability(league(), S, DAY, ROSTER, CFG, remaining=REMAINING)
    (e,) = got.entries
    assert e.return_date is None and e.reason.startswith(
        "missed last 5 games; too little history to date his return (1 spells")
    low = AvailabilitySection(missed_games_out=5, absence_min_spells=1)
    (e,) = resolve_availability(league(), S, DAY, ROSTER, low, remaining=REMAINING).entries
    # the store's one spell is his own, censored at the date: no return seen, none dated
    assert e.return_date is None and "not back within his team's 4 games left" in e.reason
    file = PlayerAvailability(1, "P1", 1, "out", "injuries file", True,
                              pd.Timestamp("2021-11-08"))
    got = resolve_availability(league(), S, DAY, ROSTER, low, injuries=[file],
                               remaining=REMAINING)
    assert got.entries == (file,)
    off = AvailabilitySection(missed_games_out=5, learn_absence_lengths=False)
    (e,) = resolve_availability(league(), S, DAY, ROSTER, off, remaining=REMAINING).entries
    assert (e.return_date, e.reason) == (None, "missed last 5 games")
