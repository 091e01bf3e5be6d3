"""fetch of the season under way: game logs, ScheduleLeagueV2 and 30 CommonTeamRoster requests,
served from the constructed 2023-24 responses in tests/fixtures/nba_api (README.md there) as
if today were 2024-01-15. nba_api's request and parsing code runs for real."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
import requests

from truestrength.base.config import FetchSection
from truestrength.data.fetch import (
    ROSTERS_COLUMNS,
    SCHEDULE_COLUMNS,
    SEASON_TYPE_COLUMN,
    build_games,
    fetch_seasons,
)
from truestrength.data.formats import FileFormat, read_file
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nba_api"
SEASON = "2023-24"
TODAY = date(2024, 1, 15)
SLUG = {"Regular Season": "regular-season", "PlayIn": "playin", "Playoffs": "playoffs",
        "IST": "ist"}
ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs", "IST")
PARIS, SEMI, FINAL, POSTPONED = "0022300527", "0022301229", "0062300001", "0022300571"
CLE, BKN = 1610612739, 1610612751


class RecordedSession:
    """Serves the recorded response for the endpoint and parameters nba_api asks for."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root
        self.calls: list[dict[str, object]] = []

    def get(self, url, params=None, headers=None, proxies=None, timeout=None):
        p = dict(params or [])
        self.calls.append({**p, "_url": url})
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "leaguegamelog":
            name = f"leaguegamelog_{p['Season']}_{SLUG[p['SeasonType']]}_{p['PlayerOrTeam']}"
        elif endpoint == "scheduleleaguev2":
            name = f"scheduleleaguev2_{p['Season']}"
        elif endpoint == "commonteamroster":
            name = f"commonteamroster_{p['Season']}_{p['TeamID']}"
        else:  # pragma: no cover - a request this test does not expect
            raise AssertionError(f"unexpected endpoint {endpoint}")
        r = requests.Response()
        r.status_code = 200
        r._content = (self.root / f"{name}.json").read_bytes()
        r.encoding = "utf-8"
        r.url = f"{url}?{urlencode(sorted(p.items()))}"
        return r


