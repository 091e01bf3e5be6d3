"""The playoff rotation (issue 11): season minutes of the healthy players, concentrated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.league_factory import Game, Line, make_league
from truestrength.base.availability import Availability, PlayerAvailability
from truestrength.base.config import PlayoffRotationSection, RosterSection
from truestrength.base.errors import DataError
from truestrength.features.playoff_rotation import (
    PlayoffRotation,
    absent_too_long,
    fit_playoff_power,
    minutes_power,
    playoff_minutes,
    playoff_shares,
)
from truestrength.features.roster import build_snapshots

S = "2021-22"
ROSTER = RosterSection(max_players=8)
# Team 1's season: stars 1-3 play 36, 34, 32 minutes for 20 games, then 15 for the last 10
# (tanking); the bench 4-8 plays 20, 18, 16, 12, 10, then 30 each.
STARS = {1: 36.0, 2: 34.0, 3: 32.0}
BENCH = {4: 20.0, 5: 18.0, 6: 16.0, 7: 12.0, 8: 10.0}
END = pd.Timestamp("2022-01-01")
LEARNED = PlayoffRotationSection(power=None)  # the power learned from earlier playoffs


def tanking_league(absences: bool = False):
    """With ``absences``: player 9 (34 minutes) is injured after team 1's 15th game, player 10
    (30 minutes) rests for the last 3."""
    games = []
    day = pd.Timestamp("2021-10-20")
    for n in range(30):
        tank = n >= 20
        lines = [Line(p, 1, min=15.0 if tank else m) for p, m in STARS.items()]
        lines += [Line(p, 1, min=30.0 if tank else m) for p, m in BENCH.items()]
        if absences and n < 15:
            lines.append(Line(9, 1, min=34.0))
        if absences and n < 27:
            lines.append(Line(10, 1, min=30.0))
        lines += [Line(20 + k, 2, min=30.0) for k in range(5)]
        games.append(Game(f"{day + pd.Timedelta(days=2 * n):%Y-%m-%d}", 1, 2, tuple(lines)))
    return make_league(games).before(END)


def team_row(snaps, team: int) -> int:
    return int(np.flatnonzero(snaps.keys["team_id"].to_numpy() == team)[0])


def test_spread_is_exact_on_a_hand_example():
    # power 1: 240 * m / 178 puts 1-3 above 42; they get 42, the 114 left goes to the rest
    # in proportion (114 / 76 = 1.5 per season minute).
    m = np.array([[36, 34, 32, 20, 18, 16, 12, 10, 0]], float)
    mask = np.array([[True] * 8 + [False]])
    got = playoff_minutes(m, mask, power=1.0, cap=42.0)
    np.testing.assert_allclose(got[0], [42, 42, 42, 30, 27, 24, 18, 15, 0])
    # fewer players than 240 / cap can fill: the cap gives way, the team still plays 240
    np.testing.assert_allclose(playoff_minutes(m[:, :5], mask[:, :5], 1.0, 42.0)[0], [48] * 5)
    with pytest.raises(ValueError, match="finite"):
        playoff_minutes(np.array([[np.nan, 1.0]]), np.array([[True, True]]), 1.0, 42.0)


def test_a_tanking_rotation_becomes_a_playoff_rotation_on_the_stars():
    data = tanking_league()
    recent = build_snapshots(data, [S], ROSTER, dates=[END])
    r = team_row(recent, 1)
    by_id = dict(zip(recent.player_ids[r].tolist(), recent.minutes[r].tolist(), strict=True))
    assert by_id[1] == pytest.approx(15.0) and by_id[4] == pytest.approx(30.0)  # the tank

    rot = PlayoffRotation(power=2.0, cap=42.0, learned=False)
    po = build_snapshots(data, [S], ROSTER, dates=[END], rotation=rot)
    r = team_row(po, 1)
    got = dict(zip(po.player_ids[r][po.mask[r]].tolist(), po.minutes[r][po.mask[r]].tolist(),
                   strict=True))
    assert sum(got.values()) == pytest.approx(240.0, abs=1e-3)
    assert max(got.values()) <= 42.0 + 1e-4
    assert min(got[p] for p in STARS) > max(got[p] for p in BENCH)
    # the season minutes per game played, (20 * 36 + 10 * 15) / 30 = 29 for player 1, and
    # (20 * 20 + 10 * 30) / 30 = 23.3 for player 4, squared and scaled to 240 under the cap
    season = {p: (20 * m + 10 * (15.0 if p in STARS else 30.0)) / 30
              for p, m in {**STARS, **BENCH}.items()}
    pids = sorted(season)
    want = playoff_minutes(np.array([[season[p] for p in pids]]), np.ones((1, 8), bool),
                           2.0, 42.0)[0]
    np.testing.assert_allclose([got[p] for p in pids], want, rtol=1e-5)
    # the player features are those of the recent snapshot: only minutes and order change
    for p in pids:
        i = int(np.flatnonzero(recent.player_ids[team_row(recent, 1)] == p)[0])
        j = int(np.flatnonzero(po.player_ids[r] == p)[0])
        np.testing.assert_array_equal(recent.x[team_row(recent, 1), i], po.x[r, j])


def test_players_out_for_the_postseason_are_not_in_the_playoff_rotation():
    data = tanking_league()
    post_day = END
    gone = PlayerAvailability(1, "P1", 1, "out", "injuries file", True, None)
    back = PlayerAvailability(2, "P2", 1, "out", "injuries file", True, post_day)
    late = PlayerAvailability(3, "P3", 1, "out", "injuries file", True,
                              post_day + pd.Timedelta(days=30))
    section = PlayoffRotationSection(enabled=True, power=1.5)
    post = Availability((gone, back, late)).for_postseason(post_day, section)
    assert post.playoff_rotation == section
    assert post.out_on(END) == frozenset({1, 3})  # 2 is back by the postseason
    assert Availability((gone,)).for_postseason(post_day, PlayoffRotationSection()
                                                ).playoff_rotation is None  # disabled
    po = build_snapshots(data, [S], ROSTER, dates=[END], availability=post,
                         rotation=PlayoffRotation(1.5, 42.0, learned=False))
    r = team_row(po, 1)
    ids = po.player_ids[r][po.mask[r]].tolist()
    assert 1 not in ids and 3 not in ids and 2 in ids
    assert po.minutes[r].sum() == pytest.approx(240.0, abs=1e-3)


def _league_with_playoffs(powers: dict[int, float], seed: int = 0):
    """Four teams of eight players in each season start year of ``powers``: two regular games
    at fixed minutes (12-36 per game), two playoff games at c * minutes ** power with 5 %
    log-normal noise per player, c putting the team's playoff minutes near 240."""
    rng = np.random.default_rng(seed)
    games = []
    for year, power in powers.items():
        reg = {(t, t * 100 + j): float(rng.uniform(12, 36)) for t in (1, 2, 3, 4)
               for j in range(8)}
        po = {}
        for t in (1, 2, 3, 4):
            w = {k: v ** power for k, v in reg.items() if k[0] == t}
            c = 240.0 / sum(w.values())
            po |= {k: c * v * float(np.exp(rng.normal(0, 0.05))) for k, v in w.items()}
        for kind, month, mins in (("regular", 11, reg), ("playoff", 5, po)):
            for g in range(2):
                date = f"{year + (kind == 'playoff')}-{month:02d}-{10 + g:02d}"
                for home, road in ((1, 2), (3, 4)):
                    lines = tuple(Line(p, t, min=m) for (t, p), m in mins.items()
                                  if t in (home, road))
                    games.append(Game(date, home, road, lines, kind=kind))
    return make_league(games)


