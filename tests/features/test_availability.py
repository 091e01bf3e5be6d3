"""Availability in the features: out players leave the roster set (the next by minutes fill
it) until their return date, traded players' rows move to their new team with the features
of their latest team; "out" is inferred from k missed games; rosters move players."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.league_factory import Game, Line, make_league
from truestrength.base.availability import Availability, PlayerAvailability
from truestrength.base.config import AvailabilitySection, RosterSection
from truestrength.base.league import LeagueData
from truestrength.features.availability import (
    inferred_out,
    resolve_availability,
    roster_moves,
)
from truestrength.features.roster import build_snapshots

S = "2021-22"
ROSTER = RosterSection(max_players=3)
DAY = pd.Timestamp("2021-11-01")


def league() -> LeagueData:
    """Team 1: players 1-5 by minutes (40, 30, 20, 10, 5); player 1 misses the last five of
    team 1's seven games, player 5 (5 minutes) the last six. Team 2: players 7-9."""
    games = []
    for n in range(7):
        lines = [Line(p, 1, min=m) for p, m in ((2, 30), (3, 20), (4, 10))]
        if n < 2:
            lines.append(Line(1, 1, min=40))
        if n < 1:
            lines.append(Line(5, 1, min=5))
        lines += [Line(7, 2, min=30), Line(8, 2, min=25), Line(9, 2, min=20)]
        games.append(Game(f"2021-10-{20 + n}", 1, 2, tuple(lines)))
    lg = make_league(games)
    players = pd.DataFrame({"player_id": [1, 2, 3, 4, 5, 7, 8, 9],
                            "name": [f"P{i}" for i in (1, 2, 3, 4, 5, 7, 8, 9)]})
    return LeagueData({**lg._source, "players": players}, "h")


def out(pid: int, team: int, ret: str | None = None) -> PlayerAvailability:
    return PlayerAvailability(pid, f"P{pid}", team, "out", "injuries file", True,
                              None if ret is None else pd.Timestamp(ret))


def ids(snaps, team: int) -> list[int]:
    r = int(np.flatnonzero(snaps.keys["team_id"].to_numpy() == team)[0])
    return snaps.player_ids[r][snaps.mask[r]].tolist()


def test_out_players_leave_the_set_until_their_return_date():
    data = league().before(DAY)
    base = build_snapshots(data, [S], ROSTER, dates=[DAY])
    assert ids(base, 1) == [1, 2, 3]  # recent minutes: his last games, 40
    got = build_snapshots(data, [S], ROSTER, dates=[DAY],
                          availability=Availability((out(2, 1),)))
    assert ids(got, 1) == [1, 3, 4]  # the next by minutes fills the set
    # the other team is untouched, exactly
    r0 = int(np.flatnonzero(base.keys["team_id"] == 2)[0])
    r1 = int(np.flatnonzero(got.keys["team_id"] == 2)[0])
    np.testing.assert_array_equal(base.x[r0], got.x[r1])
    # back on or before the date: in the set again
    for ret in ("2021-11-01", "2021-10-30"):
        back = build_snapshots(data, [S], ROSTER, dates=[DAY],
                               availability=Availability((out(2, 1, ret),)))
        np.testing.assert_array_equal(back.x, base.x)
    later = build_snapshots(data, [S], ROSTER, dates=[DAY],
                            availability=Availability((out(2, 1, "2021-11-02"),)))
    assert ids(later, 1) == [1, 3, 4]
    # a status that plays keeps him in
    plays = PlayerAvailability(2, "P2", 1, "questionable", "injuries file", False)
    np.testing.assert_array_equal(build_snapshots(
        data, [S], ROSTER, dates=[DAY], availability=Availability((plays,))).x, base.x)


