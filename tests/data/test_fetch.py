"""fetch: nba_api's request and parsing code runs for real; only the HTTP session is replaced.

The recorded responses in tests/fixtures/nba_api/ stand in for NBA.com (README.md there says
how they were built). A fake session is installed where nba_api keeps its
``requests.Session``, so everything above ``session.get`` (parameter handling, response
wrapping, LeagueGameLog parsing) is nba_api's own code.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
import requests
import urllib3.exceptions
from nba_api.stats.library.http import NBAStatsHTTP
from pydantic import ValidationError

from truestrength.base.config import FetchSection
from truestrength.base.errors import ConfigError, DataError
from truestrength.base.seasons import parse_seasons
from truestrength.data.fetch import (
    GAMES_COLUMNS,
    PLAYER_FILE_COLUMNS,
    SEASON_TYPE_COLUMN,
    FetchError,
    build_games,
    fetch_seasons,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nba_api"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "nba"
SEASON = "2022-23"
SLUG = {"Regular Season": "regular-season", "PlayIn": "playin", "Playoffs": "playoffs"}
ALL_LABELS = [
    f"{SEASON} {st} {who}"
    for st in ("Regular Season", "PlayIn", "Playoffs")
    for who in ("players", "teams")
]


def _response(status: int, body: str, url: str) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body.encode("utf-8")
    r.encoding = "utf-8"
    r.url = url
    return r


class RecordedSession:
    """Serves the recorded LeagueGameLog JSON for the parameters nba_api sends.

    ``script`` maps a call number (0-based) to a status code or an exception to produce
    instead of the recording, to simulate NBA.com having a bad moment.
    """

    def __init__(self, script: dict[int, int | BaseException] | None = None) -> None:
        self.script = script or {}
        self.calls: list[dict[str, object]] = []

    def get(self, url, params=None, headers=None, proxies=None, timeout=None):
        p = dict(params or [])
        n = len(self.calls)
        self.calls.append({**p, "_url": url, "_timeout": timeout, "_headers": headers})
        full = f"{url}?{urlencode(sorted(p.items()))}"
        action = self.script.get(n)
        if isinstance(action, BaseException):
            raise action
        if isinstance(action, int):
            return _response(action, "<html><body>Service Unavailable</body></html>", full)
        name = f"leaguegamelog_{p['Season']}_{SLUG[p['SeasonType']]}_{p['PlayerOrTeam']}.json"
        return _response(200, (FIXTURES / name).read_text(), full)


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def _fetch(tmp_path: Path, session: RecordedSession, *, refresh: bool = False, **kw):
    """Fetch SEASON into tmp_path/raw; ``kw`` are FetchSection fields."""
    t = FakeTime()
    result = fetch_seasons(
        tmp_path / "raw",
        [SEASON],
        FetchSection(**kw),
        refresh=refresh,
        client=session,
        progress=False,
        sleep=t.sleep,
        clock=t.clock,
    )
    return result, t


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _header(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.readline().strip().split(",")


# --------------------------------------------------------------------------- end to end


def test_fetch_one_season_from_recordings(tmp_path):
    session = RecordedSession()
    result, _ = _fetch(tmp_path, session)
    raw = tmp_path / "raw"
    players_path = raw / "player_game_logs" / f"{SEASON}.csv.gz"
    games_path = raw / "games" / f"{SEASON}.csv.gz"
    assert result.files == [players_path, games_path]
    assert result.downloaded == ALL_LABELS and result.skipped == []
    assert len(session.calls) == 6
    first = session.calls[0]
    assert first["_url"] == "https://stats.nba.com/stats/leaguegamelog"
    assert (first["Season"], first["SeasonType"], first["PlayerOrTeam"]) == (
        SEASON,
        "Regular Season",
        "P",
    )
    assert first["_timeout"] == 30.0
    assert len(list((raw / "responses").glob("*.json"))) == 6

    assert _header(players_path) == list(PLAYER_FILE_COLUMNS)
    assert _header(games_path) == list(GAMES_COLUMNS)
    players, games = _read(players_path), _read(games_path)
    assert (players["SEASON"] == SEASON).all()
    assert players["GAME_ID"].str.fullmatch(r"\d{10}").all()  # zero padding kept
    assert set(players["SEASON_ID"]) == {"22022", "52022", "42022"}
    # No attempts -> empty percentage, as in the real files (never "nan" or 0).
    no_fta = players[players["FTA"] == "0"]
    assert len(no_fta) and (no_fta["FT_PCT"] == "").all()

    assert len(games) == 5
    by_id = games.set_index("game_id")
    assert by_id["game_type"].to_dict() == {
        "0022200001": "regular_season",
        "0022200002": "regular_season",
        "0022200009": "regular_season",
        "0052200101": "play_in",
        "0042200111": "playoffs",
    }
    assert (games["neutral_site"] == "False").all()
    opener = by_id.loc["0022200001"]
    assert (opener["team_abbreviation_home"], opener["team_abbreviation_road"]) == ("BOS", "PHI")
    assert (opener["pts_home"], opener["pts_road"], opener["wl_home"]) == ("126", "117", "W")
    assert (opener["fgm_home"], opener["plus_minus_road"]) == ("46", "-9")
    assert games["game_date"].tolist() == sorted(games["game_date"])
    home_won = games["pts_home"].astype(int) > games["pts_road"].astype(int)
    assert (games["wl_home"] == home_won.map({True: "W", False: "L"})).all()

    pts = players.assign(PTS=players["PTS"].astype(int), TEAM_ID=players["TEAM_ID"].astype(int))
    sums = pts.groupby(["GAME_ID", "TEAM_ID"])["PTS"].sum()
    for g in games.itertuples(index=False):
        assert sums[(g.game_id, int(g.team_id_home))] == int(g.pts_home)
        assert sums[(g.game_id, int(g.team_id_road))] == int(g.pts_road)


def test_fetched_files_pass_ingest_parsing(tmp_path):
    """What fetch writes is what ingest reads (skipped if ingest's parser is not importable)."""
    try:
        from truestrength.data.formats import FileFormat, read_file
    except ImportError as exc:  # pragma: no cover - another module still being written
        pytest.skip(f"truestrength.data.formats not importable: {exc}")
    result, _ = _fetch(tmp_path, RecordedSession())
    players, games = (read_file(p) for p in result.files)
    assert players.format is FileFormat.PLAYER_LOGS and games.format is FileFormat.GAMES
    assert players.seasons == [SEASON] and games.seasons == [SEASON]
    assert sorted(games.frame["kind"]) == ["play_in", "playoff", "regular", "regular", "regular"]


def test_requests_are_spaced_by_the_minimum_interval(tmp_path):
    _, t = _fetch(tmp_path, RecordedSession(), min_interval_s=1.5)
    assert t.sleeps == [1.5] * 5  # six requests, never two within 1.5 s


def test_progress_bar_does_not_break_the_fetch(tmp_path, capsys):
    cfg = FetchSection(min_interval_s=0.0)
    result = fetch_seasons(tmp_path / "raw", [SEASON], cfg, client=RecordedSession(), progress=True)
    assert len(result.files) == 2
    assert "fetch" in capsys.readouterr().err


def test_nba_api_session_is_restored(tmp_path):
    before = NBAStatsHTTP.__dict__.get("_session")
    _fetch(tmp_path, RecordedSession())
    assert NBAStatsHTTP.__dict__.get("_session") is before


# --------------------------------------------------------------------------- retries


def test_503_is_retried_with_backoff_then_succeeds(tmp_path):
    session = RecordedSession(script={0: 503, 1: 503})
    result, t = _fetch(tmp_path, session, min_interval_s=1.0, backoff_s=2.0)
    assert len(session.calls) == 8
    assert t.sleeps[:2] == [2.0, 4.0]  # exponential backoff before the two retries
    assert result.downloaded == ALL_LABELS
    assert len(result.files) == 2


def test_timeouts_and_resets_are_retried(tmp_path):
    session = RecordedSession(
        script={
            0: requests.exceptions.ReadTimeout("read timed out"),
            1: requests.ConnectionError("Connection aborted.", ConnectionResetError(104, "reset")),
            2: 429,
        }
    )
    result, t = _fetch(tmp_path, session, backoff_s=0.5, min_interval_s=0.0)
    assert len(session.calls) == 9
    assert t.sleeps[:3] == [0.5, 1.0, 2.0]
    assert len(result.files) == 2


def test_persistent_failure_names_the_request_writes_no_csv_and_resumes(tmp_path):
    always_503 = {n: 503 for n in range(2, 50)}  # the first two requests succeed
    with pytest.raises(FetchError) as info:
        _fetch(tmp_path, RecordedSession(script=always_503), retries=2, backoff_s=0.1)
    msg = str(info.value)
    assert f"{SEASON} PlayIn players" in msg
    assert "3 attempt(s)" in msg and "HTTP 503" in msg
    assert "re-running" in msg and not info.value.offline
    raw = tmp_path / "raw"
    assert not (raw / "player_game_logs" / f"{SEASON}.csv.gz").exists()
    assert not (raw / "games" / f"{SEASON}.csv.gz").exists()
    assert len(list((raw / "responses").glob("*.json"))) == 2
    assert not list((raw / "responses").glob(".*"))  # no temp files left behind

    session = RecordedSession()
    result, _ = _fetch(tmp_path, session)
    assert len(session.calls) == 4
    assert result.skipped == ALL_LABELS[:2] and result.downloaded == ALL_LABELS[2:]
    assert len(result.files) == 2


def test_failure_in_a_later_season_keeps_the_finished_ones(tmp_path):
    t = FakeTime()
    cfg = FetchSection(retries=0)
    session = RecordedSession(script={6: 500})
    with pytest.raises(FetchError, match="2023-24 Regular Season players.*No files were written "
                       "for 2023-24.*6 response.*re-running"):  # fmt: skip
        fetch_seasons(tmp_path / "raw", [SEASON, "2023-24"], cfg, client=session,
                      progress=False, sleep=t.sleep, clock=t.clock)  # fmt: skip
    assert (tmp_path / "raw" / "games" / f"{SEASON}.csv.gz").is_file()
    assert not (tmp_path / "raw" / "games" / "2023-24.csv.gz").exists()


def test_client_errors_are_not_retried(tmp_path):
    session = RecordedSession(script={0: 400})
    with pytest.raises(FetchError, match="HTTP 400") as info:
        _fetch(tmp_path, session)
    assert len(session.calls) == 1
    assert "Service Unavailable" in str(info.value)  # the body is quoted for diagnosis


def test_a_non_json_200_is_a_clear_error(tmp_path):
    class Garbage(RecordedSession):
        def get(self, url, params=None, **kw):
            self.calls.append(dict(params or []))
            return _response(200, "<html>blocked</html>", url)

    with pytest.raises(FetchError, match="not with a LeagueGameLog"):
        _fetch(tmp_path, Garbage())


# --------------------------------------------------------------------------- resume


def test_second_run_makes_no_http_calls_and_rebuilds_identical_files(tmp_path):
    first, _ = _fetch(tmp_path, RecordedSession())
    contents = [p.read_bytes() for p in first.files]
    for p in first.files:
        p.unlink()
    session = RecordedSession()
    second, t = _fetch(tmp_path, session)
    assert session.calls == [] and t.sleeps == []
    assert second.downloaded == [] and second.skipped == ALL_LABELS
    assert [p.read_bytes() for p in second.files] == contents


def test_unreadable_saved_response_is_downloaded_again(tmp_path):
    _fetch(tmp_path, RecordedSession())
    broken = tmp_path / "raw" / "responses" / f"leaguegamelog_{SEASON}_playoffs_T.json"
    broken.write_text('{"resultSets": [')
    session = RecordedSession()
    result, _ = _fetch(tmp_path, session)
    assert result.downloaded == [f"{SEASON} Playoffs teams"]
    assert len(session.calls) == 1
    json.loads(broken.read_text())


def test_refresh_downloads_everything_again(tmp_path):
    _fetch(tmp_path, RecordedSession())
    session = RecordedSession()
    result, _ = _fetch(tmp_path, session, refresh=True)
    assert len(session.calls) == 6 and result.downloaded == ALL_LABELS


# --------------------------------------------------------------------------- offline


def _name_resolution_error() -> requests.ConnectionError:
    """The exception chain requests raises when DNS fails (as seen on this offline machine)."""
    reason = urllib3.exceptions.NameResolutionError(
        "stats.nba.com", None, socket.gaierror(-2, "Name or service not known")
    )
    pool_error = urllib3.exceptions.MaxRetryError(None, "/stats/leaguegamelog", reason)
    return requests.ConnectionError(pool_error)


def test_offline_fails_fast_without_retrying(tmp_path):
    session = RecordedSession(script={0: _name_resolution_error()})
    cfg = FetchSection()  # default retries=4, backoff 2 s: retrying would take 30 s
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_seasons(tmp_path / "raw", [SEASON], cfg, client=session, progress=False)
    assert time.monotonic() - start < 2.0
    assert len(session.calls) == 1
    msg = str(info.value)
    assert info.value.offline
    assert msg.startswith("Cannot reach stats.nba.com (Failed to resolve 'stats.nba.com'")
    assert "may be offline" in msg and "`truestrength ingest PATH`" in msg


def test_connection_refused_through_requests_fails_fast(tmp_path, monkeypatch):
    """Patched one level lower, on requests.Session.get itself, with nba_api's own session."""
    calls = []

    def refuse(self, url, **kwargs):
        calls.append(url)
        reason = urllib3.exceptions.NewConnectionError(
            None, "Failed to establish a new connection: [Errno 111] Connection refused"
        )
        raise requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, reason))

    monkeypatch.setattr(requests.Session, "get", refuse)
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"Cannot reach stats\.nba\.com \(.*refused\)") as info:
        fetch_seasons(tmp_path / "raw", [SEASON], FetchSection(), progress=False)
    assert time.monotonic() - start < 2.0
    assert len(calls) == 1 and info.value.offline


