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
- projected_rank: conference rank of the projected final record (mean_wins over the
  team's season games; ties by strength)
- label: Sleeper (projected_rank at least ``label_margin`` places better than its standings
  rank today), Paper Tiger (that much worse), else Aligned; Unrated while the median team
  has played fewer than ``label_min_games`` games
- mean_wins, mean_losses: the projected final record (simulated wins; the team's season
  games, played and still scheduled, minus them)
- drivers: the players with the largest Model A attention weight, with their weights;
  attention_degenerate is True when the attention is near-uniform or collapsed, in which
  case the drivers say little

Rosters (rosters.csv): Model A's roster of each team at the date, as its score used it —
team_id, team, player_id, player, minutes (recent minutes per game), attention (mean weight),
value and value_games (the player's plain RAPM value and its evidence, ``projected_rosters``).

Availability (absences.csv, and "absences" in predictions.json): who was treated as out or
moved, and why (``base.availability``). Out players take no minutes in Model A's rosters
until their return date; Model B (team context) cannot see players and is unchanged. The
season is cut into phases: the prediction date and each return date before the end of the
regular season. Each phase's availability is scored at the prediction date (no games after
it are known), and each remaining game gets its P(home wins) from the phase of its date;
the postseason is played with every player back whose return date is on or before the day
after the last regular-season game, by the run's postseason blend when it has one
(``models.postseason``: fitted on earlier playoffs, RAPM of each team's playoff rotation —
``features.playoff_rotation``: the healthy players, season minutes per game played
concentrated on the best of them), and with ``playoff_rotation.enabled`` Model A too scores
the playoff rotation instead of the recent one; ``availability_phases`` then counts the
postseason's scoring too. Remaining games of an expected schedule have no dates:
they are spread evenly, in the schedule's order, over the days from the prediction date to
the regular season's expected end (the previous season's last game date a year on, else
``availability.season_end_month_day``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from truestrength.base.availability import Availability, AvailabilityEdit, PlayerAvailability
from truestrength.base.config import (
    AvailabilitySection,
    Config,
    PlayoffRotationSection,
    PredictSection,
)
from truestrength.base.errors import DataError
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.base.predictor import Prediction, RosterAttention
from truestrength.base.seasons import POSTSEASON_KINDS, previous_season, season_start_year, to_days
from truestrength.base.stats import scores_to_ranks
from truestrength.base.targets import end_of_regular_season, standings
from truestrength.features.availability import resolve_availability
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.features.roster import build_snapshots
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
    # The published blend (models.stacker): its inputs and weights (log-odds per unit of
    # each input: a within-date z-score, or 100 Elo points), its home edge in log-odds, and
    # the out-of-fold games it was fitted on.
    stacker_models: tuple[str, ...]
    stacker_weights: tuple[float, ...]
    stacker_home_advantage: float
    stacker_games: int
    # "blend", or the single input published because the blend did not beat it
    stacker_choice: str
    # each candidate's forward-chained log loss on the out-of-fold games that chose it
    stacker_nested_log_loss: dict[str, float]
    models_kendall_tau: float  # agreement of Model A's and Model B's league orders
    n_sims: int
    sim_seconds: float
    label_margin: int
    games_remaining: int
    schedule: str  # "stored": the store's remaining games; "expected": drawn, see schedule.py
    data_cutoff: str  # predictions use games strictly before this date
    players_out: int = 0  # players treated as out at the prediction date
    players_moved: int = 0  # players moved to a new team by a roster
    availability_phases: int = 1  # distinct availabilities scored (see the module docstring)
    # The season's play-in as simulated (base.seasons.PostseasonFormat.play_in): "7-10",
    # "8-9" (2019-20) or "none" (before).
    postseason_play_in: str = "7-10"
    # The playoff rotation's minutes power the postseason was scored with (issue 11), and
    # whether it was learned from earlier playoffs; None: no playoff rotation was read.
    playoff_power: float | None = None
    playoff_power_learned: bool | None = None
    # The postseason blend's inputs (``models.postseason``); empty: the regular-season blend.
    postseason_inputs: list[str] = field(default_factory=list)
    # The sd (logits) of a team's strength shock per simulated postseason (simulate).
    postseason_sd: float = 0.0


@dataclass
class Predictions:
    season: str
    date: pd.Timestamp
    table: pd.DataFrame  # one row per team (module docstring), sorted by league rank
    drivers: dict[int, list[Driver]]  # team_id -> players by attention, largest first
    meta: PredictionMeta
    # Who was treated as out or moved, and why; also injuries-file rows that play.
    absences: list[PlayerAvailability] = field(default_factory=list)
    # Model A's projected roster per team (``ROSTER_COLUMNS``); empty without Model A.
    rosters: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROSTER_COLUMNS))

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
        absences = [a.as_row() for a in self.absences]
        js = write_json(out_dir / "predictions.json", {
            "season": self.season, "date": str(self.date.date()), "meta": asdict(self.meta),
            "teams": teams, "absences": absences})
        ab = out_dir / "absences.csv"
        team = dict(zip(self.table["team_id"], self.table["team"], strict=True))
        frame = pd.DataFrame(absences, columns=ABSENCE_COLUMNS)
        frame.insert(3, "team", frame["team_id"].map(team))
        frame.to_csv(ab, index=False)
        rosters = out_dir / "rosters.csv"
        roster = self.rosters.copy()
        roster.insert(1, "team", roster["team_id"].map(team))
        roster.to_csv(rosters, index=False)
        return [csv, js, ab, rosters]


