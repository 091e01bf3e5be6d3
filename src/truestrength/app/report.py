"""`truestrength report`: one self-contained HTML page from a prediction folder.

Reads what ``predict`` wrote (predictions.json, rosters.csv, absences.csv, the PNGs), the
previous prediction of the same season when a sibling folder holds one (for the change
columns), and optionally a backtest folder's backtest.json (the "how good is this model"
card); renders them with ``report.html`` (Jinja2, one self-contained file). Nothing is
recomputed: the page shows exactly the figures of the files, so an analyst can check one
against the other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from truestrength.base.config import Config, ReportSection
from truestrength.base.errors import RunError
from truestrength.report.html import (
    AbsenceLine,
    CardRow,
    ModelCard,
    Plot,
    PredictionPage,
    RosterLine,
    TeamView,
    WhatIfRow,
    WhatIfView,
    png_data_uri,
    render_prediction,
)

# predict's plots, in the order the page shows them, with what each shows.
PLOTS = [
    ("title_odds.png", "Title odds", "Championship probability of the top teams."),
    ("conference_ranks.png", "Projected rank against standings rank",
     "Per conference: today's standings rank against the projected final rank (by simulated "
     "wins; the rank by strength in older predictions), 1 top-left. Above the diagonal the "
     "model ranks the team higher than the standings (Sleeper side), below it lower (Paper "
     "Tiger side)."),
    ("strength_vs_standings.png", "Strength against win%",
     "Strength (0-100, up = stronger) against win% to date (right = better); colour = "
     "label, marker = conference."),
]
TEAM_FIELDS = ("team_id", "team", "conference", "wins", "losses", "strength", "league_rank",
               "conference_rank", "standings_rank", "mean_wins", "p_playoffs", "p_finals",
               "p_title", "label", "rank_model_a", "rank_model_b", "attention_degenerate")


@dataclass(frozen=True)
class ReportOutcome:
    path: Path
    page: PredictionPage


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise RunError(f"{path.parent}: not a {what} folder (no {path.name})")
    try:
        got = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: cannot read it as JSON ({exc})") from exc
    if not isinstance(got, dict):
        raise RunError(f"{path}: the top level must be an object")
    return got


def _field(obj: dict, key: str, path: Path, where: str) -> object:
    if key not in obj:
        raise RunError(f"{path}, {where}: missing field {key!r}")
    return obj[key]


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame | None:
    """The CSV at ``path`` (None when absent: an older prediction), with its columns checked."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise RunError(f"{path}: cannot read it as CSV ({exc})") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RunError(f"{path}, line 1: missing column(s) {', '.join(missing)}")
    return frame


def _teams(js: dict, path: Path, fields: tuple[str, ...] = TEAM_FIELDS) -> list[dict]:
    """``js["teams"]``, each holding ``fields`` (else a RunError naming file and team)."""
    teams = _field(js, "teams", path, "top level")
    if not isinstance(teams, list) or not teams:
        raise RunError(f"{path}, field teams: no team")
    for i, t in enumerate(teams):
        for key in fields:
            _field(t, key, path, f"teams[{i}]")
    return teams


def previous_prediction(folder: Path, season: str, date: str) -> tuple[Path, dict] | None:
    """The latest prediction of ``season`` dated before ``date`` in ``folder``'s siblings
    (whatever their names: the folder naming is not this module's to rely on)."""
    best: tuple[str, str, Path, dict] | None = None
    for sib in sorted(folder.resolve().parent.iterdir()):
        js_path = sib / "predictions.json"
        if sib == folder.resolve() or not js_path.is_file():
            continue
        try:
            js = json.loads(js_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # a broken neighbour is not this report's input
        if not isinstance(js, dict) or js.get("season") != season:
            continue
        d = str(js.get("date", ""))
        if d < date and (best is None or (d, sib.name) > best[:2]):
            best = (d, sib.name, sib, js)
    return None if best is None else (best[2], best[3])


def model_card(backtest_dir: Path, section: ReportSection) -> ModelCard:
    """The card's figures from ``backtest_dir/backtest.json``: regular-season game log loss,
    rest-of-season Spearman at ``section.card_point`` and playoff-finish Spearman, each as
    mean [95% CI over seasons], for the ``card_predictors`` the backtest ran."""
    path = backtest_dir / "backtest.json"
    js = _read_json(path, "backtest")
    meta = _field(js, "meta", path, "top level")
    summary = _field(js, "summary", path, "top level")
    seasons = list(_field(meta, "test_seasons", path, "meta"))
    got: dict[tuple[str, str, str], dict] = {}
    for i, r in enumerate(summary):
        for key in ("predictor", "point", "metric", "mean"):
            _field(r, key, path, f"summary[{i}]")
        got[r["predictor"], r["point"], r["metric"]] = r

    def cell(pred: str, point: str, metric: str, digits: int = 3) -> str:
        r = got.get((pred, point, metric))
        if r is None or r["mean"] is None:
            return "—"
        lo, hi = r.get("low"), r.get("high")
        text = f"{r['mean']:.{digits}f}"
        if lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi)):
            text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
        return text

    ran = {p for p, _, _ in got}
    rows = [CardRow(p, cell(p, "all", "regular_log_loss", 4),
                    cell(p, section.card_point, "ros_spearman"),
                    cell(p, "end", "po_spearman"))
            for p in section.card_predictors if p in ran]
    if not rows:
        raise RunError(f"{path}: none of report.card_predictors "
                       f"({', '.join(section.card_predictors)}) was backtested "
                       f"(it holds {', '.join(sorted(ran))})")
    comparisons = []
    pooled = [r for r in js.get("paired_games_vs_reference", [])
              if r.get("predictor") in section.card_predictors]
    if len(seasons) > 1:  # the pooled row; one season has only its own
        pooled = [r for r in pooled if r.get("season") == "all"]
    for r in pooled:
        verdict = ("better than" if r["high"] < 0 else "worse than" if r["low"] > 0
                   else "not separable from")
        comparisons.append(
            f"{r['predictor']}: regular-season game log loss {r['diff']:+.4f} "
            f"[{r['low']:+.4f}, {r['high']:+.4f}] against {r['reference']} over "
            f"{r['n_games']} games (same games resampled): {verdict} it.")
    return ModelCard(str(backtest_dir), seasons, section.card_point, rows, comparisons)


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