def fetch(raw: Path, session: RecordedSession, today: date = TODAY, **kw):
    cfg = FetchSection(**{"season_types": ALL_TYPES, "min_interval_s": 0.0, **kw})
    return fetch_seasons(raw, [SEASON], cfg, client=session, progress=False, today=today,
                         sleep=lambda s: None)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def header(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.readline().strip().split(",")


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    session = RecordedSession()
    return raw, fetch(raw, session), session


def test_season_under_way_asks_for_schedule_and_every_roster(fetched):
    raw, result, session = fetched
    endpoints = [c["_url"].rsplit("/", 1)[-1] for c in session.calls]
    assert endpoints.count("leaguegamelog") == 8
    assert endpoints.count("scheduleleaguev2") == 1
    assert endpoints.count("commonteamroster") == 30
    assert result.files == [raw / d / f"{SEASON}.csv.gz"
                            for d in ("player_game_logs", "games", "schedule", "rosters")]
    saved = {p.name for p in (raw / "responses").glob("*.json")}
    assert f"scheduleleaguev2_{SEASON}_2024-01-15.json" in saved
    assert f"commonteamroster_{SEASON}_{CLE}_2024-01-15.json" in saved


def test_neutral_site_games_with_both_at_rows_are_neutral(fetched):
    raw, _, _ = fetched
    games = read(raw / "games" / f"{SEASON}.csv.gz").set_index("game_id")
    assert games.loc[[PARIS, SEMI, FINAL], "neutral_site"].tolist() == ["True"] * 3
    assert games.loc["0022300530", "neutral_site"] == "False"
    # home/road from the schedule; the cup semi is known as such from the schedule
    assert games.loc[PARIS, ["team_abbreviation_home", "team_abbreviation_road"]].tolist() == [
        "CLE", "BKN"]
    assert games.loc[SEMI, "game_type"] == "nba_cup_semi"
    assert games.loc[FINAL, "game_type"] == "nba_cup_final"


def test_schedule_file_holds_future_postponed_and_cup_games(fetched):
    raw, _, _ = fetched
    path = raw / "schedule" / f"{SEASON}.csv.gz"
    assert header(path) == list(SCHEDULE_COLUMNS)
    s = read(path).set_index("game_id")
    assert len(s) == 10 and not s.index.str.startswith("001").any()  # preseason left out
    assert s.loc[POSTPONED, "postponed"] == "True"
    assert (s.drop(POSTPONED)["postponed"] == "False").all()
    assert (s["game_date"] > "2024-01-15").sum() == 6  # five future games and the postponed
    assert s.loc[[PARIS, SEMI, FINAL], "neutral_site"].tolist() == ["True"] * 3
    assert s.loc[SEMI, "game_type"] == "nba_cup_semi"
    assert s.loc[FINAL, "game_type"] == "nba_cup_final"


def test_rosters_file_has_every_team_read_today(fetched):
    raw, _, _ = fetched
    path = raw / "rosters" / f"{SEASON}.csv.gz"
    assert header(path) == list(ROSTERS_COLUMNS)
    r = read(path)
    assert r["team_id"].nunique() == 30 and len(r) == 390
    assert set(r["as_of"]) == {"2024-01-15"}
    assert (r.loc[r["team_id"] == str(CLE), "team_abbreviation"] == "CLE").all()
    assert not r["player_id"].duplicated().any()


def test_fetched_files_ingest_with_the_schedule_and_rosters(fetched, tmp_path):
    raw, result, _ = fetched
    parsed = [read_file(p) for p in result.files]
    assert [p.format for p in parsed] == [FileFormat.PLAYER_LOGS, FileFormat.GAMES,
                                          FileFormat.SCHEDULE, FileFormat.ROSTERS]
    # The player logs put both teams of the neutral games on the road, NBA.com's way.
    logs = read(result.files[0])
    paris = logs[logs["GAME_ID"] == PARIS]
    assert len(paris) and paris["MATCHUP"].str.contains(" @ ").all()
    with Store(tmp_path / "s.duckdb") as store:
        report = ingest_files(store, result.files)
        assert report.schedule.schedule_rows == 10 and report.schedule.roster_rows == 390
        assert report.player_rows_added == len(logs)
        data = store.league()
    g = data.games.set_index("game_id")
    assert g.loc[[PARIS, SEMI, FINAL], "neutral_site"].all()
    # The games file books CLE at home in Paris; the player rows sit on its sides.
    assert g.loc[PARIS, "home_team_id"] == CLE
    pl = data.player_logs[data.player_logs["game_id"] == PARIS]
    assert (pl["is_home"] == (pl["team_id"] == CLE)).all()
    assert not g.loc[FINAL, "counts_for_standings"] and g.loc[SEMI, "counts_for_standings"]
    at = data.before(pd.Timestamp("2024-01-16"))
    assert len(at.rosters) == 390 and len(at.schedule) == 10
    assert len(data.before(pd.Timestamp(TODAY)).rosters) == 0  # read on the 15th


def test_same_day_resumes_next_day_asks_again_and_keeps_history(tmp_path):
    raw = tmp_path / "raw"
    fetch(raw, RecordedSession())
    again = RecordedSession()
    fetch(raw, again)
    assert again.calls == []
    tomorrow = RecordedSession()
    result = fetch(raw, tomorrow, today=date(2024, 1, 16))
    assert len(tomorrow.calls) == 31  # the schedule and 30 rosters, not the game logs
    r = read(result.files[-1])
    assert sorted(r["as_of"].unique()) == ["2024-01-15", "2024-01-16"] and len(r) == 780


def test_past_season_or_switched_off_asks_for_no_schedule(tmp_path):
    later = RecordedSession()
    result = fetch(tmp_path / "a", later, today=date(2024, 9, 1))  # 2024-25 under way
    assert len(later.calls) == 8 and len(result.files) == 2
    off = RecordedSession()
    fetch(tmp_path / "b", off, schedule_and_rosters=False)
    assert len(off.calls) == 8


def _team_log(home_matchup: str, road_matchup: str) -> pd.DataFrame:
    box = {c: 0 for c in ("FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM", "FTA",
                          "FT_PCT", "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF",
                          "PLUS_MINUS")}
    rows = [dict(TEAM_ID=CLE, TEAM_ABBREVIATION="CLE", TEAM_NAME="Cleveland Cavaliers",
                 GAME_ID=PARIS, GAME_DATE="2024-01-11", MATCHUP=home_matchup, WL="W",
                 PTS=111, **box),
            dict(TEAM_ID=BKN, TEAM_ABBREVIATION="BKN", TEAM_NAME="Brooklyn Nets",
                 GAME_ID=PARIS, GAME_DATE="2024-01-11", MATCHUP=road_matchup, WL="L",
                 PTS=102, **box)]
    return pd.DataFrame(rows).assign(**{SEASON_TYPE_COLUMN: "Regular Season"})


def test_neutral_home_team_from_schedule_else_lower_team_id():
    log = _team_log("CLE @ BKN", "BKN @ CLE")
    built = build_games(log, SEASON)
    assert (built["team_id_home"].iloc[0], built["neutral_site"].iloc[0]) == (CLE, True)
    sched = pd.DataFrame({"game_id": [PARIS], "team_id_home": [BKN],
                          "game_type": ["regular_season"]})
    built = build_games(log, SEASON, sched)
    assert (built["team_id_home"].iloc[0], built["pts_home"].iloc[0]) == (BKN, 102)
    with pytest.raises(ValueError, match=PARIS):
        build_games(_team_log("CLE vs. BKN", "BKN vs. CLE"), SEASON)


def test_own_schedule_flattening_matches_nba_api_parser():
    """fetch flattens ScheduleLeagueV2 itself (nba_api's parser is quadratic): same values
    under the same column names as nba_api's SeasonGames, for every column it keeps."""
    from nba_api.stats.endpoints import ScheduleLeagueV2
    from nba_api.stats.library.http import NBAStatsResponse

    from truestrength.data.fetch import schedule_games

    text = (FIXTURES / f"scheduleleaguev2_{SEASON}.json").read_text()
    ep = ScheduleLeagueV2(season=SEASON, get_request=False)
    ep.nba_response = NBAStatsResponse(response=text, status_code=200, url=None)
    ep.load_response()
    theirs = ep.season_games.get_data_frame()
    ours = schedule_games(text)
    assert len(ours) == len(theirs) == 11
    pd.testing.assert_frame_equal(ours, theirs[list(ours.columns)], check_dtype=False)
