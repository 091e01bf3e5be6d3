"""Walk-forward backtest: one call that fits every predictor on the past and scores it on S.

For each test season S:
1. each predictor is fitted on ``data.restrict_seasons(seasons before S)`` — S is not in
   the object it receives, so nothing of S can leak into fitting or tuning;
2. at each as-of point of S it predicts from ``data.before(point)`` (games strictly before);
3. it is scored: Spearman and Kendall tau with rest-of-season win% at the in-season points
   (g10, g20, g41, g61), the playoff-finish rank at the end of the regular season (Spearman
   over all teams and over the 16 playoff teams, rank MAE, NDCG@4 with linear gain, the
   champion's predicted rank), and game log loss and Brier over every game of S, each game
   predicted from the games before its date.
Targets are computed here from the full season, never handed to a predictor.

With ``playoff_rotation`` enabled, the end-of-season point (its ranking and its playoff
simulation) of every predictor that reads rosters (its ``predict`` takes ``availability``:
Model A, A+B) is scored by each team's playoff rotation (``features.playoff_rotation``),
as ``predict`` scores the postseason. The backtest knows no injuries: nobody is out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rich.progress import Progress

from truestrength.base.availability import Availability
from truestrength.base.config import BacktestSection, PlayoffRotationSection, SimulationSection
from truestrength.base.errors import DataError, ModelError
from truestrength.base.game_model import b2b_of
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.base.manifest import code_version
from truestrength.base.memo import reusing_fits
from truestrength.base.predictor import Predictor, predict_dates
from truestrength.base.seasons import POSTSEASON_KINDS
from truestrength.base.targets import (
    as_of_points,
    playoff_finish_rank,
    playoff_finish_tier,
    rest_of_season_win_pct,
)
from truestrength.base.walkforward import walk_forward
from truestrength.evaluation import metrics as m
from truestrength.inference.simulate import SeasonState, simulate_season

PredictorFactory = Callable[[], Predictor]

IN_SEASON_METRICS = ("ros_spearman", "ros_kendall")
# postseason_log_loss: the season's play-in and playoff games, each forecast the day after
# the regular season (the probabilities the title odds are simulated with): a few dozen
# games a season, where the title log loss has one outcome. game_log_loss scores the same
# games otherwise: each by the plain prediction of its own date, results so far known.
# po_spearman16_tier: as po_spearman16, against the round each team went out in (teams out
# in the same round tie), where po_spearman16's finish orders them by regular-season win%,
# which favours win% itself. po_spearman16_odds: as po_spearman16, ranking the teams by the
# rounds they are expected to reach in the predictor's own simulation, which plays the
# bracket: the seeds and home court that the record earned, not the strength alone.
END_METRICS = ("po_spearman", "po_spearman16", "po_spearman16_tier", "po_spearman16_odds",
               "po_rank_mae", "po_ndcg4", "champion_rank", "title_log_loss", "title_brier",
               "postseason_log_loss")
# game_log_loss / game_brier: every test game (play-in and playoffs included);
# regular_log_loss: the regular-season games only, the figure public forecasts report.
GAME_METRICS = ("game_log_loss", "regular_log_loss", "game_brier")
LOWER_IS_BETTER = {"po_rank_mae", "champion_rank", "game_log_loss", "game_brier",
                   "title_log_loss", "title_brier", "postseason_log_loss"}
# A uniform guess over 30 teams, for the title odds: ln 30 and (29/30)^2 + 29/900.
UNIFORM_TITLE_LOG_LOSS = float(np.log(30))
UNIFORM_TITLE_BRIER = float((29 / 30) ** 2 + 29 / 900)


@dataclass(frozen=True)
class BacktestMeta:
    """What a backtest ran on and how, so its numbers can be reproduced."""

    test_seasons: list[str]
    predictors: list[str]
    seasons_in_data: list[str]
    data_hash: str
    code_version: str
    settings: BacktestSection
    simulation: SimulationSection
    seconds: float
    as_of_points: dict[str, dict[str, str]]  # season -> point label -> date
    # Wall seconds per predictor (fits and scoring), summed over the test seasons: where a
    # backtest's time goes.
    seconds_by_predictor: dict[str, float] = field(default_factory=dict)
    uniform_title_log_loss: float = UNIFORM_TITLE_LOG_LOSS
    uniform_title_brier: float = UNIFORM_TITLE_BRIER
    # The end-of-season point's playoff rotation (None or disabled: the recent rotation).
    playoff_rotation: PlayoffRotationSection | None = None
    # predictor -> season -> what its fit says of itself (``describe()``, where it has one):
    # a blend's weights, and whether it fell back to one input, are part of what was tested.
    fits: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["settings"] = self.settings.model_dump(mode="json")
        d["simulation"] = self.simulation.model_dump(mode="json")
        d["playoff_rotation"] = (None if self.playoff_rotation is None
                                 else self.playoff_rotation.model_dump(mode="json"))
        return d


@dataclass
class BacktestResult:
    """``scores``: one row per (season, predictor, point, metric) with a bootstrap CI over
    teams where one is defined. ``games``: every test game's predicted P(home wins)."""

    scores: pd.DataFrame
    games: pd.DataFrame
    meta: BacktestMeta
    # per (season, predictor, point, team): the predicted score and the true rank it faced
    team_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    # per (season, predictor, team): simulated finals and title odds at the end of the regular
    # season, and whether the team reached the finals / won the title
    odds: pd.DataFrame = field(default_factory=pd.DataFrame)

    def paired(self, reference: str, points: tuple[str, ...] = ("g20", "g41")) -> pd.DataFrame:
        """Paired bootstrap over teams of Spearman(predictor) - Spearman(reference) with
        rest-of-season win%, per season and point: the same resampled teams for both."""
        ts = self.team_scores
        if ts.empty or reference not in set(ts["predictor"]):
            return pd.DataFrame()
        rows = []
        for (season, point), g in ts[ts["point"].isin(points)].groupby(["season", "point"]):
            ref = g[g["predictor"] == reference].set_index("team_id")
            for name, h in g[g["predictor"] != reference].groupby("predictor", sort=False):
                h = h.set_index("team_id").reindex(ref.index)
                d = m.paired_bootstrap_diff(m.spearman, h["score"].to_numpy(float),
                                            ref["score"].to_numpy(float),
                                            ref["true_rank"].to_numpy(float),
                                            n_boot=self.meta.settings.n_boot_paired,
                                            seed=self.meta.settings.seed)
                rows.append({"season": season, "point": point, "predictor": name,
                             "reference": reference, "diff": d.point, "low": d.low,
                             "high": d.high, "share_not_better": d.share_a_le_b})
        return pd.DataFrame(rows)

    def paired_games(self, reference: str) -> pd.DataFrame:
        """Paired bootstrap over regular-season games of log loss(predictor) - log
        loss(reference), per season and pooled over the test seasons ("all"): the same
        resampled games for both, so a negative difference means the predictor is better."""
        g = self.games
        if g.empty or reference not in set(g["predictor"]):
            return pd.DataFrame()
        g = g[g["kind"] == "regular"]
        wide = g.pivot_table(index=["season", "game_id"], columns="predictor",
                             values="p_home", aggfunc="first")
        won = g.drop_duplicates(["season", "game_id"]).set_index(
            ["season", "game_id"])["home_won"].reindex(wide.index).to_numpy(float)
        groups = [(season, wide.index.get_level_values(0) == season)
                  for season in sorted(set(wide.index.get_level_values(0)))]
        if len(groups) > 1:
            groups.append(("all", np.ones(len(wide), dtype=bool)))
        rows = []
        for season, rows_in in groups:
            ref = wide.loc[rows_in, reference].to_numpy(float)
            for name in wide.columns:
                if name == reference:
                    continue
                mine = wide.loc[rows_in, name].to_numpy(float)
                if np.isnan(mine).any() or np.isnan(ref).any():
                    continue  # a predictor without game probabilities
                d = m.paired_bootstrap_diff(m.log_loss, mine, ref, won[rows_in],
                                            n_boot=self.meta.settings.n_boot_paired,
                                            seed=self.meta.settings.seed)
                rows.append({"season": season, "predictor": name, "reference": reference,
                             "n_games": int(rows_in.sum()), "diff": d.point, "low": d.low,
                             "high": d.high, "share_not_better": d.share_a_ge_b})
        return pd.DataFrame(rows)

    def odds_reliability(self) -> pd.DataFrame:
        """Per predictor, the reliability of its end-of-season title and finals odds pooled
        over the test seasons, in bins narrow at the low end (``ODDS_BIN_EDGES``): 30 teams a
        season, most of them given a few percent at most."""
        if self.odds.empty:
            return pd.DataFrame()
        parts = []
        for name, h in self.odds.groupby("predictor", sort=False):
            for outcome, p, y in (("title", "p_title", "won_title"),
                                  ("finals", "p_finals", "made_finals")):
                parts.append(m.reliability_table(h[p].to_numpy(float), h[y].to_numpy(float),
                                                 edges=ODDS_BIN_EDGES)
                             .assign(predictor=name, outcome=outcome))
        return pd.concat(parts, ignore_index=True)[
            ["predictor", "outcome", "bin_low", "bin_high", "n", "predicted", "observed", "se"]]

    def reliability(self, n_bins: int = 10) -> pd.DataFrame:
        """Per predictor, the reliability table of its regular-season game probabilities
        pooled over the test seasons (metrics.reliability_table)."""
        g = self.games
        if g.empty:
            return pd.DataFrame()
        g = g[g["kind"] == "regular"]
        parts = [m.reliability_table(h["p_home"].to_numpy(float), h["home_won"].to_numpy(float),
                                     n_bins).assign(predictor=name)
                 for name, h in g.groupby("predictor", sort=False)]
        return pd.concat(parts, ignore_index=True)[
            ["predictor", "bin_low", "bin_high", "n", "predicted", "observed", "se"]]

    def summary(self) -> pd.DataFrame:
        """Mean over test seasons per (predictor, point, metric), with a CI over seasons."""
        n_boot, seed = self.meta.settings.n_boot, self.meta.settings.seed
        rows = []
        for (pred, point, metric), g in self.scores.groupby(["predictor", "point", "metric"],
                                                            sort=False):
            vals = g["value"].to_numpy(dtype=float)
            if len(vals) >= 2:
                ci = m.bootstrap_ci_over_groups(vals, n_boot=n_boot, seed=seed)
                low, high = ci.low, ci.high
            else:
                low = high = float("nan")
            rows.append({"predictor": pred, "point": point, "metric": metric,
                         "mean": float(vals.mean()), "low": low, "high": high,
                         "n_seasons": len(vals)})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Predictor × headline column (mean over seasons), the shape BENCHMARKS.md shows."""
        s = self.summary()
        s["column"] = np.where(s["point"].isin(["all", "end"]), s["metric"],
                               s["metric"] + "@" + s["point"])
        t = s.pivot(index="predictor", columns="column", values="mean")
        order = [c for c in headline_columns() if c in t.columns]
        return t[order].reindex(self.meta.predictors)

    def write(self, out_dir: Path, reference: str | None = None) -> tuple[Path, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        paired = self.paired(reference) if reference else pd.DataFrame()
        paired_games = self.paired_games(reference) if reference else pd.DataFrame()
        js = write_json(out_dir / "backtest.json", {
            "meta": self.meta.to_dict(),
            "summary": summary.to_dict("records"),
            "per_season": self.scores.to_dict("records"),
            "paired_vs_reference": paired.to_dict("records"),
            "paired_games_vs_reference": paired_games.to_dict("records"),
        })
        md = out_dir / "backtest.md"
        md.write_text(self.to_markdown(paired, paired_games))
        if not self.team_scores.empty:
            self.team_scores.to_csv(out_dir / "backtest_team_scores.csv.gz", index=False)
        self.games.to_csv(out_dir / "backtest_games.csv.gz", index=False)
        self.reliability().to_csv(out_dir / "backtest_reliability.csv", index=False)
        if not self.odds.empty:
            self.odds.to_csv(out_dir / "backtest_odds.csv.gz", index=False)
            self.odds_reliability().to_csv(out_dir / "backtest_odds_reliability.csv",
                                           index=False)
        return js, md

    def to_markdown(self, paired: pd.DataFrame | None = None,
                    paired_games: pd.DataFrame | None = None) -> str:
        t = self.table()
        lines = [
            f"# Backtest: test seasons {', '.join(self.meta.test_seasons)}",
            "",
            f"code {self.meta.code_version}, data hash {self.meta.data_hash}, "
            f"seed {self.meta.settings.seed}. Each predictor fitted only on seasons before each "
            "test season; predictions use games strictly before each as-of date.",
            "",
            f"{self.meta.seconds:.0f} s wall; by predictor (fits and scoring, all seasons): "
            + ", ".join(f"{k} {v:.0f} s" for k, v in self.meta.seconds_by_predictor.items())
            + ".",
            "",
            "Mean over test seasons (ros = rest-of-season win%, po = playoff-finish rank at "
            "the end of the regular season; lower is better for rank MAE, champion rank, log "
            "loss and Brier).",
            "",
            _md_table(t),
            "",
            "## Per season (95% bootstrap CI over teams where defined)",
            "",
        ]
        s = self.scores.copy()
        s["cell"] = [
            f"{v:.3f}" if np.isnan(lo) else f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
            for v, lo, hi in zip(s["value"], s["low"], s["high"], strict=True)
        ]
        s["column"] = np.where(s["point"].isin(["all", "end"]), s["metric"],
                               s["metric"] + "@" + s["point"])
        for season, g in s.groupby("season"):
            p = g.pivot(index="predictor", columns="column", values="cell")
            cols = [c for c in headline_columns() if c in p.columns]
            lines += [f"### {season}", "", _md_table(p[cols]), ""]
        if paired is not None and not paired.empty:
            ref = paired["reference"].iloc[0]
            lines += [f"## Paired bootstrap vs {ref} (rest-of-season Spearman, same teams "
                      "resampled for both; share = resamples where the predictor is not "
                      "better)", "",
                      "| season | point | predictor | diff | 95% CI | share |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {r.season} | {r.point} | {r.predictor} | {r.diff:+.3f} | "
                      f"[{r.low:+.3f}, {r.high:+.3f}] | {r.share_not_better:.2f} |"
                      for r in paired.itertuples()]
        if paired_games is not None and not paired_games.empty:
            ref = paired_games["reference"].iloc[0]
            lines += ["", f"## Paired bootstrap vs {ref} (regular-season game log loss, same "
                      "games resampled for both; negative = better; share = resamples where "
                      "the predictor is not better)", "",
                      "| season | predictor | games | diff | 95% CI | share |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {r.season} | {r.predictor} | {r.n_games} | {r.diff:+.4f} | "
                      f"[{r.low:+.4f}, {r.high:+.4f}] | {r.share_not_better:.2f} |"
                      for r in paired_games.itertuples()]
        for name, by_season in self.meta.fits.items():
            lines += ["", f"## {name} as fitted for each test season", ""]
            for season, text in by_season.items():
                lines += [f"- {season}:", "", *(f"      {t}" for t in text.splitlines()), ""]
        rel = self.reliability()
        if not rel.empty:
            lines += ["", "## Reliability of regular-season game probabilities (pooled over the "
                      "test seasons; observed ± 2 se should cover predicted)", "",
                      _reliability_md(rel, "P(home)", "{:.1f}")]
        odds = self.odds_reliability()
        for outcome in ("title", "finals") if not odds.empty else ():
            lines += ["", f"## Reliability of {outcome} odds at the end of the regular season "
                      "(pooled over the test seasons, 30 teams each)", "",
                      _reliability_md(odds[odds["outcome"] == outcome], f"P({outcome})",
                                      "{:.2f}")]
        return "\n".join(lines)


def headline_columns() -> list[str]:
    cols = [f"ros_spearman@g{n}" for n in (10, 20, 41, 61)]
    cols += [f"ros_kendall@g{n}" for n in (20, 41)]
    return cols + list(END_METRICS) + list(GAME_METRICS)


def _md_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join([df.index.name or "", *df.columns]) + " |"
    sep = "|" + "---|" * (len(df.columns) + 1)
    body = []
    for idx, row in df.iterrows():
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.to_numpy()]
        body.append("| " + " | ".join([str(idx), *cells]) + " |")
    return "\n".join([head, sep, *body])


def default_test_seasons(data: LeagueData, n: int = 3) -> list[str]:
    """The last ``n`` complete seasons (all 15 playoff series decided) after the first."""
    series = data.playoff_series
    done = series.groupby("season")["winner_id"].agg(lambda w: len(w) == 15 and w.notna().all())
    complete = [s for s in data.seasons[1:] if done.get(s, False)]
    if not complete:
        raise DataError("no complete season (regular season and playoffs) after the first "
                         f"in the data ({', '.join(data.seasons) or 'empty'}): nothing to "
                         "backtest on")
    return complete[-n:]


def backtest(
    data: LeagueData,
    predictors: dict[str, PredictorFactory],
    settings: BacktestSection | None = None,
    simulation: SimulationSection | None = None,
    *,
    score_games: bool = True,
    progress: bool = True,
    on_step: Callable[[str], None] | None = None,
    playoff_rotation: PlayoffRotationSection | None = None,
) -> BacktestResult:
    """Fit every predictor on the seasons before each test season, score it on that season
    (``settings.test_seasons``, or the last three complete seasons). ``progress``: a
    transient bar (for a terminal); ``on_step``: a line per (season, predictor) step, for
    output that is not a terminal, where a bar shows nothing. ``playoff_rotation``: the
    end-of-season point's rosters (module docstring)."""
    settings = settings or BacktestSection()
    simulation = simulation or SimulationSection()
    test_seasons = settings.test_seasons or default_test_seasons(data)
    unknown = [s for s in test_seasons if s not in data.seasons]
    if unknown:
        raise DataError(f"test season(s) {unknown} not in the data ({data.seasons})")
    started = time.perf_counter()
    version = code_version()  # now: the code that runs, not whatever is checked out at the end
    score_rows: list[dict] = []
    game_rows: list[pd.DataFrame] = []
    team_rows: list[pd.DataFrame] = []
    odds_rows: list[pd.DataFrame] = []
    spent = dict.fromkeys(predictors, 0.0)
    fits: dict[str, dict[str, str]] = {}
    with reusing_fits(), Progress(disable=not progress, transient=True) as bar:
        n_steps = len(test_seasons) * len(predictors)
        task = bar.add_task("backtest", total=n_steps)
        step = 0
        for fold in walk_forward(data, test_seasons):
            season, upto = fold.season, fold.upto
            points = as_of_points(upto, season)
            for name, factory in predictors.items():
                bar.update(task, description=f"{season} {name}")
                step += 1
                if on_step is not None:
                    on_step(f"backtest {step}/{n_steps}: {name} on {season}")
                t0 = time.perf_counter()
                predictor = factory().fit(fold.train)
                if callable(getattr(predictor, "describe", None)):
                    fits.setdefault(name, {})[season] = predictor.describe()
                rows, teams, odds = _score_points(predictor, name, upto, season, points, settings,
                                                  simulation, playoff_rotation)
                score_rows += rows
                team_rows += teams
                odds_rows += odds
                if score_games:
                    games, rows = _score_games(predictor, name, upto, season, settings)
                    game_rows.append(games)
                    score_rows += rows
                spent[name] += time.perf_counter() - t0
                bar.advance(task)
    scores = pd.DataFrame(score_rows)
    games = pd.concat(game_rows, ignore_index=True) if game_rows else pd.DataFrame()
    meta = BacktestMeta(
        test_seasons=list(test_seasons), predictors=list(predictors),
        seasons_in_data=data.seasons, data_hash=data.data_hash, code_version=version,
        settings=settings, simulation=simulation,
        seconds=round(time.perf_counter() - started, 2),
        as_of_points={s: {p.label: str(p.date.date()) for p in as_of_points(
            data.restrict_seasons([s]), s)} for s in test_seasons},
        playoff_rotation=playoff_rotation,
        seconds_by_predictor={k: round(v, 2) for k, v in spent.items()},
        fits=fits,
    )
    team_scores = pd.concat(team_rows, ignore_index=True) if team_rows else pd.DataFrame()
    odds = pd.concat(odds_rows, ignore_index=True) if odds_rows else pd.DataFrame()
    return BacktestResult(scores, games, meta, team_scores, odds)