WHATIF_FIELDS = ("team", "involved", "strength_before", "strength_after",
                 "league_rank_before", "league_rank_after", "mean_wins_before",
                 "mean_wins_after", "mean_losses_before", "mean_losses_after",
                 "p_playoffs_before", "p_playoffs_after", "p_finals_before", "p_finals_after",
                 "p_title_before", "p_title_after")


def whatif_view(folder: Path, section: ReportSection = ReportSection()) -> WhatIfView:
    """The what-if section from ``folder/whatif.json`` (what ``whatif`` wrote): the teams
    involved and the ``whatif_other_teams`` others whose title odds moved most."""
    path = folder / "whatif.json"
    js = _read_json(path, "what-if")
    teams = _teams(js, path, WHATIF_FIELDS)
    changes = _field(js, "changes", path, "top level")
    for i, c in enumerate(changes):
        _field(c, "description", path, f"changes[{i}]")
    meta = _field(js, "meta", path, "top level")

    def row(t: dict) -> WhatIfRow:
        return WhatIfRow(
            str(t["team"]), bool(t["involved"]),
            (float(t["strength_before"]), float(t["strength_after"])),
            (int(t["league_rank_before"]), int(t["league_rank_after"])),
            (f"{float(t['mean_wins_before']):.0f}-{float(t['mean_losses_before']):.0f}",
             f"{float(t['mean_wins_after']):.0f}-{float(t['mean_losses_after']):.0f}"),
            (float(t["p_playoffs_before"]), float(t["p_playoffs_after"])),
            (float(t["p_finals_before"]), float(t["p_finals_after"])),
            (float(t["p_title_before"]), float(t["p_title_after"])))

    rows = [row(t) for t in teams]
    others = sorted((r for r in rows if not r.involved),
                    key=lambda r: -abs(r.delta(r.p_title)))
    shown = [r for r in rows if r.involved] + others[:section.whatif_other_teams]
    total = (sum(r.p_title[0] for r in others), sum(r.p_title[1] for r in others))
    return WhatIfView(str(folder), str(_field(js, "season", path, "top level")),
                      str(_field(js, "date", path, "top level")), int(meta.get("n_sims", 0)),
                      [str(c["description"]) for c in changes], shown, total)


