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

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.config import Config
from truestrength.data.league import LeagueData
from truestrength.evaluation.metrics import kendall_tau, scores_to_ranks
from truestrength.evaluation.targets import standings
from truestrength.features.roster import build_snapshots
from truestrength.inference.schedule import expected_schedule, games_left
from truestrength.inference.simulate import SeasonState, SimConfig, simulate_season
from truestrength.training.ensemble import EnsembleAB

ENTROPY_DEGENERATE = (0.2, 0.95)


@dataclass
class Predictions:
    season: str
    date: pd.Timestamp
    table: pd.DataFrame
    meta: dict

    def write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        csv = out_dir / "predictions.csv"
        flat = self.table.assign(drivers=self.table["drivers"].map(
            lambda d: "; ".join(f"{p['player']} ({p['weight']:.2f})" for p in d)))
        flat.to_csv(csv, index=False)
        js = out_dir / "predictions.json"
        js.write_text(json.dumps({"season": self.season, "date": str(self.date.date()),
                                  "meta": self.meta,
                                  "teams": self.table.to_dict("records")}, indent=2,
                                 default=_json_default))
        return [csv, js]


def _json_default(o):
    if isinstance(o, np.integer | np.bool_):
        return o.item()
    if isinstance(o, np.floating):
        return float(o)
    return str(o)


def season_of_date(data: LeagueData, date: pd.Timestamp) -> str:
    """The season a date belongs to: the one whose games span it (or that starts next)."""
    g = data.games
    spans = g.groupby("season")["game_date"].agg(["min", "max"])
    inside = spans[(spans["min"] - pd.Timedelta(days=120) <= date)
                   & (date <= spans["max"] + pd.Timedelta(days=1))]
    if inside.empty:
        raise ValueError(f"{date:%Y-%m-%d} is not within or just before any season in the "
                         f"store ({', '.join(spans.index)})")
    return inside.index[-1]


def make_predictions(ensemble: EnsembleAB, data: LeagueData, date: pd.Timestamp,
                     config: Config, season: str | None = None) -> Predictions:
    date = pd.Timestamp(date).normalize()
    season = season or season_of_date(data, date)
    known = data.before(date)
    g = data.games[data.games["season"] == season]
    regular = g[g["counts_for_standings"]]
    if (g["kind"].isin(["play_in", "playoff"]) & (g["game_date"] < date)).any():
        last = regular["game_date"].max() + pd.Timedelta(days=1)
        raise ValueError(
            f"{date:%Y-%m-%d} is after the start of {season}'s play-in/playoffs; predictions "
            "simulate the postseason from the seeds, so they are made up to the day after the "
            f"last regular-season game ({last:%Y-%m-%d})")
    base = ensemble.base_scores(known, season, date)
    pred = ensemble.predict(known, season, date)
    scores = pred.scores
    table = standings(known, season).set_index("team_id")
    wm = ensemble.fit_.win_model
    z = scores - scores.mean()
    strength = 100.0 / (1.0 + np.exp(-wm.slope * z))
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
    # The schedule of the rest of the season: who plays whom and where, never results.
    full = data.games
    schedule = full.loc[(full["season"] == season) & full["counts_for_standings"]
                        & (full["game_date"] >= date),
                        ["home_team_id", "road_team_id", "neutral_site"]]
    schedule_kind = "stored"
    season_over = (g["kind"].isin(["play_in", "playoff"]).any()
                   or (games_left(known, season) == 0).all())
    if schedule.empty and not season_over:
        # The store holds only games already played: the season is still under way and its
        # real remaining schedule is unknown. Simulating "no games left" would silently call
        # the season over, so an expected schedule of the right length is used instead.
        schedule = expected_schedule(known, season, seed=config.predict.seed)
        schedule_kind = "expected"
    state = SeasonState.from_league(known, season, date, schedule=schedule)
    sim = simulate_season(state, pred.win_prob, SimConfig(n_sims=config.predict.n_sims,
                                                          seed=config.predict.seed))
    odds = sim.table.set_index("team_id")
    for col in ("p_playoffs", "p_conf_finals", "p_finals", "p_title"):
        out[col] = odds[col].reindex(out.index)
    out["mean_wins"] = odds["mean_wins"].reindex(out.index).round(1)
    ra = scores_to_ranks(base["model_a"].reindex(out.index).to_numpy()).astype(int)
    rb = scores_to_ranks(base["model_b"].reindex(out.index).to_numpy()).astype(int)
    out["rank_model_a"], out["rank_model_b"] = ra, rb
    out["models_agree"] = np.abs(ra - rb) <= config.predict.agree_within
    gap = out["standings_rank"] - out["conference_rank"]
    margin = config.predict.label_margin
    out["label"] = np.where(gap >= margin, "Sleeper",
                            np.where(gap <= -margin, "Paper Tiger", "Aligned"))
    # Standings of a few games are mostly tie-breaks: no label until they mean something.
    if out["wins"].add(out["losses"]).median() < config.predict.label_min_games:
        out["label"] = "Unrated"
    drivers, degenerate = _attention_drivers(ensemble, known, season, date, config)
    out["drivers"] = [drivers.get(t, []) for t in out.index]
    out["attention_degenerate"] = [degenerate.get(t, True) for t in out.index]
    out = out.reset_index().sort_values("league_rank").reset_index(drop=True)
    meta = {
        "stacker": ensemble.fit_.stacker.to_dict(),
        "models_kendall_tau": kendall_tau(base["model_a"].to_numpy(),
                                          scores_to_ranks(base["model_b"].to_numpy())),
        "n_sims": sim.n_sims, "sim_seconds": sim.seconds,
        "label_margin": margin, "games_remaining": int(len(schedule)),
        "schedule": schedule_kind,
        "data_cutoff": str(date.date()),
    }
    return Predictions(season, date, out, meta)


def _attention_drivers(ensemble: EnsembleAB, known: LeagueData, season: str,
                       date: pd.Timestamp, config: Config):
    fitted = ensemble.model_a.fitted
    snaps = build_snapshots(known, [season], fitted.roster, dates=[date])
    _, attn = fitted.score(snaps)
    weights = attn.mean(axis=1)  # [N, P], mean over heads
    names = known.players.set_index("player_id")["name"] if len(known.players) else {}
    drivers, degenerate = {}, {}
    for i, team in enumerate(snaps.keys["team_id"].to_numpy()):
        m = snaps.mask[i]
        w = weights[i][m]
        ids = snaps.player_ids[i][m]
        entropy = float(-(w * np.log(np.clip(w, 1e-12, 1))).sum() / np.log(max(m.sum(), 2)))
        degenerate[team] = not (ENTROPY_DEGENERATE[0] <= entropy <= ENTROPY_DEGENERATE[1])
        top = np.argsort(-w)[: config.predict.n_drivers]
        drivers[team] = [{"player_id": int(ids[j]),
                          "player": str(names.get(int(ids[j]), ids[j])),
                          "weight": float(w[j])} for j in top]
    return drivers, degenerate