def test_real_network_fails_fast_on_this_offline_machine(tmp_path, monkeypatch):
    for var in ("NBA_API_PROXY", "NBA_API_REQUIRE_PROXY"):
        monkeypatch.delenv(var, raising=False)
    cfg = FetchSection(timeout_s=1.0)
    start = time.monotonic()
    try:
        fetch_seasons(tmp_path / "raw", [SEASON], cfg, progress=False)
    except FetchError as exc:
        elapsed = time.monotonic() - start
        assert elapsed < 2.0, f"took {elapsed:.1f} s: {exc}"
        assert exc.offline, str(exc)
        assert "Cannot reach stats.nba.com" in str(exc)
    else:  # pragma: no cover - only with internet
        pytest.skip("stats.nba.com answered: this machine is online")


# --------------------------------------------------------------------------- seasons


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2022-23", ["2022-23"]),
        ("2015-16..2017-18", ["2015-16", "2016-17", "2017-18"]),
        (" 2021-22 , 2023-24 ", ["2021-22", "2023-24"]),
        ("2023-24,2015-16..2016-17,2015-16", ["2023-24", "2015-16", "2016-17"]),
        ("1999-00..2000-01", ["1999-00", "2000-01"]),
        ("2024-25..2024-25", ["2024-25"]),
    ],
)
def test_parse_seasons(spec, expected):
    assert parse_seasons(spec) == expected


