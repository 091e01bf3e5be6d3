"""``truestrength tune``: Optuna's TPE over the models' settings, chosen without peeking.

Each trial scores the validation seasons only, each fitted on the seasons before it, from a
view of the store that holds nothing from ``tune.before_season`` (the first test season) on,
so no test season can reach the objective. The objective (``tune.objective``) is the pooled
log loss over the validation seasons' regular-season games of a walk-forward backtest of
``tune.predictor``, or over their play-in and playoff games of the postseason blend.

The study lives in an Optuna storage: a SQLite file by default, or a PostgreSQL URL that
many processes and machines share (each runs the same command; their trials add up).
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np
import yaml

from truestrength.app.predictors import predictor_factories
from truestrength.base import memo
from truestrength.base.config import (
    Config,
    TunableSection,
    TuneParam,
    TuneSection,
    tuned_setting,
    with_overrides,
    with_sections,
)
from truestrength.base.errors import ConfigError, DataError, ModelError, RunError
from truestrength.base.io import make_folder, write_json
from truestrength.base.league import LeagueData
from truestrength.base.manifest import code_version
from truestrength.base.seasons import season_start_year
from truestrength.evaluation import metrics as m
from truestrength.evaluation.backtest import BacktestResult, backtest
from truestrength.evaluation.postseason_forecast import forecast_postseason
from truestrength.models.rapm import Rapm

TUNE_FORMAT = "truestrength-tune/1"
GAME_LOSSES = "game_log_losses"  # a trial's attribute: each game's log loss, in a fixed order
# Settings of the base configuration the objective depends on besides the searched ones: a
# study joined under other values would mix trials of different objectives.
OBJECTIVE_SECTIONS = get_args(TunableSection)


# The predictors whose scores depend on Model A's seed (``tune.seeds`` averages over it).
MODEL_A_PREDICTORS = ("model_a", "model_ab")


def objective_text(t: TuneSection) -> str:
    if t.objective == "postseason":
        return ("pooled play-in and playoff game log loss of the postseason blend on the "
                "validation seasons")
    seeds = f", mean over {t.seeds} Model A seeds" if t.seeds > 1 else ""
    return (f"pooled regular-season game log loss of {t.predictor or 'model_a'} on the "
            f"validation seasons{seeds}")


@dataclass(frozen=True)
class TuneSpec:
    """What one ``tune`` process runs: the base configuration (its ``tune`` section holds the
    storage, study, trials and search space) and the validation seasons, checked to lie
    before ``tune.before_season``."""

    config: Config
    validation: tuple[str, ...]
    command: str = ""

    def __post_init__(self) -> None:
        check_validation_seasons(self.validation, self.config.tune.before_season)


@dataclass(frozen=True)
class TrialRecord:
    number: int
    state: str  # COMPLETE, FAIL, RUNNING, ...
    value: float | None
    params: dict[str, Any]  # "section.name" -> value
    by_season: dict[str, float]  # validation season -> its log loss
    worker: str | None
    seconds: float | None
    error: str | None
    code_version: str | None
    data_hash: str | None
    repeat_of: int | None = None  # the earlier trial with the same settings, not re-scored


@dataclass(frozen=True)
class BestVsFirst:
    """The best trial's log loss minus the first's (the base configuration's values) on the
    same games, with a paired bootstrap interval over games: a winner whose interval
    crosses 0 is not separable from the configuration it would replace."""

    first: int
    best: int
    games: int
    diff: float
    low: float
    high: float

    @property
    def separable(self) -> bool:
        return self.high < 0

    def line(self) -> str:
        verdict = "separable" if self.separable else "not separable"
        return (f"best (trial {self.best}) − trial {self.first} (the base configuration): "
                f"{self.diff:+.4f} [{self.low:+.4f}, {self.high:+.4f}] over {self.games} "
                f"games, paired bootstrap: {verdict}")


@dataclass(frozen=True)
class TuneResult:
    study_name: str
    storage: str  # password hidden
    objective: str
    before_season: str
    validation: tuple[str, ...]
    data_hash: str
    code_version: str
    command: str
    trials: list[TrialRecord]  # every trial in the study, all workers', by number
    best: TrialRecord | None
    json_path: Path | None = None
    md_path: Path | None = None
    search_space: list[dict] = field(default_factory=list)
    best_vs_first: BestVsFirst | None = None

    @property
    def n_complete(self) -> int:
        return sum(t.state == "COMPLETE" for t in self.trials)

    def best_yaml(self) -> str:
        """The best trial's settings as a configuration snippet to paste into a YAML file."""
        if self.best is None:
            return ""
        nested: dict[str, dict[str, Any]] = {}
        for key, value in self.best.params.items():
            section, name = key.split(".", 1)
            nested.setdefault(section, {})[name] = tuned_setting(key, value)
        head = (f"# truestrength tune: study {self.study_name}, trial {self.best.number}, "
                f"{self.objective} {self.best.value:.5f} on {', '.join(self.validation)}\n")
        return head + yaml.safe_dump(nested, sort_keys=False)

    def to_dict(self) -> dict:
        return {"format": TUNE_FORMAT, **{k: v for k, v in asdict(self).items()
                                          if k not in ("json_path", "md_path")}}


def check_validation_seasons(validation: tuple[str, ...] | list[str], before: str) -> None:
    """The invariant of ``tune``: every validation season starts before the test season
    ``before``. Anything else would choose settings by peeking at a test season."""
    if not validation:
        raise ConfigError("tune: no validation season to score")
    limit = season_start_year(before)
    late = [s for s in validation if season_start_year(s) >= limit]
    if late:
        raise ConfigError(f"tune: validation season(s) {late} are not before the test season "
                          f"{before} (tune.before_season); settings must be chosen on "
                          "earlier seasons only")


def plan_tune(data: LeagueData, config: Config, command: str = "") -> TuneSpec:
    """The validation seasons: ``tune.validation`` when given, else the last
    ``tune.validation_seasons`` seasons of the store before ``tune.before_season``."""
    t = config.tune
    limit = season_start_year(t.before_season)
    earlier = [s for s in data.seasons if season_start_year(s) < limit]
    if t.validation is not None:
        check_validation_seasons(t.validation, t.before_season)
        validation = list(t.validation)
        missing = [s for s in validation if s not in data.seasons]
        if missing:
            raise DataError(f"tune.validation season(s) {missing} are not in the store (it "
                            f"has {', '.join(data.seasons) or 'nothing'})")
    else:
        # the first season has nothing before it to fit on
        validation = earlier[1:][-t.validation_seasons:]
        if len(validation) < t.validation_seasons:
            raise DataError(
                f"tune needs {t.validation_seasons} validation season(s) before "
                f"{t.before_season}, each with an earlier season to fit on; the store has "
                f"{', '.join(earlier) or 'none'} before it (tune.validation_seasons)")
    if min(validation) == min(data.seasons):
        raise DataError(f"tune: validation season {min(validation)} is the store's first: "
                        "there is nothing before it to fit on")
    if t.predictor is not None:
        predictor_factories([t.predictor], config)  # an unknown name: one error, no trial
    if t.seeds > 1 and (t.objective == "postseason"
                        or (t.predictor or "model_a") not in MODEL_A_PREDICTORS):
        raise ConfigError(f"tune.seeds ({t.seeds}) varies Model A's seed, which this "
                          "objective does not read: every seed would score the same; set 1")
    return TuneSpec(config, tuple(sorted(validation)), command)


def trial_config(config: Config, values: dict[str, Any]) -> Config:
    """``config`` with the trial's ``"section.name"`` values, validated like a file."""
    by_section: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = key.split(".", 1)
        by_section.setdefault(section, {})[name] = tuned_setting(key, value)
    return with_sections(config, by_section)  # a None drawn is a setting too


@dataclass(frozen=True)
class Score:
    """A trial's objective: the pooled log loss, each validation season's, and each game's
    (in a fixed order, so two trials' games pair up for a bootstrap of their difference)."""

    pooled: float
    by_season: dict[str, float]
    per_game: np.ndarray

    @classmethod
    def of(cls, per_season: dict[str, np.ndarray]) -> Score:
        every = np.concatenate(list(per_season.values()))
        return cls(float(every.mean()), {s: float(v.mean()) for s, v in per_season.items()},
                   every)


def pooled_regular_log_loss(result: BacktestResult, predictor: str = "model_a") -> Score:
    """Log loss over every regular-season game of every validation season together, and
    per season. Pooled rather than a mean of seasons: a shortened season counts by its games."""
    g = result.games
    if g.empty:
        raise ModelError(f"{predictor} gave no game probabilities: nothing to tune on")
    g = g[(g["predictor"] == predictor) & (g["kind"] == "regular")]
    missing = sorted(set(result.meta.test_seasons) - set(g["season"]))
    if missing:
        raise DataError(f"tune: validation season(s) {missing} have no regular-season game")
    g = g.sort_values(["season", "game_date", "game_id"], kind="stable")
    return Score.of({s: m.log_loss_per_game(h["p_home"].to_numpy(float),
                                            h["home_won"].to_numpy(float))
                     for s, h in g.groupby("season", sort=True)})


def pooled_postseason_log_loss(view: LeagueData, validation: tuple[str, ...], config: Config
                               ) -> Score:
    """The postseason blend's log loss over every play-in and playoff game of the validation
    seasons together, and per season; each season's blend fitted on the seasons before it."""
    rapm = Rapm(config.rapm)
    return Score.of({s: forecast_postseason(view, s, config, rapm).log_losses
                     for s in validation})


def score(view: LeagueData, validation: tuple[str, ...], config: Config) -> Score:
    """One trial's objective (``tune.objective``) under ``config``."""
    t = config.tune
    if t.objective == "postseason":
        return pooled_postseason_log_loss(view, validation, config)
    name = t.predictor or "model_a"
    settings = config.backtest.model_copy(update={"test_seasons": list(validation),
                                                  "predictors": [name]})
    runs = [pooled_regular_log_loss(backtest(
        view, predictor_factories([name], with_overrides(
            config, "model_a", seed=config.model_a.seed + k)), settings, config.simulation,
        progress=False), name) for k in range(t.seeds)]
    return Score(sum(r.pooled for r in runs) / t.seeds,
                 {s: sum(r.by_season[s] for r in runs) / t.seeds for s in runs[0].by_season},
                 sum(r.per_game for r in runs) / t.seeds)


def config_values(config: Config) -> dict[str, Any]:
    """The searched settings' values in ``config``, those inside the search space."""
    found = {p.key: p.draw_of(getattr(getattr(config, p.section), p.name))
             for p in config.tune.params}
    return {key: drawn for key, (inside, drawn) in found.items() if inside}


def _suggest(trial: Any, p: TuneParam) -> Any:
    if p.type == "categorical":
        return trial.suggest_categorical(p.key, p.choices)
    if p.type == "int":
        return trial.suggest_int(p.key, int(p.low), int(p.high), log=p.log)
    return trial.suggest_float(p.key, p.low, p.high, log=p.log)


def hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1] if "@" in url else url