ABSENCE_COLUMNS = ["player_id", "player", "team_id", "status", "treated_out", "return_date",
                   "reason", "from_team_id", "since"]


def make_predictions(ensemble: EnsembleAB, data: LeagueData, date: pd.Timestamp,
                     config: Config, season: str | None = None, *,
                     injuries: list[PlayerAvailability] | None = None,
                     rosters: pd.DataFrame | None = None,
                     edit: AvailabilityEdit | None = None) -> Predictions:
    """The prediction table at ``date``. ``injuries``: entries of an injuries file
    (``data.injuries.read_injuries``); ``rosters``: published rosters (``season, team_id,
    player_id, as_of``), default ``data.rosters`` where the store has one; ``edit``: a
    what-if's changes applied last, over everything else (``inference.whatif``): every
    phase and the postseason see them."""
    date = pd.Timestamp(date).normalize()
    season = season or data.season_of_date(date)
    known = data.before(date)
    if rosters is None:  # the rosters read before the date, as the cut view holds them
        rosters = known.rosters
    g = data.games[data.games["season"] == season]
    if (g["kind"].isin(POSTSEASON_KINDS) & (g["game_date"] < date)).any():
        last = end_of_regular_season(data, season)
        raise DataError(
            f"{date:%Y-%m-%d} is after the start of {season}'s play-in/playoffs; predictions "
            "simulate the postseason from the seeds, so they are made up to the day after the "
            f"last regular-season game ({last:%Y-%m-%d})")
    schedule, schedule_kind = remaining_schedule(data, season, date,
                                                 seed=config.predict.schedule_seed)
    if "game_date" in schedule:
        game_dates = pd.DatetimeIndex(schedule.pop("game_date"))
    else:  # an expected schedule has no dates: its games are spread over the days left
        game_dates = spread_dates(len(schedule), date,
                                  expected_season_end(known, season, date, config.availability))
    # inferred outs are dated from the same game dates the simulation plays
    avail = resolve_availability(known, season, date, config.roster, config.availability,
                                 injuries, rosters,
                                 remaining=schedule.assign(game_date=game_dates))
    if edit is not None:
        avail = edit.apply(avail)
    pred = ensemble.predict(known, season, date, availability=avail)
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
    # The same fit the postseason's RAPM (with the run's settings) or Model A makes
    # (deterministic), for the record.
    post = ensemble.fit_.postseason if ensemble.has_postseason else None
    post_inputs = post.inputs if post is not None else []
    post_sd = post.strength_sd if post is not None else 0.0
    rotation = (fit_playoff_power(known, season, post.rotation) if "rapm" in post_inputs
                else fit_playoff_power(known, season, config.playoff_rotation)
                if post is None and config.playoff_rotation.enabled else None)
    # A stored schedule's dates mark its back-to-backs; an expected one's are spread evenly
    # by us, so they mark none.
    state = SeasonState.from_league(
        known, season, date,
        schedule=schedule.assign(game_date=game_dates) if schedule_kind == "stored" else schedule)
    remaining_p, post_wp, n_phases = phased_win_probs(ensemble, known, season, date, avail,
                                                      pred, state.remaining, game_dates,
                                                      config.playoff_rotation)
    sim = simulate_season(state, pred.win_prob, config.simulation, remaining_p=remaining_p,
                          postseason_win_prob=post_wp,
                          postseason_sd=post_sd)
    odds = sim.table.set_index("team_id")
    for col in ("p_playoffs", "p_conf_finals", "p_finals", "p_title"):
        out[col] = odds[col].reindex(out.index)
    out["mean_wins"] = odds["mean_wins"].reindex(out.index).round(1)
    # The projected record's losses: the team's whole season (played + still scheduled)
    # minus its simulated wins, so W + L is the season the simulation actually played.
    left = pd.concat([schedule["home_team_id"], schedule["road_team_id"]]).value_counts()
    season_games = out["wins"] + out["losses"] + left.reindex(out.index).fillna(0).astype(int)
    out["mean_losses"] = (season_games - odds["mean_wins"].reindex(out.index)).round(1)
    model_a, model_b = pred.components["model_a"], pred.components["model_b"]
    ra = scores_to_ranks(model_a.reindex(out.index).to_numpy()).astype(int)
    rb = scores_to_ranks(model_b.reindex(out.index).to_numpy()).astype(int)
    out["rank_model_a"], out["rank_model_b"] = ra, rb
    out["models_agree"] = np.abs(ra - rb) <= config.predict.agree_within
    out["projected_rank"] = projected_ranks(
        out["conference"], odds["mean_wins"].reindex(out.index) / season_games, out["score"])
    out["label"] = labels(out["standings_rank"], out["projected_rank"],
                          out["wins"] + out["losses"], config.predict)
    drivers, degenerate = attention_drivers(pred.attention, known, config.predict)
    rosters = projected_rosters(ensemble, known, season, date, avail, pred.attention)
    out["attention_degenerate"] = [degenerate.get(t, True) for t in out.index]
    out = out.reset_index().sort_values("league_rank").reset_index(drop=True)
    meta = PredictionMeta(
        stacker_models=ensemble.fit_.stacker.models,
        stacker_weights=tuple(float(w) for w in ensemble.fit_.stacker.weights),
        stacker_home_advantage=ensemble.fit_.stacker.published.home_advantage,
        stacker_games=ensemble.fit_.stacker.published.n_games,
        stacker_choice=ensemble.fit_.stacker.choice,
        stacker_nested_log_loss=dict(ensemble.fit_.stacker.nested_log_loss),
        models_kendall_tau=float(stats.kendalltau(model_a.to_numpy(),
                                                  model_b.reindex(model_a.index).to_numpy())
                                 .statistic),
        n_sims=sim.n_sims, sim_seconds=sim.seconds, label_margin=config.predict.label_margin,
        games_remaining=int(len(schedule)), schedule=schedule_kind,
        data_cutoff=str(date.date()), players_out=len(avail.out_on(date)),
        players_moved=len(avail.moves), availability_phases=n_phases,
        postseason_play_in=sim.postseason.play_in,
        playoff_power=None if rotation is None else rotation.power,
        playoff_power_learned=None if rotation is None else rotation.learned,
        postseason_inputs=post_inputs, postseason_sd=post_sd,
    )
    return Predictions(season, date, out, drivers, meta, absences=list(avail.entries),
                       rosters=rosters)