def test_parse_seasons_full_default_range():
    seasons = parse_seasons("2015-16..2024-25")
    assert len(seasons) == 10 and seasons[0] == "2015-16" and seasons[-1] == "2024-25"


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("", "no seasons"),
        ("2015", "not a season"),
        ("2015-17", "second year must follow"),
        ("2024-25..2015-16", "runs backwards; write 2015-16..2024-25"),
        ("2015-16..", "not a season"),
        ("2015-16,,2016-17", "empty item"),
        ("last season", "not a season"),
    ],
)
def test_parse_seasons_rejects(spec, match):
    with pytest.raises(ConfigError, match=match):
        parse_seasons(spec)


def test_config_rejects_unknown_season_type():
    with pytest.raises(ValidationError, match="season_types"):
        FetchSection(season_types=("Pre Season",))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="season_types"):
        FetchSection(season_types=())
    with pytest.raises(ValidationError, match="min_interval"):
        FetchSection(min_interval_s=1.0, min_interval=2.0)  # type: ignore[call-arg]


def test_fetch_rejects_bad_seasons_before_any_request(tmp_path):
    session = RecordedSession()
    with pytest.raises(ValueError, match="parse_seasons"):
        fetch_seasons(tmp_path, "2022-23", client=session, progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="parse_seasons"):
        fetch_seasons(tmp_path, [], client=session, progress=False)
    with pytest.raises(ValueError, match="YYYY-YY"):
        fetch_seasons(tmp_path, [SEASON, "2023"], client=session, progress=False)
    assert session.calls == []


