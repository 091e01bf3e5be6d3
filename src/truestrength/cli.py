"""The ``truestrength`` command line. Each command is a thin shell over a library call."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from truestrength.config import ConfigError, load_config
from truestrength.data.errors import IngestError
from truestrength.data.store import DB_ENV_VAR, Store, default_db_path

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


def _db(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories (.csv, .csv.gz)."),
    db: Path | None = DbOption,
) -> None:
    """Import NBA.com player game logs, games files or teams files into the store.

    All files are validated before anything is written; any error leaves the store as it was.
    Ingesting the same files again changes nothing.
    """
    from truestrength.data.ingest import ingest_parsed, parse_files

    try:
        # Every file is parsed before the store is even opened: a bad file creates nothing.
        with console.status("validating..."):
            files = parse_files(paths)
    except IngestError as exc:
        _fail(f"{exc}\nNothing was written to {_db(db)}.")
    with Store(_db(db)) as store:
        try:
            with console.status("ingesting..."):
                report = ingest_parsed(store, files)
        except IngestError as exc:
            _fail(f"{exc}\nNothing was written to {store.path}.")
    table = Table(title=f"ingested into {_db(db)}")
    for col in ("file", "format", "rows", "seasons", "new rows"):
        table.add_column(col)
    for f in report.files:
        table.add_row(str(f.path), f.format.value, str(f.rows), ", ".join(f.seasons),
                      str(f.added) if f.format.value != "teams" else "-")
    console.print(table)
    console.print(
        f"games added: {report.games_added} (upgraded from player logs: "
        f"{report.games_upgraded}); player rows added: {report.player_rows_added}; "
        f"team seasons declared: {report.team_seasons_added}"
        + ("" if report.changed else "  — nothing new: the store already held all of it")
    )


@app.command()
def info(db: Path | None = DbOption) -> None:
    """What the store holds: seasons, games by kind, players, dates."""
    try:
        store = Store(_db(db), read_only=True)
    except FileNotFoundError as exc:
        _fail(str(exc))
    with store:
        df = store.query("""
            SELECT g.season,
                   count(*) FILTER (WHERE kind = 'regular') AS regular,
                   count(*) FILTER (WHERE kind = 'cup_final') AS cup_final,
                   count(*) FILTER (WHERE kind = 'play_in') AS play_in,
                   count(*) FILTER (WHERE kind = 'playoff') AS playoff,
                   min(game_date)::VARCHAR AS first, max(game_date)::VARCHAR AS last,
                   (SELECT count(*) FROM player_game_logs p WHERE p.season = g.season) AS rows,
                   (SELECT count(DISTINCT player_id) FROM player_game_logs p
                     WHERE p.season = g.season) AS players
            FROM games g GROUP BY g.season ORDER BY g.season""")
        counts = store.counts()
        data_hash = store.content_hash()
    table = Table(title=f"{store.path}  (data hash {data_hash})")
    for col in ("season", "regular", "cup", "play-in", "playoff", "first", "last",
                "rows", "players"):
        table.add_column(col, justify="right")
    for r in df.itertuples(index=False):
        table.add_row(r.season, *(str(x) for x in (r.regular, r.cup_final, r.play_in,
                      r.playoff)), str(r.first), str(r.last), str(r.rows), str(r.players))
    console.print(table)
    console.print(f"teams: {counts['teams']}, players: {counts['players']}, games: "
                  f"{counts['games']}, player rows: {counts['player_game_logs']}, playoff "
                  f"series: {counts['playoff_series']}")


@app.command()
def standings(
    season: str | None = typer.Option(None, help="Season (default: the latest in the store)."),
    db: Path | None = DbOption,
) -> None:
    """Final (or current) regular-season standings by conference."""
    from truestrength.data.league import LeagueData
    from truestrength.evaluation.targets import standings as compute

    try:
        store = Store(_db(db), read_only=True)
    except FileNotFoundError as exc:
        _fail(str(exc))
    with store:
        seasons = store.seasons()
        if not seasons:
            _fail("the store holds no games")
        season = season or seasons[-1]
        if season not in seasons:
            _fail(f"season {season} is not in the store (it has {', '.join(seasons)})")
        data = LeagueData.from_store(store, [season])
    print_standings(compute(data, season), season)


def print_standings(table_df, season: str) -> None:
    for conf, name in (("E", "East"), ("W", "West")):
        t = Table(title=f"{season} {name}")
        for col in ("#", "team", "W", "L", "win%", "margin"):
            t.add_column(col, justify="right")
        sub = table_df[table_df["conference"] == conf]
        for r in sub.itertuples():
            t.add_row(str(r.conference_rank), r.abbreviation, str(r.wins), str(r.losses),
                      f"{r.win_pct:.3f}", f"{r.point_diff_per_game:+.1f}")
        console.print(t)


@app.command()
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic league into."),
    seasons: int = typer.Option(3, "--seasons", min=1, max=30),
    seed: int = typer.Option(0, "--seed"),
    first_season: int = typer.Option(2015, "--first-season", help="Start year of season 1."),
) -> None:
    """Write a synthetic league (known true strengths) in the real data's file formats."""
    from truestrength.data.synth import SynthConfig, generate_league

    with console.status(f"simulating {seasons} season(s)..."):
        summary = generate_league(out_dir, SynthConfig(n_seasons=seasons, seed=seed,
                                                       first_season=first_season))
    console.print(f"wrote {summary.n_games} games and {summary.n_player_rows} player rows "
                  f"for {', '.join(summary.seasons)} to {out_dir} (truth in {out_dir}/truth)")
    console.print("ingest with: truestrength ingest "
                  + " ".join(str(p) for p in synth_input_paths(out_dir)))