def _reliability_md(rel: pd.DataFrame, what: str, fmt: str) -> str:
    """A reliability table (rows of ``metrics.reliability_table`` with a predictor column) as
    markdown: one row per bin, one column per predictor, "observed (predicted, n)"."""
    cell = [f"{o:.3f} ({p:.3f}, n={n})"
            for o, p, n in zip(rel["observed"], rel["predicted"], rel["n"], strict=True)]
    bins = [f"{fmt.format(lo)}-{fmt.format(hi)}"
            for lo, hi in zip(rel["bin_low"], rel["bin_high"], strict=True)]
    t = rel.assign(cell=cell, bin=bins).pivot(index="bin", columns="predictor",
                                              values="cell").fillna("")
    t.index.name = f"{what} bin: observed (predicted, n)"
    return _md_table(t)


# Title and finals odds: most teams get a few percent at most, so the low bins are narrow.
ODDS_BIN_EDGES = (0.0, 0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 1.0)


def _row(season, predictor, point, metric, value, ci: m.Interval | None = None) -> dict:
    return {"season": season, "predictor": predictor, "point": point, "metric": metric,
            "value": float(value), "low": float("nan") if ci is None else ci.low,
            "high": float("nan") if ci is None else ci.high}


def end_of_season_prediction(predictor, known: LeagueData, season: str, date: pd.Timestamp,
                             playoff_rotation: PlayoffRotationSection | None):
    """The prediction the end-of-season point is scored with: the predictor's postseason one
    when it has a postseason blend (``has_postseason``) or, with the playoff rotation
    enabled, reads rosters (``reads_rosters``); else its plain one."""
    rotation = playoff_rotation if playoff_rotation is not None and playoff_rotation.enabled \
        else None
    if getattr(predictor, "has_postseason", False) or (
            rotation is not None and getattr(predictor, "reads_rosters", False)):
        return predictor.predict(known, season, date, availability=Availability(
            playoff_rotation=rotation, postseason=True))
    return predictor.predict(known, season, date)


