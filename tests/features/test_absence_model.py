"""How long absences last (``features.absence_model``): spells read from the box scores,
censoring at the season's end and at a trade, no spell from after the fitting date, and a
hazard that recovers a known return probability — and, on the synthetic league, its injury
process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.league_factory import Game, Line, make_league
from truestrength.base.config import AvailabilitySection
from truestrength.base.errors import ModelError
from truestrength.features.absence_model import AbsenceModel, absence_spells

S = "2021-22"
DATES = [(pd.Timestamp("2021-10-20") + pd.Timedelta(days=2 * n)).strftime("%Y-%m-%d")
         for n in range(12)]


def league():
    """Teams 1 and 2 play each other on 12 dates. Player 1 (team 1, 30 min) misses games 3-5
    and 9-11 (the season's end); player 2 (5 min) misses games 3-4; player 3 (team 1, 30 min)
    plays games 0-3 for team 1, then from game 7 for team 2 (traded)."""
    games = []
    for n, day in enumerate(DATES):
        lines = [Line(10, 1, min=30), Line(20, 2, min=30)]
        if n not in (3, 4, 5, 9, 10, 11):
            lines.append(Line(1, 1, min=30))
        if n not in (3, 4):
            lines.append(Line(2, 1, min=5))
        if n <= 3:
            lines.append(Line(3, 1, min=30))
        if n >= 7:
            lines.append(Line(3, 2, min=30))
        games.append(Game(day, 1, 2, tuple(lines)))
    return make_league(games)


def rows(spells: pd.DataFrame) -> list[tuple]:
    return [(r.player_id, r.team_id, str(r.first_missed.date()), r.missed, r.returned)
            for r in spells.sort_values(["player_id", "first_missed"]).itertuples()]


def test_spells_return_or_are_censored_at_the_season_end_and_at_a_trade():
    got = absence_spells(league(), recent_games=10, rotation_min_minutes=15)
    assert rows(got) == [
        (1, 1, DATES[3], 3, True),  # back for game 6
        (1, 1, DATES[9], 3, False),  # the season ended: 3 or more, not a return
        (3, 1, DATES[4], 3, False),  # team 1's games 4-6 before his first for team 2
    ]  # player 2 (5 minutes) is not in the rotation: his missed games are no spell
    assert (2, 1, DATES[3], 2, True) in rows(absence_spells(league(), 10, 0))


def test_no_spell_from_after_the_fitting_date():
    full = league()
    date = pd.Timestamp(DATES[10])
    fitted = AbsenceModel(AvailabilitySection(), recent_games=10).fit(full, date)
    # the store holds games after the date; fit() reads only games before it
    assert rows(fitted.spells_) == rows(absence_spells(full.before(date), 10, 15))
    assert rows(fitted.spells_) != rows(absence_spells(full, 10, 15))
    # the spell under way at the date is censored there: game 9 missed, game 10 not known
    assert rows(fitted.spells_)[1] == (1, 1, DATES[9], 1, False)


def test_exact_kaplan_meier_with_censoring():
    m = AbsenceModel(AvailabilitySection(absence_smoothing=0)).fit_spells(
        np.array([2, 3]), np.array([True, False]))
    t = {r.k: (r.at_risk, r.returned) for r in m.table_}
    # k=1: both at risk, none back; k=2: both (the censored one missed a 3rd), one back;
    # k=3: none at risk (the censored spell says nothing about game 4)
    assert t[1] == (2, 0) and t[2] == (2, 1) and t[3] == (0, 0)
    np.testing.assert_allclose(m.hazard([1, 2]), [0.0, 0.5])


def geometric(p: float, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).geometric(p, n)  # P(M = m) = (1-p)^(m-1) p, m >= 1


def test_a_geometric_return_probability_is_recovered():
    m = AbsenceModel(AvailabilitySection()).fit_spells(geometric(0.3, 20000, 0),
                                                       np.ones(20000, bool))
    np.testing.assert_allclose(m.hazard([1, 2, 3, 5]), 0.3, atol=0.02)
    np.testing.assert_allclose(m.hazard([10, 200]), 0.3, atol=0.05)  # 200: the tail
    # P(F <= j) = 1 - 0.7^(j+1) first reaches 1/2 at j = 1, whatever k
    assert m.quantile(1, horizon=80) == 1 and m.quantile(7, horizon=80) == 1
    assert m.quantile(1, horizon=1) is None  # not reached within the games left
    f = m.further_missed(4, 400)
    assert f.sum() == pytest.approx(1.0, abs=1e-9)


def test_censored_spells_are_not_counted_as_returns():
    t = geometric(0.3, 20000, 1)
    c = geometric(0.15, 20000, 2)  # an independent season end
    # he is seen back only if a game follows his t-th missed one: t < c; else he missed c, censored
    returned = t < c
    missed = np.where(returned, t, c)
    assert (~returned).mean() > 0.2
    m = AbsenceModel(AvailabilitySection()).fit_spells(missed, returned)
    np.testing.assert_allclose(m.hazard([1, 2, 3, 5]), 0.3, atol=0.025)
    naive = AbsenceModel(AvailabilitySection()).fit_spells(missed, np.ones_like(returned))
    assert naive.hazard(3) > 0.4  # what counting a season's end as a return would give


def test_not_fitted_and_bad_spells_are_errors():
    with pytest.raises(ModelError, match="not fitted"):
        AbsenceModel().hazard(1)
    m = AbsenceModel().fit_spells(np.array([1, 2]), np.array([True, True]))
    with pytest.raises(ModelError, match="k >= 1"):
        m.hazard(0)
    with pytest.raises(Exception, match="at least one game"):
        AbsenceModel().fit_spells(np.array([0]), np.array([True]))
    assert not m.informative  # 2 spells < absence_min_spells


def true_further(data, k_values, n=60000, seed=0) -> dict[int, tuple[float, float]]:
    """The synthetic league's injury process (``data.synth._injuries``: a spell lasts
    ceil(exp(N(1.4, 1.15))) days from a uniform start), counted in each team's game days,
    the season's schedule repeated so no spell is cut: per k, P(back next) and the median
    of the further games missed."""
    rng = np.random.default_rng(seed)
    g = data.standings_team_games(data.seasons[0])
    ms = []
    for _, grp in g.groupby("team_id"):
        d0 = np.sort((grp["game_date"] - grp["game_date"].min()).dt.days.to_numpy())
        d = np.concatenate([d0 + i * (d0.max() + 1) for i in range(3)])
        length = np.ceil(np.exp(rng.normal(1.4, 1.15, n // 30))).astype(int)
        start = rng.integers(0, d0.max() + 1, n // 30)
        ms.append(np.searchsorted(d, start + length) - np.searchsorted(d, start))
    m = np.concatenate(ms)
    m = m[m >= 1]
    return {k: (float(np.mean(m[m >= k] == k)), float(np.median(m[m >= k] - k)))
            for k in k_values}


def test_learned_lengths_match_the_synthetic_injuries(synth_league):
    # 20 minutes: the regular players, whose missed games are injuries (see BENCHMARKS.md for
    # k >= 5 and for the 15-minute default)
    m = AbsenceModel(AvailabilitySection(rotation_min_minutes=20), recent_games=10).fit(
        synth_league, pd.Timestamp("2100-01-01"))
    truth = true_further(synth_league, (1, 2, 3))
    for k, (h, med) in truth.items():
        assert abs(float(m.hazard(k)) - h) < 0.05, (k, float(m.hazard(k)), h)
        assert abs(m.quantile(k, horizon=200) - med) <= 1, (k, m.quantile(k, 200), med)
