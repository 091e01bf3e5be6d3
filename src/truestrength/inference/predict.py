"""The predictions a user reads: one row per team at a date, from a trained A+B ensemble.

Columns (predictions.csv / .json):
- team_id, team, conference; wins, losses, win_pct, standings_rank (conference, to date)
- strength: 0-100, the blend's chance in % of beating a league-average team on a neutral
  floor (from the fitted game model), so 50 is average and differences mean something
- league_rank, conference_rank: by strength
- p_playoffs, p_conf_finals, p_finals, p_title: Monte Carlo over the rest of the season, the
  play-in and the playoffs with the ensemble's game probabilities
- rank_model_a, rank_model_b (league ranks of each base model) and models_agree (their
  ranks within ``agree_within`` places)
- label: Sleeper (conference rank by strength at least ``label_margin`` places better than
  its standings rank), Paper Tiger (that much worse), else Aligned; Unrated while the median
  team has played fewer than ``label_min_games`` games
- drivers: the players with the largest Model A attention weight, with their weights;
  attention_degenerate is True when the attention is near-uniform or collapsed, in which
  case the drivers say little
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from truestrength.base.config import Config, PredictSection
from truestrength.base.errors import DataError
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.base.predictor import RosterAttention
from truestrength.base.stats import scores_to_ranks
from truestrength.base.targets import standings
from truestrength.inference.schedule import expected_schedule, games_left
from truestrength.inference.simulate import SeasonState, simulate_season
from truestrength.training.ensemble import EnsembleAB


@dataclass(frozen=True)
class Driver:
    """A player Model A attends to on a team, with his mean attention weight (0-1)."""

    player_id: int
    player: str
    weight: float


@dataclass(frozen=True)
class PredictionMeta:
    stacker_models: tuple[str, ...]
    stacker_weights: tuple[float, ...]
    stacker_alpha: float  # the ridge penalty RidgeCV chose
    stacker_rows: int  # out-of-fold rows it was fitted on
    models_kendall_tau: float  # agreement of Model A's and Model B's league orders
    n_sims: int
    sim_seconds: float
    label_margin: int
    games_remaining: int
    schedule: str  # "stored": the store's remaining games; "expected": drawn, see schedule.py
    data_cutoff: str  # predictions use games strictly before this date


@dataclass
class Predictions:
    season: str
    date: pd.Timestamp
    table: pd.DataFrame  # one row per team (module docstring), sorted by league rank
    drivers: dict[int, list[Driver]]  # team_id -> players by attention, largest first
    meta: PredictionMeta

    def write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        csv = out_dir / "predictions.csv"
        at = self.table.columns.get_loc("attention_degenerate")
        flat = self.table.copy()
        flat.insert(at, "drivers", [
            "; ".join(f"{d.player} ({d.weight:.2f})" for d in self.drivers.get(t, []))
            for t in self.table["team_id"]])
        flat.to_csv(csv, index=False)
        nested = self.table.copy()
        nested.insert(at, "drivers", [[asdict(d) for d in self.drivers.get(t, [])]
                                      for t in self.table["team_id"]])
        teams = nested.to_dict("records")
        js = write_json(out_dir / "predictions.json", {
            "season": self.season, "date": str(self.date.date()), "meta": asdict(self.meta),
            "teams": teams})
        return [csv, js]


def make_predictions(ensemble: EnsembleAB, data: LeagueData, date: pd.Timestamp,
                     config: Config, season: str | None = None) -> Predictions:
    date = pd.Timestamp(date).normalize()
    season = season or data.season_of_date(date)
    known = data.before(date)
    g = data.games[data.games["season"] == season]
    if (g["kind"].isin(["play_in", "playoff"]) & (g["game_date"] < date)).any():
        last = data.standings_games(season)["game_date"].max() + pd.Timedelta(days=1)
        raise DataError(
            f"{date:%Y-%m-%d} is after the start of {season}'s play-in/playoffs; predictions "
            "simulate the postseason from the seeds, so they are made up to the day after the "
            f"last regular-season game ({last:%Y-%m-%d})")
    pred = ensemble.predict(known, season, date)
    scores = pred.scores
    table = standings(known, season).set_index("team_id")
    z = scores - scores.mean()
    strength = 100.0 / (1.0 + np.exp(-ensemble.fit_.win_model.slope * z))
    out = pd.DataFrame({
        "team": table["abbreviation"], "conference": table["conference"],
        "wins": table["wins"], "losses": table["losses"], "win_pct": table["win_pct"],
        "standings_rank": table["conference_rank"],
        "strength": strength.reindex(table.index).round(1),
        "score": scores.reindex(table.index),
    })
    out["league_rank"] = scores_to_ranks(out["score"].to_numpy()).astype(int)
    out["conference_rank"] = out.groupby("conference")["score"].rank(
        ascending=False, method="first").astype(int)
    schedule, schedule_kind = remaining_schedule(data, season, date,
                                                 seed=config.predict.schedule_seed)
    state = SeasonState.from_league(known, season, date, schedule=schedule)
    sim = simulate_season(state, pred.win_prob, config.simulation)
    odds = sim.table.set_index("team_id")
    for col in ("p_playoffs", "p_conf_finals", "p_finals", "p_title"):
        out[col] = odds[col].reindex(out.index)
    out["mean_wins"] = odds["mean_wins"].reindex(out.index).round(1)
    model_a, model_b = pred.components["model_a"], pred.components["model_b"]
    ra = scores_to_ranks(model_a.reindex(out.index).to_numpy()).astype(int)
    rb = scores_to_ranks(model_b.reindex(out.index).to_numpy()).astype(int)
    out["rank_model_a"], out["rank_model_b"] = ra, rb
    out["models_agree"] = np.abs(ra - rb) <= config.predict.agree_within
    out["label"] = labels(out["standings_rank"], out["conference_rank"],
                          out["wins"] + out["losses"], config.predict)
    drivers, degenerate = attention_drivers(pred.attention, known, config.predict)
    out["attention_degenerate"] = [degenerate.get(t, True) for t in out.index]
    out = out.reset_index().sort_values("league_rank").reset_index(drop=True)
    meta = PredictionMeta(
        stacker_models=ensemble.fit_.stacker.models,
        stacker_weights=tuple(float(w) for w in ensemble.fit_.stacker.weights),
        stacker_alpha=ensemble.fit_.stacker.alpha, stacker_rows=ensemble.fit_.stacker.n_rows,
        models_kendall_tau=float(stats.kendalltau(model_a.to_numpy(),
                                                  model_b.reindex(model_a.index).to_numpy())
                                 .statistic),
        n_sims=sim.n_sims, sim_seconds=sim.seconds, label_margin=config.predict.label_margin,
        games_remaining=int(len(schedule)), schedule=schedule_kind,
        data_cutoff=str(date.date()),
    )
    return Predictions(season, date, out, drivers, meta)


_SCHEDULE_COLUMNS = ["home_team_id", "road_team_id", "neutral_site"]


def remaining_schedule(data: LeagueData, season: str, date: pd.Timestamp,
                       seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The standings games of ``season`` still to play from ``date`` on (who plays whom and
    where, never results), and where they come from:

    * ``"stored"``, a past season: the store holds its games on or after ``date`` (``data``
      is not cut there), so the games really played are the schedule, as before;
    * ``"stored"``, a season under way with a schedule in the store (``data.schedule``): its
      regular-season games (cup semis included, the cup final not) dated on or after
      ``date`` that were not played before it. A game postponed without a new date
      (``postponed`` still true) is left out: nobody knows when, or whether, it is played;
    * ``"expected"`` otherwise: ``inference.schedule.expected_schedule``, drawn to the right
      length. After the regular season (no games left, or the postseason begun) the
      schedule is empty and ``"stored"``.
    """
    date = pd.Timestamp(date).normalize()
    known = data.before(date)
    later = data.standings_games(season)
    later = later.loc[later["game_date"] >= date, _SCHEDULE_COLUMNS]
    if len(later):
        return later.reset_index(drop=True), "stored"
    sched = data.schedule
    sched = sched[sched["season"] == season]
    if len(sched):
        played = known.games["game_id"]
        keep = ((sched["kind"] == "regular") & ~sched["postponed"].astype(bool)
                & (sched["game_date"] >= date) & ~sched["game_id"].isin(played))
        return sched.loc[keep, _SCHEDULE_COLUMNS].reset_index(drop=True), "stored"
    g = data.games[data.games["season"] == season]
    season_over = (g["kind"].isin(["play_in", "playoff"]).any()
                   or (games_left(known, season) == 0).all())
    if season_over:
        return pd.DataFrame(columns=_SCHEDULE_COLUMNS), "stored"
    # The store holds only games already played and no schedule: simulating "no games left"
    # would silently call the season over, so an expected schedule of the right length is
    # used instead.
    return expected_schedule(known, season, seed=seed), "expected"


