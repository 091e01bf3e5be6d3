"""LeagueData: an in-memory, read-only view of the store that can only shrink.

Everything downstream (targets, baselines, features, models) reads data through this object.
A backtest hands a predictor ``data.restrict_seasons(train)`` to fit and ``data.before(d)``
to predict, so test-season results cannot reach it: they are not in the object at all.

Views are lazy: a table is filtered the first time it is read, so a predictor that only looks
at games does not pay for filtering a quarter of a million player rows at every date.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from truestrength.base.errors import DataError
from truestrength.base.seasons import POSTSEASON_KINDS, season_start_year

# name -> (store table, sort order); data.store.load_league fills a LeagueData from these.
TABLES = {
    "games": ("games", "game_date, game_id"),
    "team_games": ("team_game_logs", "game_date, game_id, team_id"),
    "player_logs": ("player_game_logs", "game_date, game_id, team_id, player_id"),
    "team_seasons": ("team_seasons", "season, team_id"),
    "playoff_series": ("playoff_series", "season, round, team_a"),
    "players": ("players", "player_id"),
    "schedule": ("schedule", "game_date, game_id"),
    "rosters": ("rosters", "as_of, team_id, player_id"),
}
# Reference tables: no dates, not restricted by season or cutoff.
_STATIC = {"team_seasons", "players"}
# Columns of the tables an older store or a hand-built LeagueData may lack; they read as empty.
_OPTIONAL_COLUMNS = {
    "schedule": {"game_id": "object", "season": "object", "game_date": "datetime64[ns]",
                 "kind": "object", "is_cup": "bool", "neutral_site": "bool",
                 "home_team_id": "int64", "road_team_id": "int64", "postponed": "bool"},
    "rosters": {"season": "object", "team_id": "int64", "player_id": "int64",
                "as_of": "datetime64[ns]"},
}


def back_to_backs(games: pd.DataFrame,
                  earlier: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(home, road): whether each game of ``games`` is its team's second night of a
    back-to-back, i.e. the team also played the day before, in ``games`` or ``earlier``
    (both frames with ``game_date, home_team_id, road_team_id``). Only dates are read, so a
    schedule's future games are marked as well as played ones."""
    parts = [games] if earlier is None else [games, earlier]
    days = pd.concat([pd.DataFrame({"team": g[side].to_numpy(np.int64),
                                    "date": pd.to_datetime(g["game_date"]).dt.normalize()
                                    .to_numpy()})
                      for g in parts for side in ("home_team_id", "road_team_id")],
                     ignore_index=True).drop_duplicates().sort_values(["team", "date"])
    second = (days.groupby("team")["date"].diff() == pd.Timedelta(days=1)).to_numpy()
    flag = pd.Series(second, index=pd.MultiIndex.from_frame(days[["team", "date"]]))
    date = pd.to_datetime(games["game_date"]).dt.normalize().to_numpy()

    def side(column: str) -> np.ndarray:
        key = pd.MultiIndex.from_arrays([games[column].to_numpy(np.int64), date])
        return flag.reindex(key).to_numpy(bool)

    return side("home_team_id"), side("road_team_id")


def _with_back_to_backs(games: pd.DataFrame) -> pd.DataFrame:
    home, road = back_to_backs(games)
    return games.assign(home_b2b=home, road_b2b=road)