def synth_input_paths(league_dir: Path) -> list[Path]:
    """The synthetic league's data files (its truth/ folder is for checking, not ingesting)."""
    return [league_dir / "teams.csv", league_dir / "games", league_dir / "player_game_logs"]


@app.command()
def fetch(
    seasons: str = typer.Option(..., "--seasons", help="e.g. 2015-16..2024-25 or 2023-24"),
    raw_dir: Path = typer.Option(Path("data/raw"), "--raw-dir", help="Where raw files go."),
    db: Path | None = DbOption,
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
) -> None:
    """Download game logs with nba_api (rate-limited, retried, resumable), then ingest them."""
    from truestrength.data.fetch import FetchConfig, FetchError, fetch_seasons, parse_seasons
    from truestrength.data.ingest import ingest_files

    try:
        result = fetch_seasons(FetchConfig(raw_dir=raw_dir, seasons=parse_seasons(seasons)))
    except (FetchError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"downloaded {len(result.downloaded)} response(s), "
                  f"{len(result.skipped)} already present; files: {len(result.files)}")
    if not no_ingest and result.files:
        with Store(_db(db)) as store:
            try:
                report = ingest_files(store, result.files)
            except IngestError as exc:
                _fail(f"{exc}\nNothing was written to {store.path}.")
        console.print(f"ingested: {report.games_added} games, {report.player_rows_added} "
                      "player rows")


