"""Schedule and rosters files: parsed, validated against the league, stored, and read back
through LeagueData without leaking rosters from the future."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from truestrength.data.errors import IngestError
from truestrength.data.formats import FileFormat, read_file
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store

SEASON = "2023-24"
CLE, BKN, BOS, LAL, MIA, WAS, IND = (1610612739, 1610612751, 1610612738, 1610612747,
                                     1610612748, 1610612764, 1610612754)
ABBR = {CLE: "CLE", BKN: "BKN", BOS: "BOS", LAL: "LAL", MIA: "MIA", WAS: "WAS", IND: "IND"}
SCHEDULE_HEADER = ("game_id,season,game_date,game_type,team_id_home,team_abbreviation_home,"
                   "team_id_road,team_abbreviation_road,neutral_site,postponed")
ROSTERS_HEADER = "season,team_id,team_abbreviation,player_id,player_name,as_of"


def _game(gid: str, date: str, home: int, road: int, gtype: str = "regular_season",
          neutral: bool = False, postponed: bool = False) -> str:
    return (f"{gid},{SEASON},{date},{gtype},{home},{ABBR[home]},{road},{ABBR[road]},"
            f"{neutral},{postponed}")


GAMES = [
    _game("0022300500", "2024-01-11", CLE, BKN, neutral=True),  # the Paris game
    _game("0022300600", "2024-01-20", BOS, LAL),
    _game("0022300601", "2024-01-21", MIA, WAS, postponed=True),
    _game("0022301229", "2023-12-07", LAL, IND, "nba_cup_semi", neutral=True),
    _game("0062300001", "2023-12-09", IND, LAL, "nba_cup_final", neutral=True),
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        yield s


def test_schedule_and_rosters_files_are_recognised_by_header(tmp_path):
    sched = read_file(write(tmp_path / "sched.csv", SCHEDULE_HEADER, GAMES))
    assert sched.format is FileFormat.SCHEDULE
    f = sched.frame.set_index("game_id")
    assert f.loc["0062300001", "kind"] == "cup_final" and f.loc["0062300001", "is_cup"]
    assert f.loc["0022301229", "kind"] == "regular" and f.loc["0022301229", "is_cup"]
    assert f.loc["0022300601", "postponed"] and not f.loc["0022300600", "postponed"]
    ros = read_file(write(tmp_path / "r.csv", ROSTERS_HEADER,
                          [f"{SEASON},{CLE},CLE,1628386,Jarrett Allen,2024-01-05"]))
    assert ros.format is FileFormat.ROSTERS and ros.frame["player_id"].tolist() == [1628386]


def test_schedule_is_stored_and_a_moved_game_replaces_its_row(store, tmp_path):
    report = ingest_files(store, [write(tmp_path / "a.csv", SCHEDULE_HEADER, GAMES)])
    assert report.schedule.schedule_rows == 5 and report.changed
    assert report.files[0].added == 5
    # Both teams' seasons are known before any game of theirs is played.
    assert store.query("SELECT count(*) AS n FROM team_seasons")["n"][0] == 7
    moved = [_game("0022300601", "2024-03-02", MIA, WAS)]
    report = ingest_files(store, [write(tmp_path / "b.csv", SCHEDULE_HEADER, moved)])
    assert report.schedule.schedule_rows == 1
    row = store.query("SELECT game_date, postponed FROM schedule WHERE game_id = '0022300601'")
    assert (str(row["game_date"][0])[:10], bool(row["postponed"][0])) == ("2024-03-02", False)
    assert store.counts()["schedule"] == 5
    again = ingest_files(store, [write(tmp_path / "b.csv", SCHEDULE_HEADER, moved)])
    assert again.schedule.schedule_rows == 0 and not again.changed


@pytest.mark.parametrize(("row", "field", "match"), [
    (_game("0022300700", "2024-01-22", BOS, BOS), "team_id_road", "cannot play itself"),
    (_game("0022300700", "2025-01-22", BOS, LAL), "game_date", "outside the row.s season"),
    (_game("0022300700", "2024-01-22", BOS, LAL, "playoffs"), "game_type", "prefix"),
    (_game("0022200700", "2024-01-22", BOS, LAL), "game_id", "another season"),
    (_game("0022300700", "2024-01-22", BOS, LAL).replace(",LAL,", ",LAC,"),
     "team_abbreviation_road", "not LAC"),
    (_game("0022300700", "2024-01-22", BOS, LAL).replace(str(LAL), "99"), "team_id_road",
     "not a known team"),
    (_game("0022300700", "2024-01-22", BOS, LAL).replace(",False,False", ",maybe,False"),
     "neutral_site", "boolean"),
])
def test_bad_schedule_rows_name_file_line_and_field(store, tmp_path, row, field, match):
    path = write(tmp_path / "bad.csv", SCHEDULE_HEADER, [GAMES[1], row])
    before = store.counts()
    with pytest.raises(IngestError, match=match) as info:
        ingest_files(store, [path])
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 3, field)
    assert store.counts() == before


def test_rosters_stored_and_cut_by_as_of(store, tmp_path):
    rows = [f"{SEASON},{CLE},CLE,1,Player One,2024-01-05",
            f"{SEASON},{BKN},BKN,2,Player Two,2024-01-05",
            # traded on the 8th: read on the 10th, he is a Net
            f"{SEASON},{BKN},BKN,1,Player One,2024-01-10"]
    report = ingest_files(store, [write(tmp_path / "r.csv", ROSTERS_HEADER, rows)])
    assert report.schedule.roster_rows == 3
    data = store.league()
    assert len(data.rosters) == 3
    on_9th = data.before(pd.Timestamp("2024-01-09")).rosters
    assert on_9th["as_of"].max() == pd.Timestamp("2024-01-05") and len(on_9th) == 2
    assert len(data.before(pd.Timestamp("2024-01-10")).rosters) == 2  # read that day: not yet
    assert len(data.before(pd.Timestamp("2024-01-11")).rosters) == 3
    # A name for a player no game log has mentioned yet.
    assert set(store.query("SELECT name FROM players")["name"]) == {"Player One", "Player Two"}


def test_player_on_two_teams_the_same_day_is_refused(store, tmp_path):
    rows = [f"{SEASON},{CLE},CLE,1,Player One,2024-01-05",
            f"{SEASON},{BKN},BKN,2,Player Two,2024-01-05",
            f"{SEASON},{BKN},BKN,1,Player One,2024-01-05"]
    path = write(tmp_path / "r.csv", ROSTERS_HEADER, rows)
    with pytest.raises(IngestError, match="two teams") as info:
        ingest_files(store, [path])
    assert (info.value.line, info.value.field) == (4, "team_id")
    # ... also across two files of one ingest
    a = write(tmp_path / "a.csv", ROSTERS_HEADER, rows[:1])
    b = write(tmp_path / "b.csv", ROSTERS_HEADER, rows[2:])
    with pytest.raises(IngestError, match="two teams") as info:
        ingest_files(store, [a, b])
    assert info.value.file == str(b)
    assert store.counts()["rosters"] == 0


def test_schedule_is_not_cut_by_date_but_future_postseason_is(store, tmp_path):
    rows = [*GAMES, _game("0042300101", "2024-04-20", BOS, MIA, "playoffs")]
    ingest_files(store, [write(tmp_path / "s.csv", SCHEDULE_HEADER, rows)])
    data = store.league()
    cut = data.before(pd.Timestamp("2024-01-15"))
    assert len(cut.games) == 0
    assert set(cut.schedule["game_id"]) == {r.split(",")[0] for r in GAMES}
    assert "0042300101" in set(data.before(pd.Timestamp("2024-04-21")).schedule["game_id"])
    assert set(cut.restrict_seasons([SEASON]).schedule["game_id"]) == set(cut.schedule["game_id"])
    assert len(cut.restrict_seasons(["2022-23"]).schedule) == 0


def test_a_store_without_the_new_tables_still_opens(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE games (game_id VARCHAR)")  # stands in for an older schema
    con.close()
    with Store(path, read_only=True) as s:
        assert s.counts()["schedule"] == 0
    with Store(path) as s:  # a writable open adds them
        assert s.counts()["rosters"] == 0
