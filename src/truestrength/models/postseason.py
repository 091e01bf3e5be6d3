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
player rows, for ``rapm``) enters: a few hundred games for RAPM. One logistic of several inputs
(``blend.postseason_combine: fitted``) can read only the seasons that have them all, and
over-fitted them; the default ``mean`` fits each input alone on every season it has and
averages the fits' logits with equal weights.

**How sure the strengths are** (``strength_sd``, ``blend.postseason_strength_sd``). The
logistic is calibrated game by game, but a series is seven games between the same two teams,
and the end-of-season strengths err by team, not by game: a team read too weak is too weak in
all seven. The simulator draws one shock per team and simulated postseason, N(0, sd^2) in
logits (``inference.simulate``); sd is fitted (:func:`fit_strength_sd`) as the maximum
likelihood of the training seasons' playoff-series winners, each season's series forecast by
a blend fitted on the seasons before it only, so that sd measures the error of a forecast
made without the season, as the published one is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from truestrength.base import ratings
from truestrength.base.config import Config, PlayoffRotationSection
from truestrength.base.game_model import LogisticWinModel, b2b_of, series_win_prob
from truestrength.base.league import LeagueData
from truestrength.base.seasons import POSTSEASON_KINDS
from truestrength.base.targets import end_of_regular_season
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.models.rapm import Rapm
from truestrength.models.stacker import MEAN, BlendFit, Stacker, fit_blend, input_values

__all__ = ["MIN_GAMES", "MIN_SERIES", "SD_GRID", "Postseason", "fit_postseason",
           "fit_strength_sd", "playoff_series", "postseason_inputs", "series_win_probs"]

SdSource = Literal["fitted", "fixed", "too few series"]
# Fewer earlier postseason games than this: no postseason blend (the regular one is used).
MIN_GAMES = 20
# Fewer forward-chained series than this (one postseason's 15): sd is not fitted, 0.
MIN_SERIES = 15
# The sd searched (logits): 0.05 steps are finer than a hundred series can tell apart.
SD_GRID = np.round(np.arange(0.0, 1.5001, 0.05), 2)
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)  # E over a standard normal
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def playoff_series(data: LeagueData, season: str) -> pd.DataFrame:
    """The decided playoff series of ``season`` (the store's ``playoff_series`` table, which
    a view cut inside the playoffs does not show yet): ``season, home`` (home court: the host
    of game 1), ``road``, ``home_won``, ``neutral_site`` (the season's playoff games were on
    neutral floors: the 2020 bubble)."""
    s = data.playoff_series
    s = s[(s["season"] == season) & s["winner_id"].notna()]
    g = data.games
    neutral = bool(g.loc[(g["season"] == season) & (g["kind"] == "playoff"),
                         "neutral_site"].astype(bool).all())
    return pd.DataFrame({"season": season, "home": s["team_a"].to_numpy(np.int64),
                         "road": s["team_b"].to_numpy(np.int64),
                         "home_won": (s["winner_id"] == s["team_a"]).to_numpy(bool),
                         "neutral_site": neutral})


def series_win_probs(logit_home: np.ndarray, logit_road: np.ndarray, sd: float) -> np.ndarray:
    """P(the team with home court wins the series) when its game logits are ``logit_home`` at
    home and ``logit_road`` on the road (its own win, per series) and each team's strength is
    off by an independent N(0, sd^2) shock for the whole series: the mean over the shocks'
    difference, N(0, 2 sd^2), by Gauss-Hermite quadrature; sd 0 is exactly
    :func:`~truestrength.base.game_model.series_win_prob`."""
    lh, lr = np.asarray(logit_home, float)[:, None], np.asarray(logit_road, float)[:, None]
    if sd == 0:
        return series_win_prob(expit(lh[:, 0]), expit(lr[:, 0]))
    d = math.sqrt(2.0) * sd * _NODES
    return series_win_prob(expit(lh + d), expit(lr + d)) @ _WEIGHTS