@app.command()
def backtest(
    seasons: str | None = typer.Option(
        None, "--seasons", help="Test seasons, e.g. 2021-22..2023-24 (default: last three)."),
    predictors: str | None = typer.Option(
        None, "--predictors", help="Comma list (default: config's; baselines: win_pct, "
        "point_diff, srs, elo, prev_rank)."),
    out: Path = typer.Option(Path("runs/backtest"), "--out", help="Folder for the report."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Walk-forward backtest: fit on seasons before each test season, score on it."""
    from truestrength.data.fetch import parse_seasons
    from truestrength.evaluation.backtest import backtest as run_backtest
    from truestrength.evaluation.backtest import predictor_factories

    cfg = _config(config)
    data = _load_data(db)
    try:
        test = parse_seasons(seasons) if seasons else cfg.backtest.test_seasons
        names = predictors.split(",") if predictors else cfg.backtest.predictors
        factories = predictor_factories([n.strip() for n in names], cfg)
        result = run_backtest(data, factories, test, n_boot=cfg.backtest.n_boot,
                              seed=cfg.backtest.seed)
    except ValueError as exc:
        _fail(str(exc))
    js, md = result.write(out, reference=cfg.backtest.reference
                          if cfg.backtest.reference in result.meta["predictors"] else None)
    t = result.table().T
    table = Table(title=f"backtest {', '.join(result.meta['test_seasons'])}: mean over test "
                  f"seasons ({result.meta['seconds']} s)")
    table.add_column("metric")
    for name in t.columns:
        table.add_column(name, justify="right")
    for metric, row in t.iterrows():
        table.add_row(metric, *(f"{v:.3f}" for v in row.to_numpy()))
    console.print(table)
    console.print(f"wrote {js} and {md}")


@app.command()
def verify(
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
    synthetic_only: bool = typer.Option(False, "--synthetic-only",
                                        help="Skip the check on the store's real data."),
) -> None:
    """Check that Model A learns: on the synthetic league (known answer), then on one real
    season from the store. Prints PASS or FAIL with the figures; exits 1 on any FAIL."""
    from truestrength.training.diagnostics import NotLearningError
    from truestrength.training.verify import run_verify

    cfg = _config(config)
    store_path = None if synthetic_only else _db(db)
    try:
        with console.status("training Model A briefly on the synthetic league and the store..."):
            checks = run_verify(store_path, cfg)
    except NotLearningError as exc:
        console.print(f"FAIL  Model A is not learning.\n{exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    for c in checks:
        console.print(c.render(), highlight=False)
    if store_path is not None and len(checks) == 1:
        console.print(f"(no real check: {store_path} does not hold two seasons with player "
                      "rows; run `truestrength ingest ../shared/data/nba` first)")
    if not all(c.passed for c in checks):
        raise typer.Exit(code=1)


def _load_data(db: Path | None):
    from truestrength.data.league import LeagueData

    try:
        store = Store(_db(db), read_only=True)
    except FileNotFoundError as exc:
        _fail(str(exc))
    with store:
        return LeagueData.from_store(store)


def _config(path: Path | None):
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


def train_run(data, cfg, up_to: str | None, out: Path, quiet: bool = False) -> Path:
    """Fit A, B and the stacker on the seasons up to ``up_to``; write runs/<run_id>/."""
    import json
    from datetime import UTC, datetime

    from truestrength.data.teams import season_start_year
    from truestrength.manifest import write_manifest
    from truestrength.training.diagnostics import NotLearningError
    from truestrength.training.ensemble import EnsembleAB

    seasons = data.seasons
    last = up_to or seasons[-1]
    if last not in seasons:
        _fail(f"season {last} is not in the store (it has {', '.join(seasons)})")
    data = data.restrict_seasons([s for s in seasons
                                  if season_start_year(s) <= season_start_year(last)])
    run_dir = out / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-train-{last}")
    try:
        with console.status(f"training Model A, Model B and the stacker on "
                            f"{data.seasons[0]}..{last}..."):
            ensemble = EnsembleAB(cfg).fit(data)
    except NotLearningError as exc:
        _fail(f"Model A is not learning; nothing was saved.\n{exc}")
    except ValueError as exc:
        _fail(str(exc))
    ensemble.save(run_dir)
    fa = ensemble.model_a.fitted
    (run_dir / "train_history.json").write_text(json.dumps(
        {"model_a": {"holdout_season": fa.holdout_season, "holdout_run": fa.holdout_history,
                     "final_run": fa.history},
         "model_b": ensemble.model_b.selection}, indent=2, default=str))
    write_manifest(run_dir / "run_manifest.json", config=cfg, data_hash=data.data_hash,
                   seeds={"model_a": cfg.model_a.seed, "model_b": cfg.model_b.seed},
                   command="train", train_seasons=data.seasons)
    if not quiet:
        console.print(f"Model A: {len(fa.history)} epochs on {len(fa.train_seasons)} seasons "
                      f"(hold-out {fa.holdout_season}); Model B objective "
                      f"{ensemble.model_b.selection.get('chosen')}")
        console.print(f"stacker {ensemble.fit_.stacker.describe()}")
        console.print(f"run written to {run_dir}")
    return run_dir


@app.command()
def train(
    up_to: str | None = typer.Option(None, "--up-to", help="Last season to train on "
                                     "(default: the latest in the store)."),
    out: Path = typer.Option(Path("runs"), "--out", help="Runs folder."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Fit Model A, Model B and the ridge stacker; writes runs/<run_id>/ (checkpoints,
    stacker weights, train_history.json, run_manifest.json)."""
    train_run(_load_data(db), _config(config), up_to, out)


def _latest_run(runs: Path) -> Path:
    found = sorted(p.parent for p in runs.glob("*/ensemble.json"))
    if not found:
        _fail(f"no trained run under {runs}: run `truestrength train` first")
    return found[-1]


def predict_run(data, cfg, run: Path, date: str, out: Path, quiet: bool = False) -> Path:
    import pandas as pd

    from truestrength.inference.predict import make_predictions
    from truestrength.manifest import write_manifest
    from truestrength.report.plots import write_plots
    from truestrength.training.ensemble import EnsembleAB

    try:
        ensemble = EnsembleAB.load(run, expect=cfg)
        when = pd.Timestamp(date)
        preds = make_predictions(ensemble, data, when, cfg)
    except ValueError as exc:
        _fail(str(exc))
    trained = ensemble.model_a.fitted.train_seasons
    if preds.meta["schedule"] == "expected":
        console.print(f"[yellow]note:[/] the store has no games of {preds.season} after "
                      f"{when:%Y-%m-%d}; odds use an expected schedule of "
                      f"{preds.meta['games_remaining']} games (right count per team, not the "
                      "real opponents)")
    if preds.season in trained:
        console.print(f"[yellow]note:[/] {preds.season} is one of the run's training seasons; "
                      "these are in-sample predictions, not forecasts")
    out_dir = out / f"{run.name}-predict-{when:%Y%m%d}"
    files = preds.write(out_dir)
    files += write_plots(preds.table, out_dir, f"{preds.season} at {when:%Y-%m-%d}")
    write_manifest(out_dir / "run_manifest.json", config=ensemble.config,
                   data_hash=data.data_hash, seeds={"simulation": cfg.predict.seed},
                   command="predict", date=str(when.date()), trained_run=str(run),
                   train_seasons=trained)
    if not quiet:
        print_predictions(preds)
        console.print(f"wrote {', '.join(str(f.name) for f in files)} and run_manifest.json "
                      f"to {out_dir}")
    return out_dir


def print_predictions(preds) -> None:
    st = preds.meta["stacker"]
    weights = ", ".join(f"{m} {w:+.2f}" for m, w in zip(st["models"], st["weights"],
                                                          strict=True))
    t = Table(title=f"TrueStrength {preds.season} at {preds.date:%Y-%m-%d} "
              f"(stacker: {weights})")
    for col in ("#", "team", "conf", "W-L", "strength", "conf #", "stand #", "playoffs",
                "finals", "title", "A/B", "label", "top driver"):
        t.add_column(col, justify="left" if col in ("team", "label", "top driver") else "right",
                     no_wrap=True)
    for r in preds.table.itertuples():
        driver = r.drivers[0]["player"] if r.drivers else "-"
        t.add_row(str(r.league_rank), r.team, r.conference, f"{r.wins}-{r.losses}",
                  f"{r.strength:.1f}", str(r.conference_rank), str(r.standings_rank),
                  f"{r.p_playoffs:.0%}", f"{r.p_finals:.0%}", f"{r.p_title:.1%}",
                  f"{r.rank_model_a}/{r.rank_model_b}", r.label,
                  driver + (" *" if r.attention_degenerate else ""))
    t.caption = ("conf # = conference rank by strength, stand # = in the standings; A/B = "
                 "league rank by Model A / B; * = attention degenerate, drivers unreliable. "
                 "All columns, and every driver, are in predictions.csv.")
    console.print(t)


@app.command()
def predict(
    date: str = typer.Option(..., "--date", help="Predict from games before this date."),
    run: Path | None = typer.Option(None, "--run", help="Trained run (default: latest)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Runs folder."),
    db: Path | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Ranks, strengths, playoff and title odds, labels and driving players at a date."""
    cfg = _config(config)
    run_dir = run or _latest_run(runs)
    if config is None:
        # no --config: predict under the configuration the run was trained with
        from truestrength.training.ensemble import run_config

        cfg = run_config(run_dir)
    predict_run(_load_data(db), cfg, run_dir, date, runs)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Folder for the demo's files."),
    seasons: int = typer.Option(4, "--seasons", min=3, max=30),
    seed: int = typer.Option(0, "--seed"),
    config: Path | None = ConfigOption,
) -> None:
    """The whole pipeline, offline, on the built-in synthetic league: simulate, ingest,
    train A+B+stacker on all seasons but the last, predict the last season from its 41-game
    mark, and backtest every predictor on that season."""
    import time

    from truestrength.data.ingest import ingest_files
    from truestrength.data.league import LeagueData
    from truestrength.data.synth import SynthConfig, generate_league
    from truestrength.evaluation.backtest import backtest as run_backtest
    from truestrength.evaluation.backtest import predictor_factories
    from truestrength.evaluation.targets import as_of_points
    from truestrength.evaluation.truth import agreement_with_truth, read_truth
    from truestrength.training.ensemble import EnsembleAB

    cfg = _config(config)
    started = time.perf_counter()
    league_dir, db_path, runs = out / "league", out / "truestrength.duckdb", out / "runs"
    db_path.unlink(missing_ok=True)
    with console.status("1/5 simulating the synthetic league..."):
        summary = generate_league(league_dir, SynthConfig(n_seasons=seasons, seed=seed))
    console.print(f"[bold]1/5[/] synthetic league: {summary.n_games} games, "
                  f"{summary.n_player_rows} player rows, true strengths -> {league_dir}")
    with Store(db_path) as store, console.status("2/5 ingesting..."):
        report = ingest_files(store, synth_input_paths(league_dir))
        data = LeagueData.from_store(store)
    console.print(f"[bold]2/5[/] ingested {report.games_added} games and "
                  f"{report.player_rows_added} player rows into {db_path}")
    test = data.seasons[-1]
    run = train_run(data, cfg, data.seasons[-2], runs, quiet=True)
    ensemble = EnsembleAB.load(run, expect=cfg)
    console.print(f"[bold]3/5[/] trained A+B on {', '.join(data.seasons[:-1])}: "
                  f"{ensemble.fit_.stacker.describe()} -> {run}")
    point = next(p for p in as_of_points(data, test) if p.label == "g41")
    pred_dir = predict_run(data, cfg, run, str(point.date.date()), runs, quiet=True)
    console.print(f"[bold]4/5[/] predictions for {test} at its 41-game mark "
                  f"({point.date:%Y-%m-%d}) -> {pred_dir}")
    import pandas as pd

    table = pd.read_csv(pred_dir / "predictions.csv")
    t = Table(title=f"{test} at {point.date:%Y-%m-%d} (synthetic league)")
    for col in ("#", "team", "W-L", "strength", "title", "label"):
        t.add_column(col)
    for r in table.head(10).itertuples():
        t.add_row(str(r.league_rank), r.team, f"{r.wins}-{r.losses}", f"{r.strength:.1f}",
                  f"{r.p_title:.1%}", r.label)
    console.print(t)

    class Prefitted:
        """The ensemble trained in step 3, for the one test season it was trained for."""

        name = "model_ab"

        def fit(self, history):
            if history.seasons != ensemble.model_a.fitted.train_seasons:
                raise ValueError("the demo's ensemble was trained on other seasons")
            return ensemble

    names = [*cfg.backtest.predictors, "model_a"]
    factories = {**predictor_factories(names, cfg), "model_ab": Prefitted}
    with console.status(f"5/5 backtesting {len(factories)} predictors on {test}..."):
        result = run_backtest(data, factories, [test], n_boot=cfg.backtest.n_boot,
                              progress=False)
        truth = agreement_with_truth(data, read_truth(league_dir), factories, [test])
    bt_dir = out / "backtest"
    result.write(bt_dir, reference="win_pct")
    tt = result.table().T
    agree = truth.pivot_table(index="predictor", columns="point", values="spearman_truth")
    bt = Table(title=f"5/5 backtest on {test} (fitted on earlier seasons only)")
    bt.add_column("metric")
    for name in tt.columns:
        bt.add_column(name, justify="right")
    for metric in ("ros_spearman@g20", "ros_spearman@g41", "po_spearman", "game_log_loss",
                   "title_log_loss"):
        if metric in tt.index:
            bt.add_row(metric, *(f"{v:.3f}" for v in tt.loc[metric].to_numpy()))
    bt.add_row("truth ρ @g41", *(f"{agree.loc[n, 'g41']:.3f}" for n in tt.columns))
    console.print(bt)
    console.print(f"done in {time.perf_counter() - started:.0f} s. Outputs in {out.resolve()}:"
                  f" predictions and plots {pred_dir}, backtest {bt_dir}, store {db_path}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