ROSTER_COLUMNS = ["team_id", "player_id", "player", "minutes", "attention", "value",
                  "value_games"]


def projected_rosters(ensemble: EnsembleAB, known: LeagueData, season: str,
                      date: pd.Timestamp, avail: Availability,
                      attention: RosterAttention | None) -> pd.DataFrame:
    """Model A's roster of each team at ``date`` (players out excluded, moved players on
    their new team): recent minutes per game and attention weight, by minutes. Rebuilt from
    the same snapshot code and settings Model A scored (``features.roster``): the model's
    output keeps only the attention, and the report shows the minutes the score used.

    ``value`` is each player's plain RAPM coefficient in force at the date (the week's refit,
    games strictly before its Monday; ``EnsembleAB.rapm_fit``, the run's ``rapm`` settings), the
    one the published blend's RAPM reads: the points of margin per game he adds
    playing all 48 minutes, against a league-average player; ``value_games`` the decayed
    full games behind it (0: never seen, value 0). Model A's own player values are implicit
    (the attention is a share of a pooled vector, not points), so the roster view shows this
    independent yardstick beside it."""
    model_a = getattr(ensemble.model_a, "fitted_", None)
    if model_a is None:
        return pd.DataFrame(columns=ROSTER_COLUMNS)
    snaps = build_snapshots(known, [season], model_a.roster, dates=[date], availability=avail,
                            rapm=model_a.rapm)
    names = known.players.set_index("player_id")["name"] if len(known.players) else {}
    weight: dict[tuple[int, int], float] = {}
    if attention is not None:
        for i, team in enumerate(attention.team_ids.tolist()):
            m = attention.mask[i]
            weight.update({(team, int(p)): float(w) for p, w in
                           zip(attention.player_ids[i][m], attention.weights[i][m],
                               strict=True)})
    fit = ensemble.rapm_fit(known, date)
    rows = []
    for i, team in enumerate(snaps.keys["team_id"].astype(int).tolist()):
        m = snaps.mask[i]
        for p, mins in zip(snaps.player_ids[i][m].tolist(), snaps.minutes[i][m].tolist(),
                           strict=True):
            rows.append((team, p, str(names.get(p, p)), round(float(mins), 1),
                         weight.get((team, p), float("nan")),
                         round(float(fit.coef.get(p, 0.0)), 2),
                         round(float(fit.evidence.get(p, 0.0)), 1)))
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    return frame.sort_values(["team_id", "minutes"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


def expected_season_end(known: LeagueData, season: str, date: pd.Timestamp,
                        section: AvailabilitySection) -> pd.Timestamp:
    """Expected last day of the regular season: the previous season's last standings game a
    year on when the store has it, else ``season_end_month_day`` of the season's second
    year; never before ``date``."""
    prev = known.standings_games(previous_season(season))
    year = season_start_year(season) + 1
    if len(prev):
        last = pd.Timestamp(prev["game_date"].max())
        end = last + pd.DateOffset(years=year - last.year)
    else:
        end = pd.Timestamp(f"{year}-{section.season_end_month_day}")
    return max(pd.Timestamp(end).normalize(), date)


def spread_dates(n: int, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """``n`` game dates spread evenly, in order, over the days ``start``..``end``."""
    days = (end - start).days + 1
    return pd.DatetimeIndex(start + pd.to_timedelta(np.arange(n) * days // max(n, 1), "D"))


def phased_win_probs(ensemble: EnsembleAB, known: LeagueData, season: str, date: pd.Timestamp,
                     avail: Availability, pred: Prediction, remaining: pd.DataFrame,
                     game_dates: pd.DatetimeIndex,
                     playoff_rotation: PlayoffRotationSection | None = None
                     ) -> tuple[np.ndarray | None, object, int]:
    """P(home wins) of each remaining game from its date's availability phase, the win model
    of the postseason, and the number of distinct phases scored (module docstring). With no
    return date ahead: (None, None, 1), the simulator's default path, unless the postseason
    is scored apart: by the postseason blend (``has_postseason``) or by Model A's playoff
    rotation (``playoff_rotation.enabled``), each of the players back by then. A published
    forecast that reads no roster has one regular-season phase whatever the availability."""
    last = game_dates.max() if len(game_dates) else date - pd.Timedelta(days=1)
    post_day = last + pd.Timedelta(days=1)
    apart = ensemble.has_postseason or (playoff_rotation is not None
                                        and playoff_rotation.enabled
                                        and ensemble.reads_rosters)
    post_avail = avail.for_postseason(post_day, playoff_rotation)

    def postseason() -> Prediction:
        return ensemble.predict(known, season, date, availability=post_avail, base=pred)

    if not ensemble.reads_rosters or not any(r > date for r in avail.return_dates()):
        return (None, postseason().win_prob, 2) if apart else (None, None, 1)
    days = [date, *(r for r in avail.return_dates() if date < r <= last)]
    which = np.searchsorted(to_days(days), to_days(game_dates), side="right") - 1
    wanted = [days[k] for k in np.unique(which)] + ([] if apart else [post_day])
    # each distinct phase once, all of them in one roster build
    scored: dict[frozenset[int], Prediction] = {avail.out_on(date): pred}
    todo: dict[frozenset[int], Availability] = {}
    for phase in (avail.back_by(day) for day in wanted):
        if phase.out_on(date) not in scored:
            todo.setdefault(phase.out_on(date), phase)
    if todo:
        scored |= zip(todo, ensemble.predict_phases(known, season, date, list(todo.values()),
                                                    base=pred), strict=True)

    def at(day: pd.Timestamp) -> Prediction:
        return scored[avail.back_by(day).out_on(date)]

    p = np.empty(len(remaining))
    for k, day in enumerate(days):
        sel = which == k
        if sel.any():
            p[sel] = at(day).win_prob(remaining["home_team_id"].to_numpy()[sel],
                                      remaining["road_team_id"].to_numpy()[sel],
                                      remaining["neutral_site"].to_numpy()[sel],
                                      remaining["b2b"].to_numpy()[sel])
    if apart:  # another model or roster than any regular-season phase's, even with the same outs
        return p, postseason().win_prob, len(scored) + 1
    post = at(post_day).win_prob
    return p, post, len(scored)


_SCHEDULE_COLUMNS = ["home_team_id", "road_team_id", "neutral_site", "game_date"]


def remaining_schedule(data: LeagueData, season: str, date: pd.Timestamp,
                       seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The standings games of ``season`` still to play from ``date`` on (who plays whom and
    where, never results), and where they come from:

    * ``"stored"``: the games the store holds on or after ``date`` (``data`` is not cut there:
      a past season's games really played), together with the stored schedule's
      (``data.schedule``) regular-season games the store does not hold. A scheduled game
      dated before ``date`` that the store does not hold (the store lags the schedule, or
      the game was moved) is still to be played as far as the store knows: it is dated
      ``date``. A game postponed without a new date (``postponed`` still true) is left out:
      nobody knows when, or whether, it is played. After the regular season (no games left,
      or the postseason begun) the schedule is empty and ``"stored"``;
    * ``"expected"``: no stored schedule and no stored later games while the season is under
      way: ``inference.schedule.expected_schedule``, drawn to the right length.
    """
    date = pd.Timestamp(date).normalize()
    known = data.before(date)
    later = data.standings_games(season)
    later = later.loc[later["game_date"] >= date]
    sched = data.schedule
    sched = sched[sched["season"] == season]
    if len(sched):
        held = data.games["game_id"]
        todo = sched[(sched["kind"] == "regular") & ~sched["postponed"].astype(bool)
                     & ~sched["game_id"].isin(held)]
        todo = todo.assign(game_date=pd.to_datetime(todo["game_date"]).clip(lower=date))
        both = pd.concat([later[_SCHEDULE_COLUMNS], todo[_SCHEDULE_COLUMNS]],
                         ignore_index=True)
        return both.sort_values("game_date", kind="stable").reset_index(drop=True), "stored"
    if len(later):
        return later[_SCHEDULE_COLUMNS].reset_index(drop=True), "stored"
    g = data.games[data.games["season"] == season]
    season_over = (g["kind"].isin(["play_in", "playoff"]).any()
                   or (games_left(known, season) == 0).all())
    if season_over:
        return pd.DataFrame(columns=_SCHEDULE_COLUMNS), "stored"
    # The store holds only games already played and no schedule: simulating "no games left"
    # would silently call the season over, so an expected schedule of the right length is
    # used instead.
    return expected_schedule(known, season, seed=seed), "expected"


def projected_ranks(conference: pd.Series, projected_win_pct: pd.Series,
                    score: pd.Series) -> pd.Series:
    """Conference rank of the projected final record (1 = best), ties by strength."""
    order = pd.DataFrame({"c": conference, "p": projected_win_pct, "s": score}).sort_values(
        ["p", "s"], ascending=False, kind="stable")
    return order.groupby("c").cumcount().add(1).reindex(conference.index).astype(int)


def labels(standings_rank: pd.Series, projected_rank: pd.Series, games: pd.Series,
           section: PredictSection) -> np.ndarray:
    """Sleeper / Paper Tiger / Aligned from the gap between a team's conference rank in
    today's standings and in the projected final standings (its record to date plus the
    simulated rest of the season): a Sleeper is projected to climb at least ``label_margin``
    places, a Paper Tiger to fall that many. The projection already holds the record to date,
    so the gap is what the team's strength adds to it over the games left. Unrated for all
    while the median team has played fewer than ``label_min_games`` games (standings of a few
    games are mostly tie-breaks)."""
    if games.median() < section.label_min_games:
        return np.full(len(standings_rank), "Unrated", dtype=object)
    gap = (standings_rank - projected_rank).to_numpy()
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