def test_fetch_error_is_a_data_error():
    assert issubclass(FetchError, DataError)


# --------------------------------------------------------------------------- games building

_TEAM_BOX = [
    "FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM", "FTA", "FT_PCT",
    "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF", "PLUS_MINUS",
]  # fmt: skip
_FLIP = {"W": "L", "L": "W"}
_SEASON_TYPE_OF = {
    "regular_season": "Regular Season",
    "nba_cup_semi": "Regular Season",  # the cup semis come in the regular-season log
    "nba_cup_final": "IST",
    "play_in": "PlayIn",
    "playoffs": "Playoffs",
}


def _team_log_from_games(games: pd.DataFrame) -> pd.DataFrame:
    """The LeagueGameLog T rows NBA.com would send for these games, home and road."""
    rows = []
    for side, other, vs in (("home", "road", "vs."), ("road", "home", "@")):
        part = pd.DataFrame(
            {
                "TEAM_ID": games[f"team_id_{side}"].astype(int),
                "TEAM_ABBREVIATION": games[f"team_abbreviation_{side}"],
                "TEAM_NAME": games[f"team_name_{side}"],
                "GAME_ID": games["game_id"],
                "GAME_DATE": games["game_date"],
                "MATCHUP": games[f"team_abbreviation_{side}"]
                + f" {vs} "
                + games[f"team_abbreviation_{other}"],
                "WL": games["wl_home"] if side == "home" else games["wl_home"].map(_FLIP),
                "PTS": games[f"pts_{side}"].astype(int),
                SEASON_TYPE_COLUMN: games["game_type"].map(_SEASON_TYPE_OF),
            }
        )
        for c in _TEAM_BOX:
            part[c] = pd.to_numeric(games[f"{c.lower()}_{side}"])
        rows.append(part)
    # Shuffled, so the pairing cannot lean on row order.
    return pd.concat(rows).sample(frac=1.0, random_state=0)