def _score_points(predictor, name, data, season, points, settings: BacktestSection,
                  simulation: SimulationSection,
                  playoff_rotation: PlayoffRotationSection | None = None):
    n_boot, seed = settings.n_boot, settings.seed
    rows, teams, odds = [], [], []
    for point in points:
        if point.label == "end":
            pred = end_of_season_prediction(predictor, data.before(point.date), season,
                                            point.date, playoff_rotation)
        else:
            pred = predictor.predict(data.before(point.date), season, point.date)
        if point.label == "end":
            truth = playoff_finish_rank(data, season)
            tier = playoff_finish_tier(data, season).reindex(truth.index).to_numpy(float)
            s = pred.scores.reindex(truth.index)
            _require_complete(s, name, season, point.label)
            scores, rank = s.to_numpy(float), truth.to_numpy(float)
            playoff = rank <= 16
            ci = m.bootstrap_ci(m.spearman, scores, rank, n_boot=n_boot, seed=seed)
            rows += [
                _row(season, name, "end", "po_spearman", ci.point, ci),
                _row(season, name, "end", "po_spearman16",
                     m.spearman(scores[playoff], rank[playoff])),
                _row(season, name, "end", "po_spearman16_tier",
                     m.spearman(scores[playoff], tier[playoff] + 1)),  # tier 0 = rank 1
                _row(season, name, "end", "po_rank_mae", m.rank_mae(scores, rank)),
                _row(season, name, "end", "po_ndcg4", m.ndcg_at_k(scores, rank, k=4)),
                _row(season, name, "end", "champion_rank",
                     m.champion_predicted_rank(scores, rank)),
            ]
            if pred.win_prob is not None:
                title_rows, team_odds = _score_title(pred, data, season, point.date, truth,
                                                     name, simulation)
                rows += title_rows
                rows.append(_row(season, name, "end", "postseason_log_loss",
                                 _postseason_log_loss(pred, data, season)))
                odds.append(team_odds)
        else:
            ros = rest_of_season_win_pct(data, season, point.date)
            s = pred.scores.reindex(ros.index)
            _require_complete(s, name, season, point.label)
            scores = s.to_numpy(float)
            rank = m.scores_to_ranks(ros.to_numpy(float))
            ci = m.bootstrap_ci(m.spearman, scores, rank, n_boot=n_boot, seed=seed)
            rows += [
                _row(season, name, point.label, "ros_spearman", ci.point, ci),
                _row(season, name, point.label, "ros_kendall", m.kendall_tau(scores, rank)),
            ]
        teams.append(pd.DataFrame({"season": season, "predictor": name, "point": point.label,
                                   "team_id": s.index.to_numpy(), "score": scores,
                                   "true_rank": rank}))
    return rows, teams, odds


