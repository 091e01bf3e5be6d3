"""The injuries file: names match whatever their case and accents, statuses map to "out" by
the settings, and every problem names file, line and field — all of a file's at once."""

from __future__ import annotations

import pandas as pd
import pytest

from truestrength.base.config import AvailabilitySection
from truestrength.base.league import LeagueData
from truestrength.data.errors import IngestError
from truestrength.data.injuries import normalise_name, read_injuries

S = "2023-24"


@pytest.fixture
def league() -> LeagueData:
    logs = pd.DataFrame({
        "season": S, "game_date": pd.Timestamp("2023-11-01"), "game_id": "0022300001",
        "team_id": [1, 1, 1, 2], "player_id": [10, 11, 12, 20]})
    players = pd.DataFrame({"player_id": [10, 11, 12, 20],
                            "name": ["Luka Dončić", "Kyrie Irving", "Dereck Lively II",
                                     "Nikola Jokić"]})
    teams = pd.DataFrame({"season": S, "team_id": [1, 2], "abbreviation": ["DAL", "DEN"],
                          "name": ["Dallas", "Denver"], "conference": ["W", "W"]})
    return LeagueData({"player_logs": logs, "players": players, "team_seasons": teams,
                       "games": pd.DataFrame({"season": [S], "game_date": [
                           pd.Timestamp("2023-11-01")]})}, "h")


def write(tmp_path, text: str):
    f = tmp_path / "injuries.csv"
    f.write_text(text)
    return f


def test_names_match_case_and_accents_and_statuses_follow_the_settings(league, tmp_path):
    f = write(tmp_path, "player,team,status,return_date\n"
                        "luka  DONCIC,dal,Out,2024-02-01\n"
                        "Kyrie Irving,DAL,doubtful,\n"
                        "Dereck Lively II,DAL,questionable,\n"
                        "nikola jokic,DEN,probable,\n")
    got = {e.player_id: e for e in read_injuries(f, league, S, AvailabilitySection())}
    assert got[10].player == "Luka Dončić" and got[10].team_id == 1
    assert got[10].return_date == pd.Timestamp("2024-02-01")
    assert [got[p].treated_out for p in (10, 11, 12, 20)] == [True, True, False, False]
    assert all(e.reason == "injuries file" for e in got.values())
    # the settings decide what doubtful/questionable/probable mean
    lenient = AvailabilitySection(doubtful="plays", questionable="out")
    got = {e.player_id: e for e in read_injuries(f, league, S, lenient)}
    assert [got[p].treated_out for p in (10, 11, 12, 20)] == [True, False, True, False]
    # return_date is optional as a column too
    f2 = write(tmp_path, "player,team,status\nKyrie Irving,DAL,out\n")
    (e,) = read_injuries(f2, league, S, AvailabilitySection())
    assert e.return_date is None and e.treated_out


def test_normalise_name():
    assert normalise_name("  Nikola   JOKIĆ ") == normalise_name("nikola jokic") == "nikola jokic"


def test_an_unknown_name_suggests_close_matches(league, tmp_path):
    f = write(tmp_path, "player,team,status\nKyrie Irvin,DAL,out\n")
    with pytest.raises(IngestError, match=r"line 2, field player: no player 'Kyrie Irvin' of "
                       r"DAL in 2023-24 in the store; did you mean 'Kyrie Irving'\?"):
        read_injuries(f, league, S, AvailabilitySection())
    # a player of another team says so
    f = write(tmp_path, "player,team,status\nNikola Jokic,DAL,out\n")
    with pytest.raises(IngestError, match="Nikola Jokić did not play for DAL in 2023-24"):
        read_injuries(f, league, S, AvailabilitySection())


def test_rosters_add_a_new_teams_players(league, tmp_path):
    rosters = pd.DataFrame({"season": [S], "team_id": [2], "player_id": [11],
                            "as_of": [pd.Timestamp("2023-12-01")]})
    f = write(tmp_path, "player,team,status\nKyrie Irving,DEN,out\n")
    (e,) = read_injuries(f, league, S, AvailabilitySection(), rosters=rosters)
    assert (e.player_id, e.team_id) == (11, 2)


def test_every_problem_is_reported_with_line_and_field(league, tmp_path):
    f = write(tmp_path, "player,team,status,return_date\n"
                        "Kyrie Irving,XXX,out,\n"
                        "Kyrie Irving,DAL,sidelined,\n"
                        "Luka Doncic,DAL,out,01/02/2024\n")
    with pytest.raises(IngestError) as exc:
        read_injuries(f, league, S, AvailabilitySection())
    msg = str(exc.value)
    assert msg.startswith(f"{f}, line 2, field team: unknown team 'XXX' for 2023-24 (known: "
                          "DAL, DEN)")
    assert "line 3, field status: 'sidelined' is not one of out, doubtful" in msg
    assert "line 4, field return_date: '01/02/2024' is not a date (expected YYYY-MM-DD)" in msg


@pytest.mark.parametrize("text, where", [
    ("player,status\nKyrie Irving,out\n", "line 1, field team: missing column"),
    ("player,team,status,note\n", "line 1, field note: unknown column"),
    ("", "line 1: empty file"),
    ("player,team,status\nKyrie Irving,DAL\n", "line 2, field status: 2 values for 3"),
    ("player,team,status\nKyrie Irving,DAL,out\nkyrie irving,DAL,doubtful\n",
     "line 3, field player: Kyrie Irving is listed twice"),
])
def test_malformed_files(league, tmp_path, text, where):
    f = write(tmp_path, text)
    with pytest.raises(IngestError, match=where):
        read_injuries(f, league, S, AvailabilitySection())


def test_an_unreadable_file_is_a_data_error(league, tmp_path):
    with pytest.raises(IngestError, match="cannot read the injuries file"):
        read_injuries(tmp_path / "nope.csv", league, S, AvailabilitySection())