def empty_table(name: str) -> pd.DataFrame:
    """An empty ``schedule`` or ``rosters`` frame with its columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _OPTIONAL_COLUMNS[name].items()})


class LeagueData:
    """Tables: ``games`` (docs/contracts.md "Games frame" plus box columns), ``team_games``
    (team_game_logs), ``player_logs``, ``team_seasons``, ``playoff_series``, ``schedule``
    (not cut by date), ``rosters`` (cut by ``as_of``)."""

    def __init__(
        self,
        frames: dict[str, pd.DataFrame],
        data_hash: str,
        *,
        cutoff: pd.Timestamp | None = None,
    ) -> None:
        games = frames.get("games")
        if (games is not None and "home_b2b" not in games.columns
                and {"home_team_id", "road_team_id"} <= set(games.columns)):
            # Marked once on the whole table (views share it): a game's back-to-back is known
            # from the schedule before it is played, so no view needs its own.
            frames = {**frames, "games": _with_back_to_backs(games)}
        self._source = frames
        self.data_hash = data_hash
        self.cutoff = cutoff  # nothing on or after this date is visible
        self._cache: dict[str, pd.DataFrame] = {}
        self._derived: OrderedDict[Hashable, Any] = OrderedDict()

    # A view keeps this many derived states (``derived``), the most recently used.
    DERIVED_MAX = 2

    def derived(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per view and ``key`` while it is among the
        ``DERIVED_MAX`` most recently used: state derived from this view's tables, which
        never change (e.g. the roster state that each availability phase of one prediction
        reads). ``key`` must name everything ``build`` depends on besides the view."""
        if key in self._derived:
            self._derived.move_to_end(key)
            return self._derived[key]
        value = build()
        self._derived[key] = value
        while len(self._derived) > self.DERIVED_MAX:
            self._derived.popitem(last=False)
        return value

    def _table(self, name: str) -> pd.DataFrame:
        if name in self._cache:
            return self._cache[name]
        df = self._source[name] if name in self._source else empty_table(name)
        if name == "players":
            # Only players with a visible row: a roster id from the future must not leak.
            visible = self._table("player_logs")["player_id"].unique()
            df = df[df["player_id"].isin(visible)].reset_index(drop=True)
            self._cache[name] = df
            return df
        if self.cutoff is not None and name not in _STATIC:
            if name == "playoff_series":
                # A season's series are final only once its playoffs are over.
                g = self._source["games"]
                open_seasons = set(g.loc[g["game_date"] >= self.cutoff, "season"])
                df = df[~df["season"].isin(open_seasons)]
            elif name == "schedule":
                # Published ahead and holding no results, so not cut by date — except the
                # play-in and playoff games still to come: NBA.com lists those only once the
                # seeds are set, and who plays in them is a result.
                later_post = ((df["game_date"] >= self.cutoff)
                              & df["kind"].isin(POSTSEASON_KINDS))
                df = df[~later_post.to_numpy(dtype=bool)]
            elif name == "rosters":
                # A roster read on a day is known from that day on: as_of strictly before.
                end = df["as_of"].searchsorted(self.cutoff, side="left")
                df = df.iloc[:end]
            else:
                # Frames are sorted by date, so "strictly before" is a prefix: cheap to take.
                end = df["game_date"].searchsorted(self.cutoff, side="left")
                df = df.iloc[:end]
        df = df.reset_index(drop=True)
        self._cache[name] = df
        return df

    @property
    def games(self) -> pd.DataFrame:
        return self._table("games")

    @property
    def team_games(self) -> pd.DataFrame:
        return self._table("team_games")

    @property
    def player_logs(self) -> pd.DataFrame:
        return self._table("player_logs")

    @property
    def team_seasons(self) -> pd.DataFrame:
        return self._table("team_seasons")

    @property
    def playoff_series(self) -> pd.DataFrame:
        return self._table("playoff_series")

    @property
    def players(self) -> pd.DataFrame:
        return self._table("players")

    @property
    def schedule(self) -> pd.DataFrame:
        """The stored schedule (docs/schema.md), future games included: it holds no results,
        so a cut view keeps it (but not play-in/playoff games from its cutoff on)."""
        return self._table("schedule")

    @property
    def rosters(self) -> pd.DataFrame:
        """Rosters as read on ``as_of`` days, only those read strictly before the cutoff."""
        return self._table("rosters")

    @property
    def seasons(self) -> list[str]:
        return sorted(self.games["season"].unique())

    def restrict_seasons(self, seasons: list[str]) -> LeagueData:
        """Only ``seasons`` (and still nothing on or after this view's cutoff)."""
        keep = frozenset(seasons)
        # Filter eagerly once, so the many ``before()`` views of a backtest share it.
        # The schedule is taken from the source, not the cut view: before() below cuts it
        # again, and its future regular-season games must survive that.
        frames = {name: (self._source[name] if name == "schedule" else self._table(name))
                  .pipe(lambda d: d[d["season"].isin(keep)])
                  .reset_index(drop=True) for name in self._source if name != "players"}
        if "players" in self._source:
            frames["players"] = self._source["players"]  # filtered on read, by player_logs
        view = LeagueData(frames, self.data_hash)
        return view.before(self.cutoff) if self.cutoff is not None else view

    def before(self, date: pd.Timestamp) -> LeagueData:
        """Only what was known at the start of ``date``: games strictly before it."""
        date = pd.Timestamp(date).normalize()
        cutoff = date if self.cutoff is None else min(date, self.cutoff)
        return LeagueData(self._source, self.data_hash, cutoff=cutoff)

    def conference_of(self, season: str) -> pd.Series:
        ts = self.team_seasons[self.team_seasons["season"] == season]
        return ts.set_index("team_id")["conference"]

    def teams_of_season(self, season: str) -> list[int]:
        """The season's teams, from team_seasons (known before the season starts)."""
        ts = self.team_seasons
        return sorted(ts.loc[ts["season"] == season, "team_id"].astype(int))

    def teams_in(self, season: str) -> list[int]:
        """Teams with at least one visible game in the season."""
        g = self.games[self.games["season"] == season]
        return sorted(set(g["home_team_id"]) | set(g["road_team_id"]))

    @property
    def seasons_with_players(self) -> list[str]:
        """Seasons with player rows: the only ones a roster model can see."""
        return sorted(self.player_logs["season"].unique())

    def standings_games(self, season: str | None = None) -> pd.DataFrame:
        """The season's (every season's, with None) visible games that count for the
        standings, one row per game."""
        g = self.games
        keep = g["counts_for_standings"]
        return g[keep & (g["season"] == season)] if season is not None else g[keep]

    def standings_team_games(self, season: str) -> pd.DataFrame:
        """The same games, one row per team (``team_game_logs``)."""
        tg = self.team_games
        return tg[(tg["season"] == season) & tg["counts_for_standings"]]

    def seasons_before(self, season: str) -> list[str]:
        """Visible seasons that start before ``season`` does."""
        start = season_start_year(season)
        return [s for s in self.seasons if season_start_year(s) < start]

    def up_to(self, season: str) -> LeagueData:
        """This view with only ``season`` and the seasons before it."""
        start = season_start_year(season)
        return self.restrict_seasons([s for s in self.seasons if season_start_year(s) <= start])

    def season_of_date(self, date: pd.Timestamp) -> str:
        """The season a date belongs to: the one whose games span it (or that starts within
        120 days after it)."""
        date = pd.Timestamp(date)
        spans = self.games.groupby("season")["game_date"].agg(["min", "max"])
        inside = spans[(spans["min"] - pd.Timedelta(days=120) <= date)
                       & (date <= spans["max"] + pd.Timedelta(days=1))]
        if inside.empty:
            raise DataError(f"{date:%Y-%m-%d} is not within or just before any season in the "
                            f"store ({', '.join(spans.index)})")
        return inside.index[-1]

    def previous_season(self, season: str) -> str | None:
        start = season_start_year(season)
        earlier = [s for s in self.seasons if season_start_year(s) < start]
        return earlier[-1] if earlier else None