def fit_strength_sd(logit_home: np.ndarray, logit_road: np.ndarray,
                    home_won: np.ndarray) -> tuple[float, np.ndarray]:
    """The sd of :data:`SD_GRID` with the highest likelihood of the series winners
    (``home_won``), and the mean log loss per series at each sd of the grid."""
    won = np.asarray(home_won, bool)
    losses = np.array([-np.mean(np.log(np.clip(np.where(won, p, 1 - p), 1e-12, 1)))
                       for p in (series_win_probs(logit_home, logit_road, sd)
                                 for sd in SD_GRID)])
    return float(SD_GRID[int(np.argmin(losses))]), losses


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
    """The published postseason blend, the seasons whose postseason games fitted it, the
    playoff rotation's settings it was fitted with (and so forecasts with, whatever the
    configuration of the day says), and the sd of a team's strength shock per simulated
    postseason: ``sd_source`` says whether it was fitted, fixed by the configuration, or 0
    for want of series to fit it on (fewer than ``MIN_SERIES``); ``sd_series`` the
    forward-chained series it was fitted on, with their mean log loss at that sd and at 0."""

    stacker: Stacker
    seasons: tuple[str, ...]
    rotation: PlayoffRotationSection
    strength_sd: float = 0.0
    sd_source: SdSource = "fixed"
    sd_series: int = 0
    sd_log_loss: tuple[float, float] = (math.nan, math.nan)

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
        why = {"fitted": f"fitted on {self.sd_series} forward-chained series: log loss "
                         f"{self.sd_log_loss[0]:.4f}, at sd 0 {self.sd_log_loss[1]:.4f}",
               "fixed": "fixed",
               "too few series": f"{self.sd_series} forward-chained series, too few to fit"}
        sd = f"strength sd {self.strength_sd:g} logits ({why[self.sd_source]})"
        return (f"postseason: {self.stacker.describe()}; fitted on the play-in and playoff "
                f"games of {', '.join(self.seasons)}; {sd}")

    def to_dict(self) -> dict:
        return {"stacker": self.stacker.to_dict(), "seasons": list(self.seasons),
                "playoff_rotation": self.rotation.model_dump(mode="json"),
                "strength_sd": self.strength_sd, "sd_source": self.sd_source,
                "sd_series": self.sd_series,
                "sd_log_loss": list(self.sd_log_loss)}

    @classmethod
    def from_dict(cls, d: dict) -> Postseason:
        # runs saved before stop 23 simulated the postseason with strengths known exactly
        return cls(Stacker.from_dict(d["stacker"]), tuple(d["seasons"]),
                   PlayoffRotationSection.model_validate(d["playoff_rotation"]),
                   float(d.get("strength_sd", 0.0)), d.get("sd_source", "fixed"),
                   int(d.get("sd_series", 0)),
                   # NaN (not fitted) is saved as JSON null
                   tuple(math.nan if v is None else float(v)
                         for v in d.get("sd_log_loss", (None, None))))


def fit_postseason(history: LeagueData, config: Config, rapm: Rapm) -> Postseason | None:
    """The postseason blend on every season of ``history`` with postseason games (and player
    rows, for ``rapm``), combined as ``blend.postseason_combine`` says; None when they hold
    fewer than ``MIN_GAMES`` games (for ``"mean"``: for some input).
    Its strength sd is ``blend.postseason_strength_sd``, or fitted (module docstring)."""
    inputs = list(config.blend.postseason_inputs)
    how = config.blend.postseason_combine
    g = history.games
    post = g[g["kind"].isin(POSTSEASON_KINDS)]
    seasons = sorted(set(post["season"]) & set(history.standings_games()["season"]))
    with_players = set(history.seasons_with_players)
    if "rapm" in inputs and how == "fitted":
        seasons = [s for s in seasons if s in with_players]
    games, values = [], {}
    for season in seasons:
        # an input a season cannot give (RAPM without player rows) is missing, not 0
        has = [m for m in inputs if m != "rapm" or season in with_players]
        as_of = end_of_regular_season(history, season)
        frame = postseason_inputs(history, season, as_of, has, config, rapm)
        x = pd.DataFrame({m: input_values(frame, m).to_numpy() if m in has else np.nan
                          for m in inputs}, index=frame.index)
        s_games = post[post["season"] == season]
        home = x.reindex(s_games["home_team_id"]).to_numpy()
        road = x.reindex(s_games["road_team_id"]).to_numpy()
        d = pd.DataFrame(home - road, columns=inputs)
        games.append(d.assign(season=season, date=s_games["game_date"].to_numpy(),
                              home_won=(s_games["home_pts"] > s_games["road_pts"]).to_numpy(),
                              neutral_site=s_games["neutral_site"].to_numpy(bool),
                              b2b=b2b_of(s_games)))
        values[season] = x
    diffs = pd.concat(games, ignore_index=True) if games else None
    if diffs is None or any(len(diffs.dropna(subset=c)) < MIN_GAMES
                            for c in _fit_columns(inputs, how)):
        return None
    blend = config.blend
    if how == "mean":
        stacker = _mean_stacker([Stacker.fit(diffs.dropna(subset=[m]), [m], l2=blend.l2,
                                             fallback_z=blend.fallback_z) for m in inputs],
                                blend.l2)
    else:
        stacker = Stacker.fit(diffs.dropna(subset=inputs), inputs, l2=blend.l2,
                              fallback_z=blend.fallback_z)
    # the seasons some fit read: for "fitted" those with every input
    fitted = tuple(sorted(set(diffs.dropna(subset=inputs,
                                           how="all" if how == "mean" else "any")["season"])))
    fixed = blend.postseason_strength_sd
    if fixed is not None:
        return Postseason(stacker, fitted, config.playoff_rotation, float(fixed))
    models = list(stacker.models)
    lh, lr, won = _forward_chained_series(diffs, values, history,
                                          lambda before: _combined_fit(before, models, how,
                                                                       blend.l2))
    if won.size < MIN_SERIES:
        return Postseason(stacker, fitted, config.playoff_rotation, 0.0,
                          "too few series", int(won.size))
    sd, losses = fit_strength_sd(lh, lr, won)
    return Postseason(stacker, fitted, config.playoff_rotation, sd, "fitted",
                      int(won.size),
                      (float(losses.min()), float(losses[0])))