def test_the_power_is_recovered_from_playoff_logs():
    data = _league_with_playoffs({2018: 1.7, 2019: 1.7, 2020: 1.7})
    fit = fit_playoff_power(data, "2021-22", LEARNED)
    assert fit.learned and fit.seasons == ("2018-19", "2019-20", "2020-21")
    assert fit.n_players == 96
    assert fit.power == pytest.approx(1.7, abs=0.05)
    # without noise the least squares are exact
    frame = pd.DataFrame({"group": ["a"] * 3 + ["b"] * 3, "reg_mpg": [10, 20, 30, 15, 25, 35]})
    frame["po_mpg"] = frame["reg_mpg"] ** 1.3 * np.where(frame["group"] == "a", 2.0, 0.5)
    assert minutes_power(frame) == pytest.approx(1.3, abs=1e-12)
    # a fixed power is taken as it is
    fixed = fit_playoff_power(data, "2021-22", PlayoffRotationSection(power=1.2))
    assert fixed.power == 1.2 and not fixed.learned


def test_the_fit_at_a_season_uses_only_the_seasons_before_it():
    before = _league_with_playoffs({2018: 1.7, 2019: 1.7, 2020: 1.7})
    # the same seasons (same seed, same draws) and two later ones with a very different power
    more = _league_with_playoffs({2018: 1.7, 2019: 1.7, 2020: 1.7, 2021: 0.3, 2022: 0.3})
    a = fit_playoff_power(before, "2021-22", LEARNED)
    b = fit_playoff_power(more, "2021-22", LEARNED)
    assert a == b
    assert fit_playoff_power(more, "2023-24", LEARNED).power < a.power
    with pytest.raises(DataError, match="cannot be learned.*playoff_rotation.power"):
        fit_playoff_power(more, "2018-19", LEARNED)