def open_storage(url: str, retries: int = 0) -> Any:
    """Optuna's RDB storage at ``url``; a SQLite file's folder is created first. ``retries``:
    attempts after the first when creating the tables collides with another process."""
    import optuna
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, IntegrityError, ProgrammingError, SQLAlchemyError

    shown = hide_password(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"tune: storage {shown!r} is not a database URL (e.g. "
                          "sqlite:///runs/tune/optuna.db or postgresql://user@host/db)") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        make_folder(Path(parsed.database).parent, "study folder")
    for attempt in range(retries + 1):
        try:
            return optuna.storages.RDBStorage(url)
        except (IntegrityError, ProgrammingError) as exc:
            # Workers started together on an empty database race to create Optuna's tables
            # (PostgreSQL: a duplicate key in pg_type); the loser finds them made on a retry.
            if attempt == retries:
                raise _storage_error(shown, exc) from exc
            time.sleep(0.5 * (attempt + 1))
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise _storage_error(shown, exc) from exc
    raise AssertionError("unreachable")


def _storage_error(shown: str, exc: Exception) -> RunError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return RunError(f"tune: cannot open the study storage {shown}: {reason}")


def _fingerprint(spec: TuneSpec, data_hash: str) -> dict[str, Any]:
    """What makes two processes' trials comparable: same objective, seasons, data, space."""
    return {
        "objective": objective_text(spec.config.tune),
        "before_season": spec.config.tune.before_season,
        "seeds": spec.config.tune.seeds,
        "validation": list(spec.validation),
        "data_hash": data_hash,
        "search_space": [p.model_dump(mode="json") for p in spec.config.tune.params],
        "base_config": {s: getattr(spec.config, s).model_dump(mode="json")
                        for s in OBJECTIVE_SECTIONS},
    }


