"""The ``truestrength`` command line: parse, call one application function, print.

A :class:`TrueStrengthError` (bad data, configuration, model or run) becomes a one-line
``error:`` message and exit code 1; any other exception is a bug and surfaces as one.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from truestrength.base.config import Config, load_config, with_overrides
from truestrength.base.errors import ConfigError, DataError, TrueStrengthError
from truestrength.data.store import DB_ENV_VAR, default_db_path
from truestrength.report.terminal import (
    demo_tables,
    metric_tables,
    prediction_table,
    store_table,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="TrueStrength: rank NBA teams by true strength from their rosters.",
)
# Wide enough for the tables when output goes to a file or CI log rather than a terminal.
console = Console(width=None if sys.stdout.isatty() else 160)

DbOption = typer.Option(
    None, "--db", help=f"DuckDB store (default: ${DB_ENV_VAR} or data/truestrength.duckdb)."
)
ConfigOption = typer.Option(None, "--config", "-c", help="YAML configuration file.")

F = TypeVar("F", bound=Callable)


def _command(fn: F) -> F:
    """Register a command whose project errors print as one line (exit 1)."""

    @wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TrueStrengthError as exc:
            console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None

    # The command list shows the docstring's first paragraph; its source line breaks would
    # show as broken wraps there, so it is given as one line that rich wraps to the width.
    doc = (fn.__doc__ or "").strip().split("\n\n")[0]
    return app.command(short_help=" ".join(doc.split()))(run)  # type: ignore[return-value]


# --db / --config given before the subcommand (the callback below); merged with the ones
# given after it by _db / _config_path. Reset on every invocation.
_global: dict[str, Path | None] = {"db": None, "config": None}


def _version(value: bool) -> None:
    if value:
        from truestrength.base.manifest import code_version

        console.print(f"truestrength {code_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    db: Path | None = typer.Option(
        None, "--db", help=f"DuckDB store (default: ${DB_ENV_VAR} or data/truestrength.duckdb); "
        "before or after the command."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML configuration file; before or after the command."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version (with the git commit) and exit."),
) -> None:
    """TrueStrength: rank NBA teams by true strength from their rosters."""
    _global.update(db=db, config=config)


def _merged(name: str, after: Path | None) -> Path | None:
    before = _global.get(name)
    if before is not None and after is not None and before.resolve() != after.resolve():
        raise ConfigError(f"--{name} given twice with different values: {before} (before the "
                          f"command) and {after} (after it); give it once")
    return after if after is not None else before


def _db(db: Path | None) -> Path:
    got = _merged("db", db)
    return got if got is not None else default_db_path()


def _config_path(path: Path | None) -> Path | None:
    return _merged("config", path)


def _config(path: Path | None) -> Config:
    return load_config(_config_path(path))


def _lines():
    """Where a long step reports progress when the output is not a terminal (a log, a
    file): plain lines, since a progress bar shows nothing there. None in a terminal."""
    if console.is_terminal:
        return None
    return lambda line: console.print(line, highlight=False, soft_wrap=True)


def _table(title: str, columns: list[str], rows: list[list[str]], **kw) -> Table:
    t = Table(title=title, **kw)
    for col in columns:
        t.add_column(col)
    for r in rows:
        t.add_row(*r)
    return t


@_command
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories (.csv, .csv.gz)."),
    db: Path | None = DbOption,
    allow_new_teams: bool = typer.Option(
        False, "--allow-new-teams",
        help="Let a teams file add teams to a season the store already holds (refused "
             "otherwise: another league's teams.csv must not join this one)."),
) -> None:
    """Import NBA.com player game logs, games files or teams files into the store.

    All files are validated before anything is written; any error leaves the store as it was,
    and every problem of a file is listed (up to a limit). Ingesting the same files again
    changes nothing.
    """
    from truestrength.app import store as jobs

    try:
        with console.status("validating and ingesting..."):
            report = jobs.ingest(paths, _db(db), allow_new_teams=allow_new_teams)
    except DataError as exc:
        raise DataError(f"{exc}\nNothing was written to {_db(db)}.") from exc
    console.print(_table(f"ingested into {_db(db)}",
                         ["file", "format", "rows", "seasons", "new rows"],
                         [[str(f.path), f.format.value, str(f.rows), ", ".join(f.seasons),
                           str(f.added) if f.format.value != "teams" else "-"]
                          for f in report.files]))
    console.print(
        f"games added: {report.games_added} (upgraded from player logs: "
        f"{report.games_upgraded}); player rows added: {report.player_rows_added}; "
        f"team seasons declared: {report.team_seasons_added}"
        + (f"; schedule rows written: {report.schedule.schedule_rows}; roster rows written: "
           f"{report.schedule.roster_rows}"
           if report.schedule.schedule_rows or report.schedule.roster_rows else "")
        + ("" if report.changed else "  — nothing new: the store already held all of it")
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False)


@_command
def drop(
    season: str = typer.Option(..., "--season", help="Season to remove, e.g. 2023-24."),
    db: Path | None = DbOption,
) -> None:
    """Remove one season from the store in one transaction (all or nothing), e.g. to undo a
    wrong ingest: its rows in every table, players left with no rows, teams rebuilt."""
    from truestrength.app import store as jobs

    got = jobs.drop_season(_db(db), season)
    console.print(_table(f"dropped {got.season} from {_db(db)}", ["table", "rows removed"],
                         [[t, str(n)] for t, n in got.removed.items()]))
    console.print(f"{got.total} rows removed")


@_command
def info(db: Path | None = DbOption) -> None:
    """What the store holds: seasons, games by kind, players, dates."""
    from truestrength.app import store as jobs

    got = jobs.info(_db(db))
    console.print(store_table(f"{got.path}  (data hash {got.data_hash})", got.seasons,
                              console.width))
    c = got.counts
    console.print(f"teams: {c['teams']}, players: {c['players']}, games: {c['games']}, "
                  f"player rows: {c['player_game_logs']}, playoff series: "
                  f"{c['playoff_series']}")


@_command
def standings(
    season: str | None = typer.Option(None, help="Season (default: the latest in the store)."),
    db: Path | None = DbOption,
) -> None:
    """Final (or current) regular-season standings by conference."""
    from truestrength.app import store as jobs

    got = jobs.season_standings(_db(db), season)
    for conf, name in (("E", "East"), ("W", "West")):
        sub = got.table[got.table["conference"] == conf]
        console.print(_table(f"{got.season} {name}", ["#", "team", "W", "L", "win%", "margin"],
                             [[str(r.conference_rank), r.abbreviation, str(r.wins),
                               str(r.losses), f"{r.win_pct:.3f}",
                               f"{r.point_diff_per_game:+.1f}"] for r in sub.itertuples()]))


@_command
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic league into."),
    seasons: int | None = typer.Option(None, "--seasons", help="Seasons to simulate "
                                       "(default: the config's synth.n_seasons, 3)."),
    seed: int | None = typer.Option(None, "--seed", help="Default: synth.seed (0)."),
    first_season: int | None = typer.Option(None, "--first-season", help="Start year of "
                                            "season 1 (default: synth.first_season, 2015)."),
    config: Path | None = ConfigOption,
) -> None:
    """Write a synthetic league (known true strengths) in the real data's file formats."""
    from truestrength.app import store as jobs

    cfg = with_overrides(_config(config), "synth", n_seasons=seasons, seed=seed,
                         first_season=first_season)
    with console.status(f"simulating {cfg.synth.n_seasons} season(s)..."):
        got = jobs.synth(out_dir, cfg)
    s = got.summary
    console.print(f"wrote {s.n_games} games and {s.n_player_rows} player rows "
                  f"for {', '.join(s.seasons)} to {out_dir} (truth in {out_dir}/truth)")
    console.print("ingest with: truestrength ingest " + " ".join(map(str, got.ingest_paths)))