def _score_title(pred, data, season, date, truth, name,
                 simulation: SimulationSection) -> tuple[list[dict], pd.DataFrame]:
    """Title odds from a playoff simulation (play-in and four rounds) with the predictor's
    own game probabilities, scored against the real champion; and each team's finals and
    title odds with what happened, for their reliability table."""
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": [], "neutral_site": []})
    state = SeasonState.from_league(data.before(date), season, date, schedule=empty)
    odds = simulate_season(state, pred.win_prob, simulation,
                           postseason_sd=pred.postseason_sd).table.set_index("team_id")
    p = odds["p_title"].reindex(truth.index).to_numpy(float)
    champ = int(np.flatnonzero(truth.to_numpy() == 1)[0])
    rounds = odds[["p_playoffs", "p_second_round", "p_conf_finals", "p_finals",
                   "p_title"]].sum(axis=1).reindex(truth.index).to_numpy(float)
    playoff = truth.to_numpy() <= 16
    # Playoff-finish rank 1 is the champion and 2 the other finalist.
    team_odds = pd.DataFrame({"season": season, "predictor": name,
                              "team_id": truth.index.to_numpy(),
                              "p_finals": odds["p_finals"].reindex(truth.index).to_numpy(float),
                              "p_title": p, "made_finals": truth.to_numpy() <= 2,
                              "won_title": truth.to_numpy() == 1})
    return ([_row(season, name, "end", "title_log_loss", m.title_log_loss(p, champ)),
             _row(season, name, "end", "title_brier", m.title_brier(p, champ)),
             _row(season, name, "end", "po_spearman16_odds",
                  m.spearman(rounds[playoff], truth.to_numpy(float)[playoff]))], team_odds)


