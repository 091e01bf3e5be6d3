"""The postseason's strengths and game probabilities, fitted on the playoff games they
forecast (issue 11: "season results for season odds").

The regular-season blend is fitted on regular-season games, with each team as its last games
showed it: at season's end that is a team resting its stars or tanking, and the playoffs are
played otherwise. The postseason blend is a second :class:`~truestrength.models.stacker.Stacker`
with its own inputs (``blend.postseason_inputs``), each read on the day after the regular
season without any training:

- ``srs``: the simple rating system over the season's standings games (points of margin);
- ``elo``: Elo before that day;
- ``rapm``: the plain RAPM of each team's playoff rotation (``Rapm.playoff_ratings``): the
  healthy players, minutes concentrated on the best as playoff coaches do
  (``features.playoff_rotation``).

It is a logistic regression of every earlier season's play-in and playoff games (home won)
on the inputs' home-minus-road differences, with a home edge, checked forward-chained like the
regular blend. Its inputs need no out-of-fold fit, so every stored season with playoffs (and
player rows, for ``rapm``) enters: a few hundred games, which is why the default is one input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from truestrength.base import ratings
from truestrength.base.config import Config, PlayoffRotationSection
from truestrength.base.game_model import LogisticWinModel, b2b_of
from truestrength.base.league import LeagueData
from truestrength.base.seasons import POSTSEASON_KINDS
from truestrength.base.targets import end_of_regular_season
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.models.rapm import Rapm
from truestrength.models.stacker import Stacker, input_values

__all__ = ["MIN_GAMES", "Postseason", "fit_postseason", "postseason_inputs"]

# Fewer earlier postseason games than this: no postseason blend (the regular one is used).
MIN_GAMES = 20


def postseason_inputs(known: LeagueData, season: str, as_of: pd.Timestamp,
                      inputs: list[str], config: Config, rapm: Rapm,
                      out: frozenset[int] = frozenset(),
                      moved: Mapping[int, int] | None = None, *,
                      returning: frozenset[int] = frozenset(),
                      rotation: PlayoffRotationSection | None = None) -> pd.DataFrame:
    """One row per team of ``season``: each input as it stands at ``as_of`` from the games
    strictly before it (a team an input has not seen is its league average). ``out``,
    ``moved``, ``returning``: the postseason's availability (``playoff_shares``);
    ``rotation``: the playoff rotation's settings (default ``config.playoff_rotation``)."""
    as_of = pd.Timestamp(as_of).normalize()
    known = known.before(as_of)
    teams = known.teams_of_season(season)
    frame = pd.DataFrame(index=pd.Index(teams, name="team_id"))
    for m in inputs:
        if m == "srs":
            frame[m] = ratings.srs(known.standings_games(season)).reindex(teams).fillna(0.0)
        elif m == "elo":
            frame[m] = ratings.elo_ratings_before(known.games, as_of, season, config.elo
                                                  ).reindex(teams).fillna(config.elo.initial)
        elif m == "rapm":
            fitted = fit_playoff_power(known, season, rotation or config.playoff_rotation)
            frame[m] = rapm.playoff_ratings(known, season, as_of, fitted, out, moved,
                                            returning).reindex(teams).fillna(0.0)
        else:
            raise ValueError(f"postseason input {m!r} is not one of srs, elo, rapm")
    return frame.assign(season=season, date=as_of)


@dataclass
class Postseason:
    """The published postseason blend, the seasons whose postseason games fitted it, and the
    playoff rotation's settings it was fitted with (and so forecasts with, whatever the
    configuration of the day says)."""

    stacker: Stacker
    seasons: tuple[str, ...]
    rotation: PlayoffRotationSection

    @property
    def inputs(self) -> list[str]:
        return list(self.stacker.models)

    @property
    def win_model(self) -> LogisticWinModel:
        return self.stacker.win_model

    def strengths(self, known: LeagueData, season: str, as_of: pd.Timestamp, config: Config,
                  rapm: Rapm, out: frozenset[int] = frozenset(),
                  moved: Mapping[int, int] | None = None,
                  returning: frozenset[int] = frozenset()) -> tuple[pd.Series, pd.DataFrame]:
        """Each team's postseason strength at ``as_of`` and the inputs it was made of."""
        frame = postseason_inputs(known, season, as_of, self.inputs, config, rapm, out, moved,
                                  returning=returning, rotation=self.rotation)
        return self.stacker.combine(frame).rename("postseason"), frame[self.inputs]

    def describe(self) -> str:
        return (f"postseason: {self.stacker.describe()}; fitted on the play-in and playoff "
                f"games of {', '.join(self.seasons)}")

    def to_dict(self) -> dict:
        return {"stacker": self.stacker.to_dict(), "seasons": list(self.seasons),
                "playoff_rotation": self.rotation.model_dump(mode="json")}

    @classmethod
    def from_dict(cls, d: dict) -> Postseason:
        return cls(Stacker.from_dict(d["stacker"]), tuple(d["seasons"]),
                   PlayoffRotationSection.model_validate(d["playoff_rotation"]))


def fit_postseason(history: LeagueData, config: Config, rapm: Rapm) -> Postseason | None:
    """The postseason blend on every season of ``history`` with postseason games (and player
    rows, when ``rapm`` is an input); None when they hold fewer than ``MIN_GAMES`` games."""
    inputs = list(config.blend.postseason_inputs)
    g = history.games
    post = g[g["kind"].isin(POSTSEASON_KINDS)]
    seasons = sorted(set(post["season"]) & set(history.standings_games()["season"]))
    if "rapm" in inputs:
        seasons = [s for s in seasons if s in set(history.seasons_with_players)]
    fitted, games = [], []
    for season in seasons:
        as_of = end_of_regular_season(history, season)
        frame = postseason_inputs(history, season, as_of, inputs, config, rapm)
        x = pd.DataFrame({m: input_values(frame, m).to_numpy() for m in inputs},
                         index=frame.index)
        s_games = post[post["season"] == season]
        home = x.reindex(s_games["home_team_id"]).to_numpy()
        road = x.reindex(s_games["road_team_id"]).to_numpy()
        d = pd.DataFrame(home - road, columns=inputs)
        games.append(d.assign(season=season, date=s_games["game_date"].to_numpy(),
                              home_won=(s_games["home_pts"] > s_games["road_pts"]).to_numpy(),
                              neutral_site=s_games["neutral_site"].to_numpy(bool),
                              b2b=b2b_of(s_games)))
        fitted.append(season)
    diffs = pd.concat(games, ignore_index=True).dropna(subset=inputs) if games else None
    if diffs is None or len(diffs) < MIN_GAMES:
        return None
    stacker = Stacker.fit(diffs, inputs, l2=config.blend.l2, fallback_z=config.blend.fallback_z)
    return Postseason(stacker, tuple(fitted), config.playoff_rotation)
