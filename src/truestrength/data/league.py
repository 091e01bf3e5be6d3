"""LeagueData: an in-memory, read-only view of the store that can only shrink.

Everything downstream (targets, baselines, features, models) reads data through this object.
A backtest hands a predictor ``data.restrict_seasons(train)`` to fit and ``data.before(d)``
to predict, so test-season results cannot reach it: they are not in the object at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from truestrength.data.store import Store
from truestrength.data.teams import season_start_year


@dataclass(frozen=True)
class LeagueData:
    games: pd.DataFrame  # docs/contracts.md "Games frame", plus box columns
    team_games: pd.DataFrame  # team_game_logs
    player_logs: pd.DataFrame  # player_game_logs
    team_seasons: pd.DataFrame  # team_id, season, abbreviation, name, conference
    playoff_series: pd.DataFrame
    data_hash: str
    cutoff: pd.Timestamp | None = None  # nothing on or after this date is in the view

    @classmethod
    def from_store(cls, store: Store, seasons: list[str] | None = None) -> LeagueData:
        where, params = "", []
        if seasons is not None:
            where, params = "WHERE season IN (SELECT unnest(?::VARCHAR[]))", [list(seasons)]

        def read(table: str, order: str) -> pd.DataFrame:
            df = store.query(f"SELECT * FROM {table} {where} ORDER BY {order}", params)
            if "game_date" in df:
                df["game_date"] = pd.to_datetime(df["game_date"])
            return df

        return cls(
            games=read("games", "game_date, game_id"),
            team_games=read("team_game_logs", "game_date, game_id, team_id"),
            player_logs=read("player_game_logs", "game_date, game_id, team_id, player_id"),
            team_seasons=read("team_seasons", "season, team_id"),
            playoff_series=read("playoff_series", "season, round, team_a"),
            data_hash=store.content_hash(),
        )

    @property
    def seasons(self) -> list[str]:
        return sorted(self.games["season"].unique())

    def restrict_seasons(self, seasons: list[str]) -> LeagueData:
        keep = set(seasons)
        return replace(
            self,
            **{name: df[df["season"].isin(keep)].reset_index(drop=True)
               for name, df in self._frames().items()},
        )

    def before(self, date: pd.Timestamp) -> LeagueData:
        """Only what was known at the start of ``date``: games strictly before it. Playoff
        series of a season still under way are dropped (they are only final at its end)."""
        date = pd.Timestamp(date)
        open_seasons = set(self.games.loc[self.games["game_date"] >= date, "season"])
        frames = self._frames()
        out = {}
        for name, df in frames.items():
            if name == "team_seasons":
                out[name] = df
            elif name == "playoff_series":
                out[name] = df[~df["season"].isin(open_seasons)].reset_index(drop=True)
            else:
                out[name] = df[df["game_date"] < date].reset_index(drop=True)
        cutoff = date if self.cutoff is None else min(date, self.cutoff)
        return replace(self, cutoff=cutoff, **out)

    def conference_of(self, season: str) -> pd.Series:
        ts = self.team_seasons[self.team_seasons["season"] == season]
        return ts.set_index("team_id")["conference"]

    def teams_in(self, season: str) -> list[int]:
        g = self.games[self.games["season"] == season]
        return sorted(set(g["home_team_id"]) | set(g["road_team_id"]))

    def previous_season(self, season: str) -> str | None:
        start = season_start_year(season)
        earlier = [s for s in self.seasons if season_start_year(s) < start]
        return earlier[-1] if earlier else None

    def _frames(self) -> dict[str, pd.DataFrame]:
        return {
            "games": self.games,
            "team_games": self.team_games,
            "player_logs": self.player_logs,
            "team_seasons": self.team_seasons,
            "playoff_series": self.playoff_series,
        }