def _postseason_log_loss(pred, data: LeagueData, season: str) -> float:
    """Mean log loss of the season's play-in and playoff games under ``pred.win_prob``."""
    g = data.games
    g = g[(g["season"] == season) & g["kind"].isin(POSTSEASON_KINDS)]
    p = pred.win_prob(g["home_team_id"].to_numpy(), g["road_team_id"].to_numpy(),
                      g["neutral_site"].to_numpy(bool), b2b_of(g))
    return m.log_loss(p, (g["home_pts"] > g["road_pts"]).to_numpy())


def _require_complete(s: pd.Series, name: str, season: str, label: str) -> None:
    if s.isna().any():
        raise ModelError(f"{name} gave no score for teams {s[s.isna()].index.tolist()} "
                         f"in {season} at {label}")


def _score_games(predictor, name, data, season,
                 settings: BacktestSection) -> tuple[pd.DataFrame, list[dict]]:
    g = data.games[data.games["season"] == season]
    parts = []
    days = dict(list(g.groupby("game_date", sort=True)))
    preds = predict_dates(predictor, data, season, [pd.Timestamp(d) for d in days])
    for day, pred in zip(days.values(), preds, strict=True):
        if pred.win_prob is None:
            return pd.DataFrame(), []
        p = pred.win_prob(day["home_team_id"].to_numpy(), day["road_team_id"].to_numpy(),
                          day["neutral_site"].to_numpy(dtype=bool), b2b_of(day))
        parts.append(pd.DataFrame({
            "season": season, "predictor": name, "game_id": day["game_id"].to_numpy(),
            "game_date": day["game_date"].to_numpy(), "kind": day["kind"].to_numpy(),
            "p_home": np.asarray(p, float),
            "home_won": (day["home_pts"] > day["road_pts"]).to_numpy(),
        }))
    games = pd.concat(parts, ignore_index=True)
    p, y = games["p_home"].to_numpy(), games["home_won"].to_numpy(float)
    ll = m.bootstrap_ci(m.log_loss, p, y, n_boot=settings.n_boot_games, seed=settings.seed)
    br = m.bootstrap_ci(m.brier, p, y, n_boot=settings.n_boot_games, seed=settings.seed)
    reg = (games["kind"] == "regular").to_numpy()
    rl = m.bootstrap_ci(m.log_loss, p[reg], y[reg], n_boot=settings.n_boot_games,
                        seed=settings.seed)
    return games, [_row(season, name, "all", "game_log_loss", ll.point, ll),
                   _row(season, name, "all", "regular_log_loss", rl.point, rl),
                   _row(season, name, "all", "game_brier", br.point, br)]