def labels(standings_rank: pd.Series, conference_rank: pd.Series, games: pd.Series,
           section: PredictSection) -> np.ndarray:
    """Sleeper / Paper Tiger / Aligned from the gap between a team's conference rank in the
    standings and by strength; Unrated for all while the median team has played fewer than
    ``label_min_games`` games (standings of a few games are mostly tie-breaks)."""
    if games.median() < section.label_min_games:
        return np.full(len(standings_rank), "Unrated", dtype=object)
    gap = (standings_rank - conference_rank).to_numpy()
    margin = section.label_margin
    return np.where(gap >= margin, "Sleeper",
                    np.where(gap <= -margin, "Paper Tiger", "Aligned")).astype(object)


def attention_drivers(attention: RosterAttention | None, known: LeagueData,
                      section: PredictSection) -> tuple[dict[int, list[Driver]],
                                                        dict[int, bool]]:
    """Per team the ``n_drivers`` players with the most attention, and whether the team's
    attention is degenerate (entropy share outside ``attention_entropy_bounds``)."""
    if attention is None:
        return {}, {}
    names = known.players.set_index("player_id")["name"] if len(known.players) else {}
    low, high = section.attention_entropy_bounds
    drivers, degenerate = {}, {}
    for i, team in enumerate(attention.team_ids.tolist()):
        m = attention.mask[i]
        w = attention.weights[i][m]
        ids = attention.player_ids[i][m]
        entropy = float(-(w * np.log(np.clip(w, 1e-12, 1))).sum() / np.log(max(m.sum(), 2)))
        degenerate[team] = not (low <= entropy <= high)
        top = np.argsort(-w)[: section.n_drivers]
        drivers[team] = [Driver(int(ids[j]), str(names.get(int(ids[j]), ids[j])), float(w[j]))
                         for j in top]
    return drivers, degenerate
