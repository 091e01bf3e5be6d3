"""Download seasons from NBA.com's stats service with nba_api, into files ingest reads.

One ``LeagueGameLog`` request per (season, season type, players/teams). Each response is
saved as raw JSON under ``raw_dir/responses/`` the moment it arrives, so an interrupted
download resumes where it stopped, and the CSVs (``player_game_logs/{season}.csv.gz`` and
``games/{season}.csv.gz``, the formats in ``docs/contracts.md``) are always rebuilt from the
saved responses: a season's CSVs are written only once every one of its requests succeeded.

NBA.com throttles and sometimes hangs on clients that hammer it, so requests are spaced by a
minimum interval and transient failures (timeouts, dropped connections, HTTP 429/5xx) are
retried with exponential backoff. A machine that cannot reach the host at all (no DNS, no
route, connection refused) is told so at once instead of after minutes of retries.

What the team log cannot tell us, and how the games file says it:

* NBA Cup semi-finals are ordinary ``002`` regular-season games in the log, indistinguishable
  from other games; they are written as ``regular_season`` (which is what they are for the
  standings) with ``neutral_site`` False, although they are played in Las Vegas.
* The cup final has its own ``006`` id and is written as ``nba_cup_final`` with
  ``neutral_site`` True (it is always played in Las Vegas). NBA.com serves it under the season
  type ``IST``, not ``Regular Season``; it is fetched only when ``"IST"`` is in
  ``FetchSection.season_types`` (it does not count toward the standings either way).
* A neutral-site game (the international games, the cup knockout games in Las Vegas) has
  "@" on *both* teams' MATCHUP rows ("WAS @ MIA" and "MIA @ WAS"). It is written with
  ``neutral_site`` True; its designated home team is the schedule's home team when the
  schedule was fetched, else — the documented rule — **the team with the lower TEAM_ID**.
  The cup final is neutral too. Every other game is written with ``neutral_site`` False
  (the 2020 bubble is not marked in the log; ingest knows it).

For the season under way (the one containing ``today``; ``FetchSection.schedule_and_rosters``)
fetch also asks for ``ScheduleLeagueV2`` — the whole schedule, future games included, with
neutral flags, cup games and postponements — and ``CommonTeamRoster`` once per team, and
writes them as the schedule and rosters files of docs/contracts.md (``schedule/{season}.csv.gz``
and ``rosters/{season}.csv.gz``). Their saved responses carry the day they were read in
their name, so they are asked again on a new day (the schedule moves, rosters change) while
a run interrupted today resumes from today's. The schedule file is built from the newest
saved schedule; the rosters file holds every day's rosters, each with its ``as_of`` day.
From the schedule: a game is postponed when its ``gameStatusText`` says ``PPD`` or
``Postponed`` or its ``postponedStatus`` is ``P``; a ``002`` game is a cup game when its
``gameLabel``/``gameSubtype`` names the NBA Cup (or the In-Season Tournament), a semi-final
or quarter-final by its ``gameSubLabel``; preseason (``001``) and All-Star (``003``) games
and games whose teams are not set yet (playoff slots) are left out.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import json
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import requests
import urllib3.exceptions
from nba_api.stats.endpoints import CommonTeamRoster, LeagueGameLog, ScheduleLeagueV2
from nba_api.stats.library.http import NBAStatsHTTP, NBAStatsResponse
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from truestrength.base.config import FetchSection
from truestrength.base.errors import DataError
from truestrength.base.io import atomic_write
from truestrength.base.seasons import season_label, season_start_year
from truestrength.data.teams import nba_team_season, nba_team_seasons

HOST = "stats.nba.com"

# The LeagueGameLog player columns in NBA.com's order; the files add SEASON at the end.
PLAYER_LOG_COLUMNS: tuple[str, ...] = (
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME",
    "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "MIN", "FGM", "FGA", "FG_PCT", "FG3M", "FG3A",
    "FG3_PCT", "FTM", "FTA", "FT_PCT", "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF",
    "PTS", "PLUS_MINUS", "FANTASY_PTS", "VIDEO_AVAILABLE",
)  # fmt: skip
PLAYER_FILE_COLUMNS: tuple[str, ...] = (*PLAYER_LOG_COLUMNS, "SEASON")

# Team-log columns the games file is built from (the team log has MIN and VIDEO_AVAILABLE too).
_BOX = (
    "FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM", "FTA", "FT_PCT",
    "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF", "PLUS_MINUS",
)  # fmt: skip
TEAM_LOG_REQUIRED: tuple[str, ...] = (
    "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME", "GAME_ID", "GAME_DATE", "MATCHUP", "WL",
    "PTS", *_BOX,
)  # fmt: skip
GAMES_COLUMNS: tuple[str, ...] = (
    "game_id", "game_date", "season", "game_type", "neutral_site",
    "team_id_home", "team_abbreviation_home", "team_name_home",
    "team_id_road", "team_abbreviation_road", "team_name_road",
    "pts_home", "pts_road", "wl_home",
    *(f"{c.lower()}_home" for c in _BOX),
    *(f"{c.lower()}_road" for c in _BOX),
)  # fmt: skip

# Season types NBA.com accepts for LeagueGameLog that this project understands.
GAME_TYPE_BY_SEASON_TYPE = {
    "Regular Season": "regular_season",
    "PlayIn": "play_in",
    "Playoffs": "playoffs",
    "IST": "nba_cup_final",
}
CUP_FINAL_PREFIX = "006"
SEASON_TYPE_COLUMN = "SEASON_TYPE"  # added to team-log frames: which request a row came from

_WHO = {"P": "players", "T": "teams"}
_SLUG = {"Regular Season": "regular-season", "PlayIn": "playin", "Playoffs": "playoffs",
         "IST": "ist"}  # fmt: skip
_OFFLINE_HINT = (
    "This machine may be offline; fetch needs internet. "
    "Use `truestrength ingest PATH` for files you already have."
)


class FetchError(DataError):
    """A download that could not complete; the message says what to do about it.

    ``offline`` is True when the host could not be reached at all, so a caller (the CLI) can
    point at ``ingest`` instead of suggesting a retry.
    """

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


@dataclass(frozen=True)
class FetchResult:
    """``files``: the CSVs written. ``downloaded`` / ``skipped``: request labels such as
    ``"2022-23 Playoffs players"`` that were fetched now / were already saved."""

    files: list[Path]
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class HTTPSession(Protocol):
    """What nba_api calls on its session: ``requests.Session.get`` with these keywords."""

    def get(self, url: str, **kwargs: Any) -> Any: ...


# --------------------------------------------------------------------------- seasons




# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class _Request:
    season: str
    season_type: str
    who: str  # "P" or "T"
    kind = "LeagueGameLog"

    @property
    def label(self) -> str:
        return f"{self.season} {self.season_type} {_WHO[self.who]}"

    def cache_path(self, raw_dir: Path) -> Path:
        name = f"leaguegamelog_{self.season}_{_SLUG[self.season_type]}_{self.who}.json"
        return raw_dir / "responses" / name

    def endpoint(self, timeout: float | None = None) -> Any:
        return LeagueGameLog(season=self.season, season_type_all_star=self.season_type,
                             player_or_team_abbreviation=self.who, get_request=False,
                             **({} if timeout is None else {"timeout": timeout}))

    def expected_parameters(self) -> dict[str, object]:
        return {"Season": self.season, "SeasonType": self.season_type,
                "PlayerOrTeam": self.who}

    def frame(self, endpoint: Any) -> pd.DataFrame:
        return endpoint.league_game_log.get_data_frame()

    def send(self, endpoint: Any) -> None:
        endpoint.get_request()  # nba_api sends, then parses (errors judged in _once)

    def parse(self, text: str) -> pd.DataFrame:
        return _parse_with_nba_api(self, text)


@dataclass(frozen=True)
class _ScheduleRequest:
    season: str
    as_of: str  # YYYY-MM-DD: the day it is read
    kind = "ScheduleLeagueV2"

    @property
    def label(self) -> str:
        return f"{self.season} schedule ({self.as_of})"

    def cache_path(self, raw_dir: Path) -> Path:
        return raw_dir / "responses" / f"scheduleleaguev2_{self.season}_{self.as_of}.json"

    def endpoint(self, timeout: float | None = None) -> Any:
        return ScheduleLeagueV2(season=self.season, get_request=False,
                                **({} if timeout is None else {"timeout": timeout}))

    def expected_parameters(self) -> dict[str, object]:
        return {"Season": self.season}

    def send(self, endpoint: Any) -> None:
        # nba_api's parser for this endpoint is quadratic in the number of games (about
        # 50 s for a whole season on this machine), so only its request is used here and
        # the response is flattened by schedule_games() into the same column names.
        endpoint.nba_response = NBAStatsHTTP().send_api_request(
            endpoint=endpoint.endpoint, parameters=endpoint.parameters, proxy=endpoint.proxy,
            headers=endpoint.headers, timeout=endpoint.timeout)
        schedule_games(endpoint.nba_response.get_response())

    def parse(self, text: str) -> pd.DataFrame:
        return schedule_games(text)


@dataclass(frozen=True)
class _RosterRequest:
    season: str
    team_id: int
    as_of: str
    kind = "CommonTeamRoster"

    @property
    def label(self) -> str:
        team = nba_team_season(self.team_id, self.season)
        return f"{self.season} roster {team.abbreviation if team else self.team_id} " \
               f"({self.as_of})"

    def cache_path(self, raw_dir: Path) -> Path:
        return (raw_dir / "responses"
                / f"commonteamroster_{self.season}_{self.team_id}_{self.as_of}.json")

    def endpoint(self, timeout: float | None = None) -> Any:
        return CommonTeamRoster(team_id=self.team_id, season=self.season, get_request=False,
                                **({} if timeout is None else {"timeout": timeout}))

    def expected_parameters(self) -> dict[str, object]:
        return {"TeamID": self.team_id, "Season": self.season}

    def frame(self, endpoint: Any) -> pd.DataFrame:
        return endpoint.common_team_roster.get_data_frame()

    def send(self, endpoint: Any) -> None:
        endpoint.get_request()

    def parse(self, text: str) -> pd.DataFrame:
        return _parse_with_nba_api(self, text)


_AnyRequest = _Request | _ScheduleRequest | _RosterRequest


class _Transient(Exception):
    """A failure worth retrying; ``reason`` is what the final error message says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Downloader:
    """Spaces requests (monotonic clock), retries transient failures, fails fast offline."""

    def __init__(
        self, config: FetchSection, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.clock = clock
        self._last_start: float | None = None

    def _wait_turn(self) -> None:
        if self._last_start is not None:
            delay = self._last_start + self.config.min_interval_s - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last_start = self.clock()

    def download(self, req: _AnyRequest) -> str:
        """The response text, once it parses as a LeagueGameLog; FetchError otherwise."""
        attempts = self.config.retries + 1
        for attempt in range(attempts):
            if attempt:
                self.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            self._wait_turn()
            try:
                return self._once(req)
            except _Transient as exc:
                if attempt == attempts - 1:
                    raise FetchError(
                        f"Request {req.label} failed after {attempts} attempt(s): {exc.reason}."
                    ) from None
        raise AssertionError("unreachable")

    def _once(self, req: _AnyRequest) -> str:
        endpoint = req.endpoint(self.config.timeout_s)
        parse_error: Exception | None = None
        try:
            req.send(endpoint)
        except requests.Timeout:
            raise _Transient(f"no answer within {self.config.timeout_s:g} s (timeout)") from None
        except requests.ConnectionError as exc:
            reason = _unreachable_reason(exc)
            if reason is not None:
                raise FetchError(
                    f"Cannot reach {HOST} ({reason}). {_OFFLINE_HINT}", offline=True
                ) from None
            raise _Transient(f"connection error ({_short(exc)})") from None
        except requests.exceptions.ChunkedEncodingError as exc:
            raise _Transient(f"connection broke mid-response ({_short(exc)})") from None
        except requests.RequestException as exc:
            raise FetchError(f"Request {req.label} failed: {_short(exc)}") from None
        except RuntimeError as exc:  # nba_api's ProxyRequiredError, before any socket opens
            raise FetchError(f"Request {req.label} was not sent: {exc}") from None
        except (ValueError, KeyError, TypeError) as exc:
            # nba_api parses inside get_request; the HTTP status is judged first, below.
            parse_error = exc
        response = endpoint.nba_response
        # NBAResponse has no public accessor for the status; nba_api never checks it itself.
        status = getattr(response, "_status_code", None)
        text = response.get_response() if response is not None else ""
        if status == 429 or (isinstance(status, int) and status >= 500):
            raise _Transient(f"HTTP {status} from {HOST}")
        if status is not None and status != 200:
            raise FetchError(
                f"Request {req.label} was refused: HTTP {status} from {HOST} ({_snippet(text)})."
            )
        if parse_error is not None:
            raise FetchError(
                f"Request {req.label}: {HOST} answered, but not with a {req.kind} "
                f"({type(parse_error).__name__}: {parse_error}; body starts {_snippet(text)})."
            )
        return text


def _unreachable_reason(exc: BaseException) -> str | None:
    """Why the host is unreachable, if the error says it is (DNS, refused, no route).

    Those mean no network (or a wrong host) and do not heal in the seconds a retry waits;
    timeouts and resets do, so they return None and are retried. urllib3 files all three
    under NewConnectionError, which requests wraps in ConnectionError(MaxRetryError(...)).
    """
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, urllib3.exceptions.NewConnectionError):
            text = str(e)
            conn = getattr(e, "conn", None)
            prefix = f"{conn}: "  # urllib3 writes "<connection>: <message>"
            if text.startswith(prefix):
                text = text[len(prefix) :]
            return text
        if isinstance(e, socket.gaierror):
            return f"cannot resolve the host name: {e}"
        if isinstance(e, ConnectionRefusedError):
            return f"connection refused: {e}"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"no route to the host: {e}"
        for nxt in (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
    return None


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _snippet(text: str, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


@contextlib.contextmanager
def _session_installed(client: HTTPSession | None) -> Iterator[None]:
    """Make nba_api send through ``client`` for the duration, then put its session back.

    nba_api keeps one session on the NBAStatsHTTP class (``get_session``/``set_session``)
    and calls ``session.get(url=..., params=..., headers=..., proxies=..., timeout=...)``.
    """
    if client is None:
        yield
        return
    had = "_session" in NBAStatsHTTP.__dict__
    previous = NBAStatsHTTP.__dict__.get("_session")
    NBAStatsHTTP.set_session(client)
    try:
        yield
    finally:
        if had:
            NBAStatsHTTP.set_session(previous)
        else:
            with contextlib.suppress(AttributeError):
                delattr(NBAStatsHTTP, "_session")


# --------------------------------------------------------------------------- parsing


def _parse_response(text: str, req: _AnyRequest | None = None) -> pd.DataFrame:
    """The rows of a saved response (LeagueGameLog unless ``req`` says otherwise)."""
    return (req or _Request("2000-01", "Regular Season", "P")).parse(text)


def _parse_with_nba_api(req: _Request | _RosterRequest, text: str) -> pd.DataFrame:
    endpoint = req.endpoint()
    endpoint.nba_response = NBAStatsResponse(response=text, status_code=200, url=None)
    endpoint.load_response()
    return req.frame(endpoint)


def schedule_games(text: str) -> pd.DataFrame:
    """ScheduleLeagueV2's games as nba_api's ``SeasonGames`` names them (``gameId``, ...,
    ``homeTeam_teamId``, ``awayTeam_teamTricode``), without the broadcasters and points
    leaders fetch does not read. Raises KeyError/ValueError/TypeError on another shape."""
    sched = json.loads(text)["leagueSchedule"]
    rows = []
    for day in sched["gameDates"]:
        for g in day["games"]:
            row = {k: v for k, v in g.items()
                   if k not in ("broadcasters", "pointsLeaders", "homeTeam", "awayTeam")}
            for side in ("homeTeam", "awayTeam"):
                row.update({f"{side}_{k}": v for k, v in g[side].items()})
            rows.append({"leagueId": sched.get("leagueId"),
                         "seasonYear": sched.get("seasonYear"), "gameDate": day["gameDate"],
                         **row})
    return pd.DataFrame(rows)


def _load_cached(path: Path, req: _AnyRequest) -> pd.DataFrame | None:
    """A saved response, or None if it is missing, unreadable or for another request."""
    try:
        text = path.read_text(encoding="utf-8")
        params = json.loads(text).get("parameters") or {}
        frame = _parse_response(text, req)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    if isinstance(params, dict):
        for key, want in req.expected_parameters().items():
            if key in params and params[key] not in (None, want, str(want)):
                return None
    return frame


def _iso_dates(dates: pd.Series) -> pd.Series:
    text = dates.astype(str)
    if text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
        return text
    return pd.to_datetime(text, format="mixed").dt.strftime("%Y-%m-%d")


def _keep_rows(frame: pd.DataFrame, season_type: str) -> pd.DataFrame:
    # "IST" lists the cup's group and knockout games too; those already come with the
    # regular season, so only the final (its own 006 id) is taken from it.
    if season_type == "IST" and len(frame):
        frame = frame[frame["GAME_ID"].astype(str).str.startswith(CUP_FINAL_PREFIX)]
    return frame


def build_player_logs(frames: Sequence[pd.DataFrame], season: str) -> pd.DataFrame:
    """Player rows of all season types in the real files' column order, plus SEASON."""
    parts = []
    for f in frames:
        missing = [c for c in PLAYER_LOG_COLUMNS if c not in f.columns]
        if missing and len(f.columns):
            raise ValueError(f"player log response lacks column(s) {missing}")
        if len(f):
            parts.append(f[list(PLAYER_LOG_COLUMNS)])
    if not parts:
        return pd.DataFrame(columns=list(PLAYER_FILE_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["GAME_ID", "PLAYER_ID", "TEAM_ID"], keep="first")
    out["GAME_DATE"] = _iso_dates(out["GAME_DATE"])
    out["SEASON"] = season
    return out.reset_index(drop=True)


def build_games(team_log: pd.DataFrame, season: str,
                schedule: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per game from the two team rows of each GAME_ID (home: MATCHUP has 'vs.').

    ``team_log`` holds LeagueGameLog ``T`` rows plus a ``SEASON_TYPE`` column naming the
    request each row came from, which sets ``game_type``; an ``006`` id is the cup final
    whatever request it came in. A game with "@" on both rows is neutral; its home team is
    the ``schedule``'s (a frame in ``SCHEDULE_COLUMNS``) when it lists the game, else the
    lower TEAM_ID. The schedule also marks cup semi-finals (``nba_cup_semi``). Raises
    ValueError if a game does not have exactly two rows, one home and one road (or both
    "@"): a half-paired game would silently skew standings and ratings.
    """
    if team_log.empty:
        return pd.DataFrame(columns=list(GAMES_COLUMNS))
    missing = [c for c in (*TEAM_LOG_REQUIRED, SEASON_TYPE_COLUMN) if c not in team_log.columns]
    if missing:
        raise ValueError(f"team log lacks column(s) {missing}")
    log = team_log.drop_duplicates(["GAME_ID", "TEAM_ID"], keep="first").copy()
    log["GAME_ID"] = log["GAME_ID"].astype(str)
    matchup = log["MATCHUP"].astype(str)
    is_home = matchup.str.contains(" vs. ", regex=False)
    is_road = matchup.str.contains(" @ ", regex=False)
    n_road = is_road.groupby(log["GAME_ID"]).transform("sum")
    n_rows = log.groupby("GAME_ID")["GAME_ID"].transform("size")
    both_at = (n_road == 2) & (n_rows == 2) & is_road
    if both_at.any():
        sched_home = ({} if schedule is None or schedule.empty else
                      dict(zip(schedule["game_id"].astype(str),
                               schedule["team_id_home"].astype(int), strict=True)))
        teams_of = log[both_at].groupby("GAME_ID")["TEAM_ID"].agg(lambda t: set(t.astype(int)))
        # A schedule naming a team that is not in the game is ignored, not trusted.
        designated = log["GAME_ID"].map({
            gid: sched_home[gid] if sched_home.get(gid) in ts else min(ts)
            for gid, ts in teams_of.items()})
        home_now = both_at & (log["TEAM_ID"] == designated)
        is_home = is_home | home_now
        is_road = is_road & ~home_now
    neutral_ids = set(log.loc[both_at, "GAME_ID"])
    home, road = log[is_home & ~is_road], log[is_road & ~is_home]
    counts = pd.DataFrame(
        {
            "home": home.groupby("GAME_ID").size(),
            "road": road.groupby("GAME_ID").size(),
            "rows": log.groupby("GAME_ID").size(),
        }
    ).fillna(0)
    bad = counts[(counts["home"] != 1) | (counts["road"] != 1) | (counts["rows"] != 2)]
    if len(bad):
        ids = ", ".join(bad.index[:5])
        raise ValueError(
            f"{len(bad)} game(s) in the team log do not have exactly one home ('vs.') and one "
            f"road ('@') row, nor two '@' rows (neutral site): {ids}"
        )
    keep = ["GAME_ID", "GAME_DATE", SEASON_TYPE_COLUMN, "TEAM_ID", "TEAM_ABBREVIATION",
            "TEAM_NAME", "PTS", "WL", *_BOX]  # fmt: skip
    games = home[keep].merge(road[keep], on="GAME_ID", suffixes=("_home", "_road"))
    gtype = games[f"{SEASON_TYPE_COLUMN}_home"].map(GAME_TYPE_BY_SEASON_TYPE)
    cup_final = games["GAME_ID"].str.startswith(CUP_FINAL_PREFIX)
    gtype = gtype.where(~cup_final, "nba_cup_final")
    if schedule is not None and not schedule.empty:
        semis = set(schedule.loc[schedule["game_type"] == "nba_cup_semi", "game_id"].astype(str))
        gtype = gtype.where(~games["GAME_ID"].isin(semis), "nba_cup_semi")
    out = pd.DataFrame(
        {
            "game_id": games["GAME_ID"],
            "game_date": _iso_dates(games["GAME_DATE_home"]),
            "season": season,
            "game_type": gtype,
            "neutral_site": cup_final | games["GAME_ID"].isin(neutral_ids),
        }
    )
    for side in ("home", "road"):
        out[f"team_id_{side}"] = games[f"TEAM_ID_{side}"]
        out[f"team_abbreviation_{side}"] = games[f"TEAM_ABBREVIATION_{side}"]
        out[f"team_name_{side}"] = games[f"TEAM_NAME_{side}"]
    out["pts_home"] = games["PTS_home"]
    out["pts_road"] = games["PTS_road"]
    out["wl_home"] = games["WL_home"]
    for side in ("home", "road"):
        for c in _BOX:
            out[f"{c.lower()}_{side}"] = games[f"{c}_{side}"]
    out = out.sort_values(["game_date", "game_id"], kind="stable").reset_index(drop=True)
    return out[list(GAMES_COLUMNS)]


SCHEDULE_COLUMNS: tuple[str, ...] = (
    "game_id", "season", "game_date", "game_type", "team_id_home", "team_abbreviation_home",
    "team_id_road", "team_abbreviation_road", "neutral_site", "postponed",
)  # fmt: skip
ROSTERS_COLUMNS: tuple[str, ...] = (
    "season", "team_id", "team_abbreviation", "player_id", "player_name", "as_of")
SCHEDULE_REQUIRED: tuple[str, ...] = (
    "gameId", "gameDateEst", "gameStatusText", "gameLabel", "gameSubLabel", "postponedStatus",
    "gameSubtype", "isNeutral", "homeTeam_teamId", "homeTeam_teamTricode", "awayTeam_teamId",
    "awayTeam_teamTricode",
)  # fmt: skip
_SCHEDULE_PREFIX_TYPE = {"002": "regular_season", "004": "playoffs", "005": "play_in",
                         "006": "nba_cup_final"}  # fmt: skip


def build_schedule(games: pd.DataFrame, season: str) -> pd.DataFrame:
    """The schedule file's rows from ScheduleLeagueV2's ``SeasonGames`` (module docstring)."""
    if games.empty:
        return pd.DataFrame(columns=list(SCHEDULE_COLUMNS))
    missing = [c for c in SCHEDULE_REQUIRED if c not in games.columns]
    if missing:
        raise ValueError(f"schedule response lacks column(s) {missing}")
    g = games.copy()
    g["gameId"] = g["gameId"].astype(str).str.zfill(10)
    prefix = g["gameId"].str[:3]
    home = pd.to_numeric(g["homeTeam_teamId"], errors="coerce").fillna(0).astype("int64")
    road = pd.to_numeric(g["awayTeam_teamId"], errors="coerce").fillna(0).astype("int64")
    g = g[prefix.isin(list(_SCHEDULE_PREFIX_TYPE)) & (home > 0) & (road > 0)]
    home, road, prefix = home[g.index], road[g.index], prefix[g.index]
    text = lambda c: g[c].fillna("").astype(str)  # noqa: E731
    label = (text("gameLabel") + " " + text("gameSubtype")).str.lower()
    cup = label.str.contains("cup") | label.str.contains("in-season")
    sub = text("gameSubLabel").str.lower()
    gtype = prefix.map(_SCHEDULE_PREFIX_TYPE)
    regular_cup = cup & (prefix == "002")
    gtype = gtype.mask(regular_cup, "nba_cup_group")
    gtype = gtype.mask(regular_cup & sub.str.contains("quarter"), "nba_cup_quarter")
    gtype = gtype.mask(regular_cup & sub.str.contains("semi"), "nba_cup_semi")
    status = text("gameStatusText").str.strip().str.upper()
    postponed = status.isin(["PPD", "POSTPONED"]) | (text("postponedStatus").str.upper() == "P")
    neutral = g["isNeutral"].map(lambda v: str(v).strip().lower() in ("true", "1"))
    out = pd.DataFrame({
        "game_id": g["gameId"], "season": season,
        "game_date": text("gameDateEst").str[:10], "game_type": gtype,
        "team_id_home": home, "team_abbreviation_home": text("homeTeam_teamTricode"),
        "team_id_road": road, "team_abbreviation_road": text("awayTeam_teamTricode"),
        "neutral_site": neutral.astype(bool), "postponed": postponed.astype(bool),
    })
    out = out.drop_duplicates("game_id", keep="last")
    return out.sort_values(["game_date", "game_id"], kind="stable").reset_index(drop=True)[
        list(SCHEDULE_COLUMNS)]


def build_rosters(frames: Sequence[tuple[str, pd.DataFrame]], season: str) -> pd.DataFrame:
    """The rosters file's rows from ``(as_of, CommonTeamRoster frame)`` pairs; abbreviations
    from the built-in NBA teams (the response has none)."""
    parts = []
    for as_of, f in frames:
        if f.empty:
            continue
        missing = [c for c in ("TeamID", "PLAYER_ID", "PLAYER") if c not in f.columns]
        if missing:
            raise ValueError(f"roster response lacks column(s) {missing}")
        team_ids = f["TeamID"].astype("int64")
        abbr = team_ids.map(lambda t: getattr(nba_team_season(int(t), season), "abbreviation",
                                              ""))
        parts.append(pd.DataFrame({
            "season": season, "team_id": team_ids, "team_abbreviation": abbr,
            "player_id": f["PLAYER_ID"].astype("int64"), "player_name": f["PLAYER"].astype(str),
            "as_of": as_of}))
    if not parts:
        return pd.DataFrame(columns=list(ROSTERS_COLUMNS))
    # A player listed by two teams on one day (mid-trade) is kept twice: ingest refuses that
    # with the file and line, rather than fetch silently picking a team.
    out = pd.concat(parts, ignore_index=True).drop_duplicates(["team_id", "player_id", "as_of"])
    return out.sort_values(["as_of", "team_id", "player_id"], kind="stable").reset_index(
        drop=True)[list(ROSTERS_COLUMNS)]


def _write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    # gzip.compress with mtime=0 stores neither a time nor the (temporary) file name, so the
    # same responses always give byte-identical files.
    data = gzip.compress(frame.to_csv(index=False).encode("utf-8"), mtime=0)
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


# --------------------------------------------------------------------------- fetch


def fetch_seasons(
    raw_dir: Path,
    seasons: Sequence[str],
    config: FetchSection | None = None,
    *,
    refresh: bool = False,
    client: HTTPSession | None = None,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    today: date | None = None,
) -> FetchResult:
    """Download what is not saved yet, then (re)build each season's CSVs: player logs and
    games, and for the season under way (the one containing ``today``, default the real
    date) the schedule and rosters too, when ``config.schedule_and_rosters``.

    ``client`` replaces the ``requests.Session`` nba_api sends through (tests pass one that
    serves recorded responses); None keeps nba_api's own. ``sleep``/``clock`` are injectable
    so tests can check the spacing and backoff without waiting.

    ``refresh`` re-downloads responses that are already saved (for a season still in
    progress: a saved response never changes on its own).

    Raises FetchError naming the failed request; seasons finished before it keep their CSVs,
    the failed season gets none, and re-running the same call resumes from the saved
    responses.
    """
    config = config or FetchSection()
    raw_dir = Path(raw_dir)
    if isinstance(seasons, str) or not seasons:
        raise ValueError("seasons must be a non-empty list of seasons; use parse_seasons()")
    for s in seasons:
        season_start_year(s)
    today = today or date.today()
    as_of = today.isoformat()
    under_way = season_label(today.year if today.month >= 8 else today.year - 1)
    requests_by_season: dict[str, list[_AnyRequest]] = {}
    for season in seasons:
        reqs: list[_AnyRequest] = [_Request(season, st, who) for st in config.season_types
                                   for who in ("P", "T")]
        if config.schedule_and_rosters and season == under_way:
            reqs.append(_ScheduleRequest(season, as_of))
            reqs += [_RosterRequest(season, t.team_id, as_of) for t in nba_team_seasons(season)]
        requests_by_season[season] = reqs
    total = sum(len(r) for r in requests_by_season.values())
    downloader = _Downloader(config, sleep, clock)
    files: list[Path] = []
    downloaded: list[str] = []
    skipped: list[str] = []

    bar = Progress(
        TextColumn("[bold]fetch[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    with _session_installed(client), bar:
        task = bar.add_task("", total=total)
        for season, reqs in requests_by_season.items():
            frames: dict[_AnyRequest, pd.DataFrame] = {}
            for req in reqs:
                bar.update(task, description=req.label)
                path = req.cache_path(raw_dir)
                cached = None if refresh else _load_cached(path, req)
                if cached is not None:
                    frames[req] = cached
                    skipped.append(req.label)
                else:
                    try:
                        text = downloader.download(req)
                    except FetchError as exc:
                        raise _with_resume_note(exc, season, raw_dir) from None
                    atomic_write(path, lambda tmp, t=text: tmp.write_text(t, encoding="utf-8"))
                    frames[req] = _parse_response(text, req)
                    downloaded.append(req.label)
                bar.advance(task)
            files += _write_season(raw_dir, season, frames)
    return FetchResult(files=files, downloaded=downloaded, skipped=skipped)


def _with_resume_note(exc: FetchError, season: str, raw_dir: Path) -> FetchError:
    responses = raw_dir / "responses"
    saved = len(list(responses.glob("*.json"))) if responses.is_dir() else 0
    note = f" No files were written for {season}."
    if saved:
        note += (
            f" The {saved} response(s) already received are saved in {responses}; "
            "re-running the same fetch resumes from them."
        )
    return FetchError(str(exc) + note, offline=exc.offline)


def _write_season(raw_dir: Path, season: str,
                  frames: dict[_AnyRequest, pd.DataFrame]) -> list[Path]:
    players, teams = [], []
    schedule_frame: pd.DataFrame | None = None
    rosters_wanted = False
    for req, frame in frames.items():
        if isinstance(req, _ScheduleRequest):
            schedule_frame = frame
        elif isinstance(req, _RosterRequest):
            rosters_wanted = True
        else:
            frame = _keep_rows(frame, req.season_type)
            if req.who == "P":
                players.append(frame)
            elif len(frame):
                teams.append(frame.assign(**{SEASON_TYPE_COLUMN: req.season_type}))
    try:
        # The schedule asked for is always today's: the newest one.
        schedule = None if schedule_frame is None else build_schedule(schedule_frame, season)
        player_logs = build_player_logs(players, season)
        team_log = pd.concat(teams, ignore_index=True) if teams else pd.DataFrame()
        games = build_games(team_log, season, schedule)
        rosters = build_rosters(_saved_rosters(raw_dir, season), season) if rosters_wanted \
            else None
    except ValueError as exc:
        raise FetchError(
            f"The responses for {season} cannot be turned into files: {exc}. "
            f"Delete {raw_dir / 'responses'}/*_{season}_* to download them again."
        ) from None
    out = [(player_logs, raw_dir / "player_game_logs" / f"{season}.csv.gz"),
           (games, raw_dir / "games" / f"{season}.csv.gz")]
    if schedule is not None:
        out.append((schedule, raw_dir / "schedule" / f"{season}.csv.gz"))
    if rosters is not None:
        out.append((rosters, raw_dir / "rosters" / f"{season}.csv.gz"))
    for frame, path in out:
        _write_csv_gz(frame, path)
    return [path for _, path in out]


def _saved_rosters(raw_dir: Path, season: str) -> list[tuple[str, pd.DataFrame]]:
    """Every saved roster response of the season, each with the day it was read: a roster
    history, so a trade shows as the player's team changing between two as_of days."""
    out = []
    prefix = f"commonteamroster_{season}_"
    for path in sorted((raw_dir / "responses").glob(f"{prefix}*.json")):
        team, _, day = path.stem[len(prefix):].partition("_")
        req = _RosterRequest(season, int(team), day)
        frame = _load_cached(path, req)
        if frame is None:
            raise ValueError(f"saved roster response {path.name} is unreadable")
        out.append((day, frame))
    return out