def test_a_long_absence_is_an_injury_a_short_one_is_rest():
    data = tanking_league(absences=True)
    roster = RosterSection(max_players=10)
    recent = build_snapshots(data, [S], roster, dates=[END])
    assert 9 in recent.player_ids[team_row(recent, 1)]  # the recent roster keeps him
    for missed, in_rotation in ((10, False), (15, True), (None, True)):
        rot = PlayoffRotation(1.5, 42.0, learned=False, max_missed_games=missed)
        po = build_snapshots(data, [S], roster, dates=[END], rotation=rot)
        r = team_row(po, 1)
        ids = po.player_ids[r][po.mask[r]].tolist()
        assert 10 in ids  # 3 games of rest
        assert (9 in ids) == in_rotation  # 15 games missed
        assert po.minutes[r].sum() == pytest.approx(240.0, abs=1e-3)


def test_playoff_shares_are_the_playoff_minutes_of_the_healthy_players_in_floor_slots():
    data = tanking_league(absences=True)
    logs = data.player_logs[["game_id", "game_date", "team_id", "player_id", "minutes"]]
    rot = PlayoffRotation(power=2.0, cap=42.0, learned=False, max_missed_games=10)
    got = playoff_shares(logs, rot).set_index(["team_id", "player_id"])["share"]
    # player 9 has missed team 1's last 15 games: injured, out; player 10 missed 3: rested, in
    team1 = [1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert sorted(got.loc[1].index) == team1
    season_mpg = np.array([(STARS.get(p, 0) * 20 + 15 * 10) / 30 if p in STARS else
                           (BENCH[p] * 20 + 30 * 10) / 30 if p in BENCH else 30.0
                           for p in team1])
    want = playoff_minutes(season_mpg[None], np.ones((1, 9), bool), 2.0, 42.0)[0] * 5 / 240
    np.testing.assert_allclose(got.loc[1].to_numpy(), want)
    np.testing.assert_allclose(got.groupby(level=0).sum(), [5.0, 5.0])
    # out: he is not in the rotation; moved: he plays for his new team with his minutes
    moved = playoff_shares(logs, rot, out=frozenset({1}), moved={4: 2})
    moved = moved.set_index(["team_id", "player_id"])["share"]
    assert 1 not in moved.loc[1].index and 4 not in moved.loc[1].index
    # a player the availability says is back for the postseason is not taken for injured
    back = playoff_shares(logs, rot, returning=frozenset({9}))
    assert 9 in set(back.loc[back["team_id"] == 1, "player_id"])
    team2 = playoff_minutes(np.array([[(20 * 20 + 30 * 10) / 30] + [30.0] * 5]),
                            np.ones((1, 6), bool), 2.0, 42.0)[0] * 5 / 240
    np.testing.assert_allclose(moved.loc[2].reindex([4, 20, 21, 22, 23, 24]), team2)


def test_the_postseason_availability_names_who_is_back_for_it():
    day = pd.Timestamp("2022-04-12")
    back = PlayerAvailability(7, "P7", 1, "out", "injuries file", True, day)
    gone = PlayerAvailability(8, "P8", 1, "out", "injuries file", True, None)
    maybe = PlayerAvailability(9, "P9", 1, "questionable", "injuries file", False, None)
    traded = PlayerAvailability(10, "P10", 2, "traded", "rosters", False, None, 1, day)
    post = Availability((back, gone, maybe, traded)).for_postseason(day, None)
    assert post.postseason and post.returning == frozenset({7, 9})
    assert post.out_on(day) == frozenset({8})


def test_absent_too_long_is_strictly_more_games_than_the_rule_and_nothing_without_it():
    rule = PlayoffRotation(2.0, 40.0, learned=False, max_missed_games=30)
    assert absent_too_long(np.array([0, 29, 30, 31, 82]), rule).tolist() == \
        [False, False, False, True, True]
    none = PlayoffRotation(2.0, 40.0, learned=False, max_missed_games=None)
    assert not absent_too_long(np.array([0, 500]), none).any()