def test_a_traded_player_moves_with_his_features():
    data = league().before(DAY)
    base = build_snapshots(data, [S], ROSTER, dates=[DAY])
    moved = PlayerAvailability(7, "P7", 1, "traded", "traded (rosters as of 2021-10-30)", False,
                               from_team_id=2, since=pd.Timestamp("2021-10-30"))
    got = build_snapshots(data, [S], ROSTER, dates=[DAY], availability=Availability((moved,)))
    assert ids(got, 1) == [1, 2, 7]  # 30 minutes like player 2: ties by id
    assert ids(got, 2) == [8, 9]
    r_base = int(np.flatnonzero(base.keys["team_id"] == 2)[0])
    r_got = int(np.flatnonzero(got.keys["team_id"] == 1)[0])
    np.testing.assert_array_equal(got.x[r_got, 2], base.x[r_base, 0])
    # before the roster date he is still on his old team
    early = PlayerAvailability(7, "P7", 1, "traded", "traded", False, from_team_id=2,
                               since=pd.Timestamp("2021-11-05"))
    got = build_snapshots(data, [S], ROSTER, dates=[DAY], availability=Availability((early,)))
    np.testing.assert_array_equal(got.x, base.x)


def test_out_is_inferred_from_k_missed_games_for_rotation_players():
    data = league().before(DAY)
    cfg = AvailabilitySection(missed_games_out=5)
    got = inferred_out(data, S, DAY, ROSTER, cfg)
    # player 1 missed five games; player 5 six, but at 5 minutes he is not in the rotation
    assert [(e.player_id, e.team_id, e.reason, e.return_date) for e in got] == [
        (1, 1, "missed last 5 games", None)]
    assert inferred_out(data, S, DAY, ROSTER, AvailabilitySection(missed_games_out=6)) == []
    assert {e.player_id for e in inferred_out(
        data, S, DAY, ROSTER, AvailabilitySection(rotation_min_minutes=0))} == {1, 5}
    # strictly before the date: at the date of his fifth missed game, four are known
    assert inferred_out(league().before("2021-10-26"), S, pd.Timestamp("2021-10-26"), ROSTER,
                        cfg) == []


def test_rosters_move_players_who_last_played_elsewhere():
    data = league().before(DAY)
    rosters = pd.DataFrame({
        "season": S, "team_id": [1, 1, 2, 2],
        "player_id": [7, 2, 8, 9],
        "as_of": pd.to_datetime(["2021-10-30", "2021-10-30", "2021-10-30", "2021-10-30"])})
    got = roster_moves(data, S, DAY, rosters, ROSTER)
    assert [(e.player_id, e.team_id, e.from_team_id, e.status, e.reason) for e in got] == [
        (7, 1, 2, "traded", "traded (rosters as of 2021-10-30)")]
    # a roster older than his last game for his old team, or from after the date, is ignored
    old = rosters.assign(as_of=pd.Timestamp("2021-10-24"))
    assert roster_moves(data, S, DAY, old, ROSTER) == []
    future = rosters.assign(as_of=pd.Timestamp("2021-11-02"))
    assert roster_moves(data, S, DAY, future, ROSTER) == []
    # read on the prediction day itself: not known yet, as LeagueData.before has it
    assert roster_moves(data, S, DAY, rosters.assign(as_of=DAY), ROSTER) == []
    with pytest.raises(Exception, match="not teams of the season"):
        roster_moves(data, S, DAY, rosters.assign(team_id=99), ROSTER)


def test_the_injuries_file_wins_over_the_inference():
    data = league().before(DAY)
    cfg = AvailabilitySection()
    assert resolve_availability(data, S, DAY, ROSTER, cfg).out_on(DAY) == {1}
    probable = PlayerAvailability(1, "P1", 1, "probable", "injuries file", False)
    got = resolve_availability(data, S, DAY, ROSTER, cfg, injuries=[probable])
    assert got.out_on(DAY) == frozenset() and len(got) == 1
    off = AvailabilitySection(infer_from_box_scores=False)
    assert len(resolve_availability(data, S, DAY, ROSTER, off)) == 0