def prediction_page(folder: Path, backtest_dir: Path | None = None,
                    section: ReportSection = ReportSection(),
                    whatif_dir: Path | None = None) -> PredictionPage:
    """Everything the page shows, gathered from the prediction ``folder``."""
    path = folder / "predictions.json"
    js = _read_json(path, "prediction")
    season = str(_field(js, "season", path, "top level"))
    date = str(_field(js, "date", path, "top level"))
    meta = _field(js, "meta", path, "top level")
    teams = _teams(js, path)
    rosters = _read_csv(folder / "rosters.csv", ["team_id", "player", "minutes", "attention"])
    absences = _read_csv(folder / "absences.csv",
                         ["player", "team_id", "status", "treated_out", "return_date",
                          "reason"])
    prev = previous_prediction(folder, season, date)
    before = {}
    if prev is not None:
        before = {t.get("team_id"): t for t in prev[1].get("teams", [])
                  if isinstance(t, dict)}

    def change(t: dict, key: str) -> float | None:
        old = before.get(t["team_id"])
        a, b = _num(t[key]), _num(old.get(key)) if old else None
        return None if a is None or b is None else a - b

    views = []
    for t in sorted(teams, key=lambda t: t["league_rank"]):
        tid = t["team_id"]
        roster = [] if rosters is None else [
            RosterLine(str(r.player), float(r.minutes), _num(r.attention),
                       _num(getattr(r, "value", None)))
            for r in rosters[rosters["team_id"] == tid].itertuples()]
        outs = [] if absences is None else [
            AbsenceLine(str(a.player), str(a.status),
                        str(a.treated_out).strip().lower() == "true",
                        "" if pd.isna(a.return_date) else str(a.return_date),
                        "" if pd.isna(a.reason) else str(a.reason))
            for a in absences[absences["team_id"] == tid].itertuples()]
        drivers = [(str(d["player"]), float(d["weight"])) for d in t.get("drivers", [])]
        views.append(TeamView(
            team_id=int(tid), team=str(t["team"]), conference=str(t["conference"]),
            wins=int(t["wins"]), losses=int(t["losses"]), strength=float(t["strength"]),
            league_rank=int(t["league_rank"]), conference_rank=int(t["conference_rank"]),
            standings_rank=int(t["standings_rank"]), projected_wins=float(t["mean_wins"]),
            projected_losses=_num(t.get("mean_losses")),
            projected_rank=None if t.get("projected_rank") is None
            else int(t["projected_rank"]), p_playoffs=float(t["p_playoffs"]),
            p_finals=float(t["p_finals"]), p_title=float(t["p_title"]), label=str(t["label"]),
            rank_model_a=int(t["rank_model_a"]), rank_model_b=int(t["rank_model_b"]),
            attention_degenerate=bool(t["attention_degenerate"]), drivers=drivers,
            roster=roster, absences=outs, d_strength=change(t, "strength"),
            d_playoffs=change(t, "p_playoffs"), d_title=change(t, "p_title")))
    notes = []
    if meta.get("schedule") == "expected":
        notes.append(f"The store had no schedule of {season} after {date}: the odds use an "
                     f"expected schedule of {meta.get('games_remaining')} games (each team's "
                     "count and the NBA's conference structure, not the real opponents).")
    if meta.get("postseason_play_in") not in (None, "7-10"):
        notes.append(f"{season}'s postseason is simulated with its own play-in format "
                     f"({meta.get('postseason_play_in')}).")
    manifest = folder / "run_manifest.json"
    if manifest.is_file():
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunError(f"{manifest}: cannot read it as JSON ({exc})") from exc
        if season in m.get("train_seasons", []):
            notes.append(f"{season} is one of the run's training seasons: these are "
                         "in-sample predictions, not forecasts.")
    models = meta.get("stacker_models", [])
    weights = meta.get("stacker_weights", [])
    stacker = ", ".join(f"{n} {w:+.2f}" for n, w in zip(models, weights, strict=False))
    plots = [Plot(title, caption, png_data_uri(folder / name))
             for name, title, caption in PLOTS if (folder / name).is_file()]
    previous = None if prev is None else f"{prev[1].get('date')} ({prev[0].name})"
    card = None if backtest_dir is None else model_card(backtest_dir, section)
    what = None if whatif_dir is None else whatif_view(whatif_dir, section)
    return PredictionPage(season, date, str(folder), notes, stacker or "—",
                          int(meta.get("n_sims", 0)), int(meta.get("label_margin", 0)), views,
                          plots, previous, card, rosters is not None, what)


def write_report(predictions: Path, backtest_dir: Path | None, out: Path | None,
                 config: Config, whatif_dir: Path | None = None) -> ReportOutcome:
    """Render the prediction folder ``predictions`` to ``out`` (default: the folder's
    ``report.file_name``); ``whatif_dir``: a what-if folder for the what-if section."""
    if not predictions.is_dir():
        raise RunError(f"--predictions {predictions}: no such folder")
    if backtest_dir is not None and not backtest_dir.is_dir():
        raise RunError(f"--backtest {backtest_dir}: no such folder")
    if whatif_dir is not None and not whatif_dir.is_dir():
        raise RunError(f"--whatif {whatif_dir}: no such folder")
    page = prediction_page(predictions, backtest_dir, config.report, whatif_dir)
    path = out if out is not None else predictions / config.report.file_name
    if path.is_dir():
        raise RunError(f"--out {path}: a folder; give the HTML file's path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_prediction(page), encoding="utf-8")
    except OSError as exc:
        raise RunError(f"--out {path}: cannot write it ({exc})") from exc
    return ReportOutcome(path, page)