def _mean_fit(fits: list[BlendFit]) -> BlendFit:
    """Single-input fits averaged: each weight in its input's place over the number of
    inputs, and the mean home edge and back-to-back, so the logit is the fits' mean logit."""
    k = len(fits)
    return BlendFit(tuple(f.inputs[0] for f in fits),
                    np.array([float(f.weights[0]) / k for f in fits]),
                    float(np.mean([f.home_advantage for f in fits])),
                    max(f.n_games for f in fits),
                    float(np.mean([f.back_to_back for f in fits])))


def _mean_stacker(singles: list[Stacker], l2: float) -> Stacker:
    """The published ``"mean"`` combination, with each input's own fit as its candidates
    and its own forward-chained log loss (each over the games that input has)."""
    return Stacker(_mean_fit([s.published for s in singles]), MEAN,
                   {s.models[0]: s.published for s in singles},
                   {s.models[0]: s.nested_log_loss[s.models[0]] for s in singles},
                   max(s.nested_games for s in singles), l2)


def _fit_columns(inputs: list[str], how: str) -> list[list[str]]:
    """The input columns of each logistic a combination fits."""
    return [[m] for m in inputs] if how == "mean" else [inputs]


def _combined_fit(games: pd.DataFrame, inputs: list[str], how: str, l2: float
                  ) -> BlendFit | None:
    """The combination of ``inputs`` fitted on ``games`` as ``fit_postseason`` fits it, or
    None when some fit has fewer than ``MIN_GAMES`` games or one-sided results."""
    fits = []
    for cols in _fit_columns(inputs, how):
        rows = games.dropna(subset=cols)
        if len(rows) < MIN_GAMES or rows["home_won"].nunique() < 2:
            return None
        fits.append(fit_blend(rows[cols].to_numpy(float), rows["home_won"].to_numpy(bool),
                              rows["neutral_site"].to_numpy(bool), rows["b2b"].to_numpy(float),
                              tuple(cols), l2))
    return _mean_fit(fits) if how == "mean" else fits[0]


def _forward_chained_series(diffs: pd.DataFrame, values: dict[str, pd.DataFrame],
                            history: LeagueData,
                            fit_on: Callable[[pd.DataFrame], BlendFit | None]
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each season's playoff series (after the first) with the home-court team's game logits
    at home and on the road, from the published combination (``fit_on``) fitted on the
    postseason games of the seasons before it only; and who won. A season whose series an
    input cannot read is left out."""
    order = list(values)
    lh, lr, won = [], [], []
    for k, season in enumerate(order[1:], start=1):
        fit = fit_on(diffs[diffs["season"].isin(order[:k])])
        if fit is None:
            continue
        inputs = list(fit.inputs)
        series = playoff_series(history, season)
        x = values[season][inputs]
        diff = x.reindex(series["home"]).to_numpy() - x.reindex(series["road"]).to_numpy()
        ok = np.isfinite(diff).all(axis=1)
        neutral = series["neutral_site"].to_numpy(bool)[ok]
        none = np.zeros(int(ok.sum()))
        lh.append(fit.logit(diff[ok], neutral, none))
        # on the road the home-court team's logit is minus the road team's logit at home
        lr.append(-fit.logit(-diff[ok], neutral, none))
        won.append(series["home_won"].to_numpy(bool)[ok])
    if not won:
        return np.empty(0), np.empty(0), np.empty(0, bool)
    return np.concatenate(lh), np.concatenate(lr), np.concatenate(won)