def _check_same_objective(study: Any, want: dict[str, Any], shown: str) -> None:
    have = study.user_attrs
    # A key not there yet belongs to a study another worker created a moment ago and is still
    # describing, one attribute at a time: write it; compare only what is written.
    for k, v in want.items():
        if k not in have:
            study.set_user_attr(k, v)
    diff = sorted(k for k in want if k in have and have[k] != want[k])
    if diff:
        raise ConfigError(f"tune: study {study.study_name!r} in {shown} was created for a "
                          f"different objective ({', '.join(diff)} differ); use the same "
                          "data and configuration, or another --study")


def _open_study(spec: TuneSpec, storage: Any, shown: str, data_hash: str) -> tuple[Any, int]:
    """The shared study (created if absent) and the seed of this process's sampler."""
    import optuna

    t = spec.config.tune
    # Only the creator uses tune.seed: a single-process study is then reproducible. A worker
    # joining a study draws its own seed (recorded with its trials), or every worker would
    # propose the same points; what it proposes depends on the others' timing anyway.
    try:
        optuna.create_study(storage=storage, study_name=t.study_name, direction="minimize")
        seed, created = t.seed, True
    except optuna.exceptions.DuplicatedStudyError:
        seed, created = secrets.randbits(31), False
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=t.n_startup_trials,
                                         constant_liar=t.constant_liar)
    study = optuna.load_study(study_name=t.study_name, storage=storage, sampler=sampler)
    if created and t.first_trial_from_config:
        study.enqueue_trial(config_values(spec.config))
    if study.direction != optuna.study.StudyDirection.MINIMIZE:
        raise ConfigError(f"tune: study {t.study_name!r} in {shown} does not minimise")
    _check_same_objective(study, _fingerprint(spec, data_hash), shown)
    return study, seed


