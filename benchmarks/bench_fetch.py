"""Seconds to fetch a full season from recorded responses, without the rate-limit sleeps.

The responses are built in a temporary folder, in NBA.com's shape, from the real 2023-24
files in ../shared/data (every regular-season player row, every game's two team rows, the
whole schedule) plus the 30 constructed roster responses of tests/fixtures/nba_api; a fake
session serves them to nba_api, so its request building and parsing run for real, as do
fetch's file building. ``FetchSection.min_interval_s`` is 0; today is 2024-01-15, so the
season is "under way" and the schedule and rosters are fetched too (4 x 2 game logs +
1 schedule + 30 rosters = 39 requests).

Target: under 10 s.  Run: python benchmarks/bench_fetch.py
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd
import requests

from truestrength.base.config import FetchSection
from truestrength.data.fetch import fetch_seasons

from _common import REPO, peak_rss_mib, require_real_data

SEASON = "2023-24"
FIXTURES = REPO / "tests" / "fixtures" / "nba_api"
SLUG = {"Regular Season": "regular-season", "PlayIn": "playin", "Playoffs": "playoffs",
        "IST": "ist"}
GAME_TYPE = {"Regular Season": ("regular_season", "nba_cup_semi"), "PlayIn": ("play_in",),
             "Playoffs": ("playoffs",), "IST": ("nba_cup_final",)}


def _builder():
    spec = importlib.util.spec_from_file_location("build_fixtures",
                                                  FIXTURES / "build_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_responses(nba: Path, out: Path) -> int:
    """Write the season's responses into ``out``; the number of player rows."""
    b = _builder()
    text = {"dtype": str, "keep_default_na": False}
    games = pd.read_csv(nba / "games" / f"{SEASON}.csv.gz", **text)
    logs = pd.read_csv(nba / "player_game_logs" / f"{SEASON}.csv.gz", **text)
    for season_type, types in GAME_TYPE.items():
        g = games[games["game_type"].isin(types)]
        minutes = dict.fromkeys(g["game_id"], 240)
        team_rows = b._team_rows(g, season_type, minutes, SEASON)
        p = logs[logs["GAME_ID"].isin(set(g["game_id"]))]
        player_rows = [[b._json_value(c, v) for c, v in zip(b.PLAYER_HEADERS, r, strict=True)]
                       for r in p[b.PLAYER_HEADERS].itertuples(index=False, name=None)]
        for who, headers, rows in (("T", b.TEAM_HEADERS, team_rows),
                                   ("P", b.PLAYER_HEADERS, player_rows)):
            resp = b._response(season_type, who, headers, rows, SEASON)
            (out / f"leaguegamelog_{SEASON}_{SLUG[season_type]}_{who}.json").write_text(
                json.dumps(resp))
    sched = [b._schedule_game(g, played=g["game_date"] < "2024-01-15",
                              neutral=g["neutral_site"] == "True")
             for _, g in games.iterrows()]
    by_day: dict[str, list[dict]] = {}
    for g in sched:
        by_day.setdefault(g["gameDateEst"][:10], []).append(g)
    (out / f"scheduleleaguev2_{SEASON}.json").write_text(json.dumps({"leagueSchedule": {
        "seasonYear": SEASON, "leagueId": "00", "weeks": [],
        "gameDates": [{"gameDate": d, "games": gs} for d, gs in sorted(by_day.items())]}}))
    for path in FIXTURES.glob(f"commonteamroster_{SEASON}_*.json"):
        (out / path.name).write_bytes(path.read_bytes())
    return len(logs)


class Served:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls = 0

    def get(self, url, params=None, headers=None, proxies=None, timeout=None):
        p = dict(params or [])
        self.calls += 1
        endpoint = url.rsplit("/", 1)[-1]
        name = {"leaguegamelog": lambda: f"leaguegamelog_{p['Season']}_"
                                         f"{SLUG[p['SeasonType']]}_{p['PlayerOrTeam']}",
                "scheduleleaguev2": lambda: f"scheduleleaguev2_{p['Season']}",
                "commonteamroster": lambda: f"commonteamroster_{p['Season']}_{p['TeamID']}",
                }[endpoint]()
        r = requests.Response()
        r.status_code, r.encoding, r.url = 200, "utf-8", url
        r._content = (self.root / f"{name}.json").read_bytes()
        return r


def main() -> None:
    nba = require_real_data()
    with tempfile.TemporaryDirectory() as tmp:
        served = Path(tmp) / "served"
        served.mkdir()
        n_rows = build_responses(nba, served)
        session = Served(served)
        cfg = FetchSection(season_types=("Regular Season", "PlayIn", "Playoffs", "IST"),
                           min_interval_s=0.0)
        t0 = time.perf_counter()
        result = fetch_seasons(Path(tmp) / "raw", [SEASON], cfg, client=session,
                               progress=False, today=date(2024, 1, 15))
        wall = time.perf_counter() - t0
        t1 = time.perf_counter()
        fetch_seasons(Path(tmp) / "raw", [SEASON], cfg, client=session, progress=False,
                      today=date(2024, 1, 15))
        resumed = time.perf_counter() - t1
        sizes = {p.parent.name: len(pd.read_csv(p)) for p in result.files}
    print(f"requests: {session.calls - 0}  player rows served: {n_rows}  files: {sizes}")
    print(f"fetch of {SEASON} from recorded responses: {wall:.2f} s (target < 10 s); "
          f"again from the saved responses: {resumed:.2f} s; peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