@_command
def fetch(
    seasons: str = typer.Option(..., "--seasons", help="e.g. 2015-16..2024-25 or 2023-24"),
    raw_dir: Path = typer.Option(Path("data/raw"), "--raw-dir", help="Where raw files go."),
    db: Path | None = DbOption,
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
    config: Path | None = ConfigOption,
) -> None:
    """Download game logs with nba_api (rate-limited, retried, resumable), then ingest them."""
    from truestrength.app import store as jobs
    from truestrength.base.seasons import parse_seasons

    got = jobs.fetch(parse_seasons(seasons), raw_dir, _db(db), _config(config),
                     ingest_files_too=not no_ingest)
    r = got.result
    console.print(f"downloaded {len(r.downloaded)} response(s), {len(r.skipped)} already "
                  f"present; files: {len(r.files)}")
    if got.report is not None:
        console.print(f"ingested: {got.report.games_added} games, "
                      f"{got.report.player_rows_added} player rows")


@_command
def backtest(
    seasons: str | None = typer.Option(
        None, "--seasons", help="Test seasons, e.g. 2021-22..2023-24 (default: last three)."),
    predictors: str | None = typer.Option(
        None, "--predictors", help="Comma list (default: config's; baselines: win_pct, "
        "point_diff, srs, elo, elo_calibrated, prev_rank, rapm; models: model_a, model_b, "
        "model_ab)."),
    out: Path = typer.Option(Path("runs/backtest"), "--out", help="Folder for the report."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Walk-forward backtest: fit on seasons before each test season, score on it."""
    from truestrength.app.evaluate import run_backtest
    from truestrength.app.store import load_data

    result, js, md = run_backtest(load_data(_db(db)), _config(config), seasons, predictors, out,
                                  progress=console.is_terminal, on_step=_lines())
    for table in metric_tables(f"backtest {', '.join(result.meta.test_seasons)}: mean over "
                               f"test seasons ({result.meta.seconds} s)", result.table().T,
                               console.width):
        console.print(table)
    console.print(f"wrote {js} and {md}")


@_command
def verify(
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
    synthetic_only: bool = typer.Option(False, "--synthetic-only",
                                        help="Skip the check on the store's real data."),
) -> None:
    """Check that Model A learns: on the synthetic league (known answer), then on one real
    season from the store. Prints PASS or FAIL with the figures; exits 1 on any FAIL."""
    from truestrength.app.evaluate import verify as run_verify
    from truestrength.models.model_a.diagnostics import NotLearningError

    store_path = None if synthetic_only else _db(db)
    cfg = _config(config)
    try:
        with console.status("training Model A briefly on the synthetic league and the store..."):
            checks = run_verify(store_path, cfg)
    except NotLearningError as exc:
        console.print(f"FAIL  Model A is not learning.\n{exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    for c in checks:
        console.print(c.render(), highlight=False)
    if store_path is not None and len(checks) == 1:
        hold = cfg.verify.real_holdout_season
        console.print(f"(no real check: {store_path} does not hold {hold}, the season held "
                      "out (verify.real_holdout_season), and a season before it with player "
                      "rows; run `truestrength ingest ../shared/data/nba` first)")
    if not all(c.passed for c in checks):
        raise typer.Exit(code=1)


@_command
def tune(
    storage: str | None = typer.Option(
        None, "--storage", help="Optuna storage URL (default: tune.storage, "
        "sqlite:///runs/tune/optuna.db); postgresql://user:pw@host/db to share a study "
        "between processes and machines."),
    study: str | None = typer.Option(None, "--study", help="Study name (default: "
                                     "tune.study_name). Same storage + study = one study."),
    trials: int | None = typer.Option(None, "--trials", help="Trials run by this process "
                                      "(default: tune.n_trials)."),
    before: str | None = typer.Option(None, "--before", help="First test season: validation "
                                      "seasons are all before it (default: tune.before_season,"
                                      " 2019-20)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for tune.json and tune.md "
                                    "(default: tune.out_dir)."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Search the models' settings (Optuna TPE) on validation seasons before the test season;
    prints the best settings as YAML to paste into a configuration file."""
    import shlex

    from truestrength.app.store import load_data
    from truestrength.app.tune import hide_password, plan_tune, run_tune

    cfg = with_overrides(_config(config), "tune", storage=storage, study_name=study,
                         n_trials=trials, before_season=before,
                         out_dir=None if out is None else str(out))
    data = load_data(_db(db))
    # The command is recorded in tune.json / tune.md: never with the storage's password.
    url = cfg.tune.storage
    argv = [a.replace(url, hide_password(url)) for a in sys.argv[1:]]
    spec = plan_tune(data, cfg, command=shlex.join(["truestrength", *argv]))
    console.print(f"tune: study {cfg.tune.study_name}, {cfg.tune.n_trials} trial(s) here; "
                  f"validation {', '.join(spec.validation)} (test seasons from "
                  f"{cfg.tune.before_season} never scored)", highlight=False)

    def line(t) -> None:
        what = f"{t.value:.5f}" if t.value is not None else (t.error or t.state)
        console.print(f"trial {t.number} {t.state.lower()}: {what}  {t.params}",
                      highlight=False, soft_wrap=True)

    got = run_tune(data, spec, on_trial=line)
    console.print(f"{got.n_complete} complete of {len(got.trials)} trial(s) in the study; "
                  f"best: trial {got.best.number}, {got.best.value:.5f}", highlight=False)
    console.print(got.best_yaml(), highlight=False, markup=False)
    if got.best_vs_first is not None:
        console.print(got.best_vs_first.line(), highlight=False)
    console.print(f"wrote {got.json_path} and {got.md_path}")


@_command
def train(
    up_to: str | None = typer.Option(None, "--up-to", help="Last season to train on "
                                     "(default: the latest in the store)."),
    out: Path = typer.Option(Path("runs"), "--out", help="Runs folder."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Fit Model A, Model B and their blend with Elo on game results; writes
    runs/<run_id>/ (checkpoints, blend weights, train_history.json, run_manifest.json)."""
    from truestrength.app.runs import train as train_run
    from truestrength.app.store import load_data

    data = load_data(_db(db))
    # Stage and epoch lines always; a transient bar only in a terminal.
    got = train_run(data, _config(config), up_to, out, console=console,
                    progress=console.is_terminal)
    fa = got.ensemble.model_a.fitted_
    console.print(f"Model A: {len(fa.history.final_run)} epochs on {len(fa.train_seasons)} "
                  f"seasons (hold-out {fa.history.holdout_season}); Model B objective "
                  f"{got.ensemble.model_b.selection.chosen}")
    console.print(f"A+B {got.ensemble.describe()}", highlight=False,
                  soft_wrap=True)  # one line per blend, for a log reader to grep
    console.print(f"run written to {got.run_dir}")


@_command
def predict(
    date: str = typer.Option(..., "--date", metavar="YYYY-MM-DD",
                             help="Predict from games strictly before this date, written "
                             "YYYY-MM-DD (e.g. 2023-01-15)."),
    run: Path | None = typer.Option(None, "--run", help="Trained run (default: latest)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Runs folder."),
    injuries: Path | None = typer.Option(
        None, "--injuries", help="CSV with columns player, team, status and optionally "
        "return_date: who is out (status out, doubtful, questionable or probable) and "
        "until when (YYYY-MM-DD)."),
    top: int | None = typer.Option(None, "--top", min=1, help="Show the first N teams by "
                                   "strength (the files hold all)."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds "
                               "another prediction (other run, store, configuration or "
                               "injuries file)."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Ranks, strengths, playoff and title odds, labels and driving players at a date."""
    from truestrength.app.runs import predict as predict_run
    from truestrength.app.runs import resolve_run
    from truestrength.app.store import load_data
    from truestrength.base.seasons import parse_date

    # The cheap checks before the store is read: a typo fails at once, not after loading.
    when = parse_date(date, "--date")
    run_dir = resolve_run(run, runs)
    # no --config: predict under the configuration the run was trained with
    config = _config_path(config)
    cfg = _config(config) if config is not None else None
    got = predict_run(load_data(_db(db)), cfg, run_dir, when, runs, injuries=injuries,
                      force=force)
    preds = got.predictions
    for warning in got.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if preds.meta.schedule == "expected":
        console.print(f"[yellow]note:[/] the store has no schedule of {preds.season} after "
                      f"{preds.date:%Y-%m-%d}; odds use an expected schedule of "
                      f"{preds.meta.games_remaining} games (each team's count, the NBA's "
                      "conference structure, not the real opponents or dates); `truestrength "
                      "fetch` or a schedule file gives the real one")
    if preds.meta.postseason_play_in != "7-10":
        console.print(f"note: {preds.season}'s postseason is simulated with its own format: "
                      + ("no play-in" if preds.meta.postseason_play_in == "none" else
                         "an 8-vs-9 play-in when the 9th seed is within 4 games"),
                      markup=False)
    if got.in_sample:
        console.print(f"[yellow]note:[/] {preds.season} is one of the run's training seasons; "
                      "these are in-sample predictions, not forecasts")
    console.print(prediction_table(preds, console.width, top))
    console.print(availability_summary(preds), highlight=False)
    console.print(f"wrote {', '.join(f.name for f in got.files)} and run_manifest.json "
                  f"to {got.out_dir}")


@_command
def whatif(
    date: str = typer.Option(..., "--date", metavar="YYYY-MM-DD",
                             help="Predict from games strictly before this date, written "
                             "YYYY-MM-DD."),
    without: list[str] = typer.Option(
        [], "--without", metavar="NAME", help="Out for the rest of the season and the "
        "playoffs (repeatable). NAME: as in the store, any case or accents, or a player id."),
    trade: list[str] = typer.Option(
        [], "--trade", metavar="NAME:TEAM", help="Moved to TEAM (abbreviation) from the date; "
        "an injury stays (repeatable)."),
    with_: list[str] = typer.Option(
        [], "--with", metavar="NAME[:TEAM]", help="Plays: a player treated as out comes back "
        "(NAME), or joins TEAM and plays (NAME:TEAM) (repeatable)."),
    run: Path | None = typer.Option(None, "--run", help="Trained run (default: latest)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Runs folder."),
    injuries: Path | None = typer.Option(
        None, "--injuries", help="Injuries file (as for predict), used before and after."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds "
                               "another what-if."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """What if a player is out, traded or plays: strength, rank, projected record and
    playoff / finals / title odds of the teams involved, before and after, from the same
    simulation (identical random streams)."""
    from truestrength.app.runs import resolve_run
    from truestrength.app.store import load_data
    from truestrength.app.whatif import requests_from_options
    from truestrength.app.whatif import whatif as run_whatif
    from truestrength.base.seasons import parse_date
    from truestrength.report.terminal import whatif_table

    when = parse_date(date, "--date")
    requests = requests_from_options(without, trade, with_)
    run_dir = resolve_run(run, runs)
    config = _config_path(config)
    cfg = _config(config) if config is not None else None
    got = run_whatif(load_data(_db(db)), cfg, run_dir, when, runs, requests,
                     injuries=injuries, force=force)
    w = got.whatif
    for warning in got.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(f"what if, {w.season} at {w.date:%Y-%m-%d}:", highlight=False)
    for c in w.changes:
        console.print(f"  {c.describe()}", highlight=False)
    console.print(whatif_table(f"teams involved ({w.after.meta.n_sims:,} simulations, the "
                               "same random streams before and after)", w.involved,
                               console.width))
    before, after = w.others_title()
    console.print(f"the other {int((~w.table['involved']).sum())} teams' title odds: "
                  f"{before:.1%} → {after:.1%} ({100 * (after - before):+.1f} points)",
                  highlight=False)
    console.print(f"wrote {', '.join(f.name for f in got.files[:2])}, before/, after/ and "
                  f"run_manifest.json to {got.out_dir}", highlight=False, soft_wrap=True)


@_command
def report(
    predictions: Path = typer.Option(..., "--predictions", help="A prediction folder (what "
                                     "`predict` wrote: predictions.json, rosters.csv, ...)."),
    backtest: Path | None = typer.Option(None, "--backtest", help="A backtest folder: its "
                                         "backtest.json gives the 'how good' card."),
    whatif_dir: Path | None = typer.Option(None, "--whatif", help="A what-if folder (what "
                                           "`whatif` wrote): adds a what-if section."),
    out: Path | None = typer.Option(None, "--out", help="HTML file (default: "
                                    "report.file_name, report.html, in the prediction folder)."),
    config: Path | None = ConfigOption,
) -> None:
    """One self-contained HTML page of a prediction (opens offline): league table, odds,
    change since the previous prediction, rosters, who is out, drivers, plots."""
    from truestrength.app.report import write_report

    got = write_report(predictions, backtest, out, _config(config), whatif_dir)
    console.print(f"wrote {got.path} ({len(got.page.teams)} teams"
                  + (f"; what-if from {whatif_dir}" if whatif_dir else "")
                  + (f"; change since {got.page.previous}" if got.page.previous else "")
                  + ("; model card from " + got.page.card.source if got.page.card else "")
                  + ")", highlight=False, soft_wrap=True)


def availability_summary(preds) -> str:
    """One line: how many players were out and why, moved, and back before the season ends."""
    out = [a for a in preds.absences if a.treated_out and a.out_on(preds.date)]
    # an inferred absence's reason names its own count of games: one clause for them all
    counts = [re.match(r"missed last (\d+) ", a.reason) for a in out]
    missed = [int(m.group(1)) for m in counts if m]
    reasons = Counter(a.reason for a, m in zip(out, counts, strict=True) if not m)
    clauses = [f"{n} {r}" for r, n in sorted(reasons.items())]
    if missed:
        lo, hi = min(missed), max(missed)
        clauses.append(f"{len(missed)} absent from their team's last "
                       f"{lo if lo == hi else f'{lo}-{hi}'} game{'s' if hi > 1 else ''}")
    why = ", ".join(clauses)
    back = sum(a.return_date is not None for a in out)
    text = f"availability: {len(out)} out" + (f" ({why})" if why else "")
    text += f", {preds.meta.players_moved} moved by rosters"
    if back:
        text += (f", {back} with a return date ({preds.meta.availability_phases} strengths "
                 "simulated)")
    return text + "; see absences.csv"


@_command
def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Folder for the demo's files."),
    seasons: int | None = typer.Option(None, "--seasons", help="Synthetic seasons "
                                       "(default: the config's demo.n_seasons, 4)."),
    seed: int | None = typer.Option(None, "--seed", help="Default: synth.seed (0)."),
    config: Path | None = ConfigOption,
) -> None:
    """The whole pipeline, offline, on the built-in synthetic league: simulate, ingest,
    train A+B+stacker on all seasons but the last, predict the last season from its 41-game
    mark, and backtest every predictor on that season."""
    from truestrength.app.demo import TRUTH_NOTE, TRUTH_ROW
    from truestrength.app.demo import demo as run_demo

    cfg = with_overrides(_config(config), "demo", n_seasons=seasons)
    cfg = with_overrides(cfg, "synth", n_seasons=cfg.demo.n_seasons, seed=seed)
    got = run_demo(out, cfg, on_step=lambda line: console.print(line, highlight=False),
                   console=console, progress=console.is_terminal)
    for table in demo_tables(got.predicted.predictions, got.metrics(cfg.demo.metrics),
                             console.width, cfg.demo.top, {TRUTH_ROW: TRUTH_NOTE}):
        console.print(table)
    console.print(f"done in {got.seconds:.0f} s. Outputs in {out.resolve()}: predictions and "
                  f"plots {got.predicted.out_dir}, backtest {got.backtest_dir}, store "
                  f"{got.db_path}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