def run_tune(data: LeagueData, spec: TuneSpec, out: Path | None = None,
             on_trial: Callable[[TrialRecord], None] | None = None) -> TuneResult:
    """Run ``tune.n_trials`` trials in this process on the shared study, then write
    ``tune.json`` and ``tune.md`` (every trial of the study, the best one) to ``out``."""
    import optuna

    t = spec.config.tune
    check_validation_seasons(spec.validation, t.before_season)
    limit = season_start_year(t.before_season)
    # The objective's data view ends before the test season: it cannot be scored or fitted on.
    view = data.restrict_seasons([s for s in data.seasons if season_start_year(s) < limit])
    out = Path(out if out is not None else t.out_dir)
    make_folder(out, "tune output folder")
    version, data_hash = code_version(), data.data_hash
    worker = f"{socket.gethostname()}:{os.getpid()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    shown = hide_password(t.storage)
    storage = open_storage(t.storage, retries=t.storage_retries)
    study, seed = _open_study(spec, storage, shown, data_hash)

    def objective(trial: optuna.Trial) -> float:
        started = time.perf_counter()
        values = {p.key: _suggest(trial, p) for p in t.params}
        for key, value in {"worker": worker, "sampler_seed": seed, "code_version": version,
                           "data_hash": data_hash, "validation": list(spec.validation)}.items():
            trial.set_user_attr(key, value)
        # Every objective is deterministic (a trial's seeds are fixed), so settings already
        # scored are not scored again: TPE redraws a categorical's few values often.
        same = next((tr for tr in trial.study.get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
            if tr.params == trial.params), None)
        if same is not None:
            trial.set_user_attr("repeat_of", same.number)
            trial.set_user_attr("by_season", same.user_attrs.get("by_season", {}))
            trial.set_user_attr("seconds", 0.0)
            return same.value
        try:
            got = score(view, spec.validation, trial_config(spec.config, values))
            if not math.isfinite(got.pooled):
                raise ModelError(f"the objective is not finite ({got.pooled})")
        except (ModelError, ConfigError, DataError) as exc:
            # A setting the model cannot learn with, or the data cannot serve (too few
            # earlier postseason games for the inputs drawn), is an answer about that
            # setting: the trial fails with its reason on record and the search goes on.
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}"[:2000])
            trial.set_user_attr("seconds", round(time.perf_counter() - started, 2))
            raise
        trial.set_user_attr("by_season", got.by_season)
        # each game's loss: the best trial is compared with the first (the base
        # configuration's) on the same games, so a study says whether its winner is separable
        trial.set_user_attr(GAME_LOSSES, np.round(got.per_game, 7).tolist())
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 2))
        return got.pooled

    def report(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if on_trial is not None:
            on_trial(_record(trial))

    # The postseason objective's trials share RAPM's weekly fits when its settings are the
    # base's (they are keyed by them); a backtest keeps its own fits within a trial.
    with memo.reusing_fits() if t.objective == "postseason" else contextlib.nullcontext():
        study.optimize(objective, n_trials=t.n_trials,
                       catch=(ModelError, ConfigError, DataError),
                       callbacks=[report])
    trials = [_record(tr) for tr in study.get_trials(deepcopy=False)]
    done = [tr for tr in trials if tr.state == "COMPLETE"]
    best = min(done, key=lambda tr: (tr.value, tr.number)) if done else None
    result = TuneResult(
        best_vs_first=_best_vs_first(study.get_trials(deepcopy=False), best),
        study_name=t.study_name, storage=shown, objective=objective_text(t),
        before_season=t.before_season, validation=spec.validation, data_hash=data_hash,
        code_version=version, command=spec.command.replace(t.storage, shown), trials=trials,
        best=best,
        search_space=[p.model_dump(mode="json") for p in t.params])
    js = write_json(out / "tune.json", result.to_dict())
    md = out / "tune.md"
    md.write_text(tune_markdown(result))
    result = TuneResult(**{**result.__dict__, "json_path": js, "md_path": md})
    if best is None:
        errors = [tr.error for tr in trials if tr.error]
        raise ModelError(f"tune: no trial of study {t.study_name!r} completed"
                         + (f"; the last failed with {errors[-1]}" if errors else "")
                         + f" (every trial is listed in {md})")
    return result


def _best_vs_first(frozen: list[Any], best: TrialRecord | None) -> BestVsFirst | None:
    """None without a complete trial 0 or without both trials' game losses (trials scored
    before they were kept). The best is never a repeat: a repeat ties an earlier trial, and
    ties go to the lower number."""
    losses = {tr.number: tr.user_attrs.get(GAME_LOSSES) for tr in frozen
              if tr.state.name == "COMPLETE"}
    if best is None or losses.get(0) is None or losses.get(best.number) is None:
        return None
    a, b = np.asarray(losses[0], float), np.asarray(losses[best.number], float)
    if a.shape != b.shape:
        return None
    ci = m.bootstrap_ci(np.mean, b - a, n_boot=2000, seed=0)
    return BestVsFirst(0, best.number, a.size, ci.point, ci.low, ci.high)


def _record(trial: Any) -> TrialRecord:
    a = trial.user_attrs
    return TrialRecord(
        number=trial.number, state=trial.state.name, value=trial.value,
        params=dict(trial.params), by_season=dict(a.get("by_season", {})),
        worker=a.get("worker"), seconds=a.get("seconds"), error=a.get("error"),
        code_version=a.get("code_version"), data_hash=a.get("data_hash"),
        repeat_of=a.get("repeat_of"))


def tune_markdown(r: TuneResult) -> str:
    keys = [p["section"] + "." + p["name"] for p in r.search_space]
    lines = [
        f"# tune: study {r.study_name}", "",
        f"- command: `{r.command}`" if r.command else "- command: (called from Python)",
        f"- storage: `{r.storage}`",
        f"- objective: {r.objective} (lower is better)",
        f"- validation seasons: {', '.join(r.validation)}; test seasons start at "
        f"{r.before_season} and are never scored",
        f"- data hash: `{r.data_hash}`; code version: `{r.code_version}`",
        f"- trials: {len(r.trials)} in the study, {r.n_complete} complete", "",
    ]
    if r.best is not None:
        lines += [f"## Best: trial {r.best.number}, {r.best.value:.5f}", "",
                  "```yaml", r.best_yaml().rstrip(), "```", ""]
        if r.best_vs_first is not None:
            lines += [f"- {r.best_vs_first.line()}", ""]
    else:
        lines += ["## Best: none (no trial completed)", ""]
    head = ["trial", "state", "value", *keys, *r.validation, "seconds", "worker"]
    lines += ["## All trials", "", "| " + " | ".join(head) + " |",
              "|" + "---|" * len(head)]
    for tr in r.trials:
        cells = [str(tr.number), tr.state, _num(tr.value),
                 *(_param(tr.params, k) for k in keys),
                 *(_num(tr.by_season.get(s)) for s in r.validation),
                 _num(tr.seconds) if tr.repeat_of is None else f"as trial {tr.repeat_of}",
                 tr.worker or ""]
        lines.append("| " + " | ".join(cells) + " |")
    failed = [tr for tr in r.trials if tr.error]
    if failed:
        lines += ["", "## Failed trials", ""]
        lines += [f"- trial {tr.number}: {tr.error}" for tr in failed]
    return "\n".join(lines) + "\n"


def _param(params: dict[str, Any], key: str) -> str:
    """A trial's value of ``key``: empty when not drawn, "None" when the choice drawn is None."""
    if key not in params:
        return ""
    return "None" if params[key] is None else _num(params[key])


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, int | str):  # bool is an int
        return str(v)
    return f"{v:.5g}"