def _real_games(season: str) -> pd.DataFrame:
    path = SHARED / "games" / f"{season}.csv.gz"
    if not path.is_file():
        pytest.skip(f"real data not found at {path} (see ../shared/data/DATA.md)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Written and read back, so the comparison is the files' text, not pandas dtypes."""
    from io import StringIO

    return pd.read_csv(StringIO(frame.to_csv(index=False)), dtype=str, keep_default_na=False)


@pytest.mark.realdata
def test_games_built_from_real_team_rows_match_the_real_file():
    real = _real_games("2022-23")
    built = build_games(_team_log_from_games(real), "2022-23")
    assert list(built.columns) == list(real.columns)
    assert list(GAMES_COLUMNS) == _header(SHARED / "games" / "2022-23.csv.gz")
    got = _as_text(built).sort_values("game_id").reset_index(drop=True)
    want = real.sort_values("game_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.realdata
def test_fetched_regular_season_player_rows_are_the_real_rows_verbatim(tmp_path):
    path = SHARED / "player_game_logs" / f"{SEASON}.csv.gz"
    if not path.is_file():
        pytest.skip(f"real data not found at {path} (see ../shared/data/DATA.md)")
    result, _ = _fetch(tmp_path, RecordedSession())
    got = _read(result.files[0])
    got = got[got["SEASON_ID"] == "22022"].reset_index(drop=True)
    real = _read(path)
    real = real[real["GAME_ID"].isin(got["GAME_ID"].unique())].reset_index(drop=True)
    assert len(got) == 65
    pd.testing.assert_frame_equal(got, real)  # same columns, order, and text of every cell


@pytest.mark.realdata
def test_cup_games_2023_24_differ_from_the_real_file_only_as_documented():
    real = _real_games("2023-24")
    built = _as_text(build_games(_team_log_from_games(real), "2023-24")).set_index("game_id")
    real = real.set_index("game_id").loc[built.index]
    final = built.loc["0062300001"]
    assert (final["game_type"], final["neutral_site"]) == ("nba_cup_final", "True")
    semis = real.index[real["game_type"] == "nba_cup_semi"]
    assert len(semis) == 2
    # The log cannot tell the semis apart: regular-season games, not flagged neutral.
    assert (built.loc[semis, "game_type"] == "regular_season").all()
    assert (built.loc[semis, "neutral_site"] == "False").all()
    others = real.index.difference(semis)
    pd.testing.assert_frame_equal(built.loc[others], real.loc[others])


def test_games_from_the_ist_log_keep_only_the_final():
    from truestrength.data.fetch import _keep_rows

    ist = pd.DataFrame({"GAME_ID": ["0022301229", "0062300001"], "X": [1, 2]})
    assert _keep_rows(ist, "IST")["GAME_ID"].tolist() == ["0062300001"]
    assert len(_keep_rows(ist, "Regular Season")) == 2


def test_unpaired_game_is_an_error_not_a_silent_drop():
    fixture = json.loads((FIXTURES / f"leaguegamelog_{SEASON}_regular-season_T.json").read_text())
    rs = fixture["resultSets"][0]
    log = pd.DataFrame(rs["rowSet"], columns=rs["headers"]).assign(
        **{SEASON_TYPE_COLUMN: "Regular Season"}
    )
    with pytest.raises(ValueError, match="0022200002"):
        build_games(log.drop(index=3), SEASON)  # LAL's row of GSW-LAL is missing
    both_home = log.copy()
    both_home.loc[1, "MATCHUP"] = "PHI vs. BOS"
    with pytest.raises(ValueError, match="0022200001"):
        build_games(both_home, SEASON)


def test_fixtures_are_small():
    total = sum(p.stat().st_size for p in FIXTURES.iterdir() if p.is_file())
    assert total < 250_000  # 30 roster responses of 13 players are most of it
    assert os.path.isfile(FIXTURES / "README.md")
