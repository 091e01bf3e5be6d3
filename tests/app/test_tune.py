"""`truestrength tune`: Optuna over Model A's settings on validation seasons before the test
season, end to end on SQLite and shared by two processes on a real PostgreSQL server."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import optuna
import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

import truestrength
from truestrength.app import tune as tune_mod
from truestrength.app.tune import (
    TuneSpec,
    _open_study,
    check_validation_seasons,
    config_values,
    open_storage,
    plan_tune,
    run_tune,
    trial_config,
)
from truestrength.base.config import Config, load_config
from truestrength.base.errors import ConfigError, DataError, RunError
from truestrength.cli import app
from truestrength.models.rapm import Rapm

POSTGRES_ENV = "TRUESTRENGTH_TEST_POSTGRES_URL"
runner = CliRunner()

# Tiny Model A: each trial is a walk-forward backtest of one validation season; its time goes
# to scoring every game date, not to the two epochs.
FAST_A = {"epochs": 2, "epochs_without_holdout": 2, "hidden_dim": 8, "n_heads": 2, "lr": 3e-3,
          "threads": 1, "refit_on_all": False}


# Where two epochs of the tiny model learn on the synthetic league (a slow setting would fail
# its trials, which the end-to-end test does not look at).
FAST_SPACE = [{"name": "lr", "low": 2e-3, "high": 1e-2, "log": True},
              {"name": "dropout", "low": 0.0, "high": 0.5}]


def fast_config(tmp_path: Path, **tune) -> Config:
    """The synthetic league is 2015-16 ... 2017-18: test season 2017-18, validation 2016-17
    (fitted on 2015-16)."""
    return Config.model_validate({
        "model_a": FAST_A,
        "roster": {"cache_dir": str(tmp_path / "cache")},
        "tune": {"before_season": "2017-18", "validation_seasons": 1, "n_startup_trials": 2,
                 "storage": f"sqlite:///{tmp_path / 'study' / 'optuna.db'}",
                 "out_dir": str(tmp_path / "out"), "params": FAST_SPACE, **tune},
    })


def fit_seasons_study(league, tmp_path: Path, n_trials: int):
    """A study of elo_calibrated's baselines.fit_seasons over {1, 2}: seconds a trial."""
    space = [{"section": "baselines", "name": "fit_seasons", "type": "categorical",
              "choices": [1, 2]}]
    return run_tune(league, plan_tune(league, fast_config(
        tmp_path, predictor="elo_calibrated", params=space, n_trials=n_trials)))


def synth_db(synth_dir: Path) -> Path:
    db = synth_dir.parent / "s.duckdb"  # where the session's `synthetic` fixture put it
    assert db.is_file()
    return db


# --- the validation-season invariant ------------------------------------------------------

def test_validation_seasons_must_come_before_the_test_season():
    check_validation_seasons(["2017-18", "2018-19"], "2019-20")  # the default plan: fine
    for bad in (["2018-19", "2019-20"], ["2020-21"], ["2019-20"]):
        with pytest.raises(ConfigError, match="not before the test season 2019-20"):
            check_validation_seasons(bad, "2019-20")
    with pytest.raises(ConfigError, match="no validation season"):
        check_validation_seasons([], "2019-20")
    # the spec object itself refuses to exist with a test season among its validation ones
    with pytest.raises(ConfigError, match=r"\['2019-20'\]"):
        TuneSpec(Config(), ("2018-19", "2019-20"))


def test_plan_picks_the_seasons_right_before_the_test_season_and_refuses_the_rest(
        synth_league, tmp_path):
    assert synth_league.seasons == ["2015-16", "2016-17", "2017-18"]
    assert plan_tune(synth_league, fast_config(tmp_path)).validation == ("2016-17",)
    # defaults: test season 2019-20, two validation seasons -> the last two before it that
    # have a season before them to fit on
    assert plan_tune(synth_league, Config()).validation == ("2016-17", "2017-18")
    with pytest.raises(DataError, match="needs 2 validation season"):
        plan_tune(synth_league, fast_config(tmp_path, validation_seasons=2))
    with pytest.raises(ConfigError, match=r"\['2017-18'\] are not before the test season"):
        plan_tune(synth_league, fast_config(tmp_path, validation=["2016-17", "2017-18"]))
    with pytest.raises(DataError, match="first: there is nothing before it"):
        plan_tune(synth_league, fast_config(tmp_path, validation=["2015-16"]))


def test_the_cli_prints_a_peeking_plan_as_one_error_line(synth_dir, tmp_path):
    cfg = tmp_path / "peek.yaml"
    cfg.write_text(yaml.safe_dump({"tune": {"validation": ["2018-19", "2019-20"]}}))
    r = runner.invoke(app, ["tune", "--db", str(synth_db(synth_dir)), "--before", "2019-20",
                            "-c", str(cfg), "--out", str(tmp_path / "out")])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 1 and len(lines) == 1, r.output
    assert lines[0].startswith("error: tune: validation season(s) ['2019-20'] are not before")
    assert not (tmp_path / "out").exists()


def test_search_space_is_validated_with_the_config(tmp_path):
    for params, message in (
        ([{"name": "lr", "low": 0.0, "high": 0.1, "log": True}], "log scale needs low > 0"),
        ([{"name": "hidden_dim", "low": 8, "high": 64}], "whole number: give type: int"),
        ([{"name": "no_such", "low": 0, "high": 1}], "model_a has no setting 'no_such'"),
        ([{"name": "dropout", "low": 0.5, "high": 0.1}], "must be below high"),
        ([{"name": "target", "low": 0, "high": 1}], "is not a number"),
    ):
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump({"tune": {"params": params}}))
        with pytest.raises(ConfigError, match=message):
            load_config(path)


def test_categorical_and_optional_settings_are_checked_against_their_own_type(tmp_path):
    ok = [{"section": "playoff_rotation", "name": "max_missed_games", "type": "categorical",
           "choices": [10, 30, None]},
          {"section": "playoff_rotation", "name": "power", "low": 1.0, "high": 5.0},
          {"section": "blend", "name": "postseason_combine", "type": "categorical",
           "choices": ["fitted", "mean"]},
          {"section": "rapm", "name": "minutes_games", "low": 2, "high": 10, "type": "int"},
          {"section": "blend", "name": "postseason_inputs", "type": "categorical",
           "choices": ["srs,rapm", "rapm", "srs,elo,rapm"]}]
    cfg = Config.model_validate({"tune": {"params": ok, "objective": "postseason"}})
    # the first trial: the defaults inside the space (None is a choice like any other)
    assert config_values(cfg) == {"playoff_rotation.max_missed_games": 30,
                                  "playoff_rotation.power": 4.9,
                                  "blend.postseason_combine": "mean",
                                  "rapm.minutes_games": 4,
                                  "blend.postseason_inputs": "rapm"}
    off = Config.model_validate({"playoff_rotation": {"max_missed_games": None},
                                 "tune": {"params": ok[:1]}})
    assert config_values(off) == {"playoff_rotation.max_missed_games": None}
    # a None drawn switches the rule off in the trial's configuration (not "not given")
    assert trial_config(cfg, {"playoff_rotation.max_missed_games": None}
                        ).playoff_rotation.max_missed_games is None
    # choices are compared as the setting holds them: 30 is the float default 30.0
    alpha = Config.model_validate({"tune": {"params": [
        {"section": "rapm", "name": "alpha", "type": "categorical", "choices": [10, 30, 100]}]}})
    assert config_values(alpha) == {"rapm.alpha": 30}
    assert trial_config(alpha, {"rapm.alpha": 100}).rapm.alpha == 100.0
    for param, message in (
        ({"section": "playoff_rotation", "name": "max_missed_games", "type": "categorical",
          "choices": [10, -1]}, "choice -1 is not a valid value"),
        ({"section": "blend", "name": "postseason_combine", "type": "categorical",
          "choices": ["mean", "median"]}, "choice 'median' is not a valid value"),
        ({"section": "blend", "name": "postseason_combine", "low": 0, "high": 1},
         "not a number: give type: categorical"),
        ({"section": "rapm", "name": "alpha", "type": "categorical", "choices": [10.0, 10.0]},
         "listed twice"),
        ({"section": "rapm", "name": "alpha", "type": "categorical", "choices": [10, 10.0]},
         "listed twice"),
        ({"section": "rapm", "name": "box_prior", "type": "categorical", "choices": [True, 1]},
         "listed twice"),
        ({"section": "rapm", "name": "alpha", "type": "categorical", "choices": [10.0],
          "low": 1}, "takes choices, not low/high"),
        ({"section": "rapm", "name": "alpha", "choices": [10.0]}, "need type: categorical"),
        ({"section": "rapm", "name": "alpha"}, "needs low and high"),
        ({"section": "blend", "name": "postseason_inputs", "type": "categorical",
          "choices": ["srs", "srs,538"]}, "choice 'srs,538' is not a valid value"),
        ({"section": "blend", "name": "postseason_inputs", "type": "categorical",
          "choices": ["srs", 1]}, "comma-joined string"),
        ({"section": "playoff_rotation", "name": "max_missed_games", "low": 5, "high": 20},
         "whole number: give type: int"),
    ):
        with pytest.raises(ValidationError, match=message):
            Config.model_validate({"tune": {"params": [param]}})
    with pytest.raises(ValidationError, match="tune.predictor is for the regular objective"):
        Config.model_validate({"tune": {"objective": "postseason", "predictor": "rapm"}})


def test_an_unknown_predictor_or_useless_seeds_are_refused_before_any_trial(synth_league,
                                                                             tmp_path):
    with pytest.raises(ConfigError, match=r"unknown predictor\(s\) \['modle_a'\]"):
        plan_tune(synth_league, fast_config(tmp_path, predictor="modle_a"))
    for kw in ({"predictor": "rapm"}, {"objective": "postseason", "params": [
            {"section": "playoff_rotation", "name": "power", "low": 1.0, "high": 5.0}]}):
        with pytest.raises(ConfigError, match="every seed would score the same"):
            plan_tune(synth_league, fast_config(tmp_path, seeds=2, **kw))
    plan_tune(synth_league, fast_config(tmp_path, seeds=2, predictor="model_ab"))


def test_a_trial_the_data_cannot_serve_fails_alone(synth_league, tmp_path, monkeypatch):
    real = tune_mod.score

    def score(view, validation, config):
        if config.baselines.fit_seasons == 2:
            raise DataError("2016-17: too few postseason games before it")
        return real(view, validation, config)

    monkeypatch.setattr(tune_mod, "score", score)
    got = fit_seasons_study(synth_league, tmp_path, n_trials=3)
    states = {t.params["baselines.fit_seasons"]: (t.state, t.error) for t in got.trials}
    assert states[2] == ("FAIL", "DataError: 2016-17: too few postseason games before it")
    assert states[1][0] == "COMPLETE" and got.best.params == {"baselines.fit_seasons": 1}


def test_a_study_made_for_another_objective_is_refused(synth_league, tmp_path):
    a = plan_tune(synth_league, fast_config(tmp_path))
    storage = open_storage(a.config.tune.storage)
    study, seed = _open_study(a, storage, "test", synth_league.data_hash)
    assert seed == a.config.tune.seed  # the creator is reproducible from tune.seed
    assert study.user_attrs["validation"] == ["2016-17"]
    _, joiner_seed = _open_study(a, storage, "test", synth_league.data_hash)  # same: joins
    assert isinstance(joiner_seed, int)
    other = TuneSpec(fast_config(tmp_path, params=[{"name": "lr", "low": 1e-3, "high": 1e-2}]),
                     a.validation)
    with pytest.raises(ConfigError, match="different objective.*search_space"):
        _open_study(other, storage, "test", synth_league.data_hash)
    with pytest.raises(ConfigError, match="data_hash"):
        _open_study(a, storage, "test", "another-store")


def test_an_unreachable_storage_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="is not a database URL"):
        open_storage("not a url")
    with pytest.raises(RunError, match="cannot open the study storage "
                       r"postgresql://u:\*\*\*@127.0.0.1:1/x") as got:
        open_storage("postgresql://u:secret@127.0.0.1:1/x")
    assert "secret" not in str(got.value)


# --- end to end -----------------------------------------------------------------------------

@pytest.mark.slow
def test_tune_end_to_end_on_sqlite(synth_league, tmp_path, monkeypatch):
    seen = []
    real_backtest = tune_mod.backtest

    def spy(data, predictors, settings, *args, **kw):
        seen.append((list(data.seasons), list(settings.test_seasons), list(predictors)))
        return real_backtest(data, predictors, settings, *args, **kw)

    monkeypatch.setattr(tune_mod, "backtest", spy)
    cfg = fast_config(tmp_path, n_trials=2)
    got = run_tune(synth_league, plan_tune(synth_league, cfg, command="truestrength tune"))

    # the objective never saw the test season: not scored, not even in the data it was given
    assert seen == [(["2015-16", "2016-17"], ["2016-17"], ["model_a"])] * 2
    assert (tmp_path / "study" / "optuna.db").is_file()
    study = optuna.load_study(study_name="model_a", storage=cfg.tune.storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 2
    for t in complete:
        assert math.isfinite(t.value) and 0.3 < t.value < 1.5
        assert set(t.params) == {p.key for p in cfg.tune.params}
        assert t.user_attrs["data_hash"] == synth_league.data_hash
        assert t.user_attrs["code_version"].startswith(truestrength.__version__)
        assert t.user_attrs["by_season"] == {"2016-17": pytest.approx(t.value)}
    # the first trial is the configuration's own values; a second setting was tried too
    assert complete[0].params == config_values(cfg) == {
        p.key: getattr(getattr(cfg, p.section), p.name) for p in cfg.tune.params}
    assert complete[0].params != complete[1].params
    assert got.best.value == min(t.value for t in complete) == study.best_value

    report = json.loads((tmp_path / "out" / "tune.json").read_text())
    assert len(report["trials"]) == 2 and report["validation"] == ["2016-17"]
    assert report["best"]["params"] == study.best_params
    md = (tmp_path / "out" / "tune.md").read_text()
    assert "`truestrength tune`" in md and "| 1 | COMPLETE |" in md

    # the printed snippet is a configuration file that sets the best values
    pasted = tmp_path / "best.yaml"
    pasted.write_text(got.best_yaml())
    best = load_config(pasted)
    for key, value in study.best_params.items():
        section, name = key.split(".")
        assert getattr(getattr(best, section), name) == value


def test_the_postseason_objective_scores_the_blend_on_validation_playoffs_only(
        synth_league, tmp_path, monkeypatch):
    seen, real = [], tune_mod.forecast_postseason

    def spy(data, season, config, rapm):
        seen.append((list(data.seasons), season))
        return real(data, season, config, rapm)

    monkeypatch.setattr(tune_mod, "forecast_postseason", spy)
    space = [{"section": "playoff_rotation", "name": "power", "low": 0.5, "high": 5.0},
             {"section": "blend", "name": "postseason_combine", "type": "categorical",
              "choices": ["fitted", "mean"]},
             {"section": "blend", "name": "postseason_inputs", "type": "categorical",
              "choices": ["rapm", "srs,rapm"]}]
    cfg = fast_config(tmp_path, objective="postseason", params=space, n_trials=4)
    got = run_tune(synth_league, plan_tune(synth_league, cfg))

    # never the test season 2017-18, not even as data
    assert seen == [(["2015-16", "2016-17"], "2016-17")] * 4
    done = [t for t in got.trials if t.state == "COMPLETE"]
    assert len(done) == 4 and "play-in and playoff" in got.objective
    # the first trial is the defaults, scored as the blend alone scores them
    assert done[0].params == {"playoff_rotation.power": 4.9, "blend.postseason_combine": "mean",
                              "blend.postseason_inputs": "rapm"}
    view = synth_league.restrict_seasons(["2015-16", "2016-17"])
    direct = real(view, "2016-17", cfg, Rapm(cfg.rapm))
    assert done[0].value == pytest.approx(direct.log_losses.mean())
    assert 86 < len(direct.games) < 100  # the season's play-in and playoff games
    # the objective reads the settings: other settings, other values
    assert len({round(t.value, 10) for t in done}) == 4
    # the winner against the base configuration, paired on the same games
    vs = got.best_vs_first
    assert (vs.first, vs.best, vs.games) == (0, got.best.number, len(direct.games))
    assert vs.diff == pytest.approx(got.best.value - done[0].value, abs=1e-6)
    assert vs.low <= vs.diff <= vs.high and vs.separable == (vs.high < 0)
    assert "paired bootstrap" in (tmp_path / "out" / "tune.md").read_text()
    md = (tmp_path / "out" / "tune.md").read_text()
    assert "| fitted |" in md or "| mean |" in md
    # a list setting's drawn string is a list again in the configuration the trial ran and
    # in the snippet to paste
    assert trial_config(cfg, done[1].params).blend.postseason_inputs == (
        done[1].params["blend.postseason_inputs"].split(","))
    pasted = tmp_path / "best.yaml"
    pasted.write_text(got.best_yaml())
    assert ",".join(load_config(pasted).blend.postseason_inputs) == got.best.params[
        "blend.postseason_inputs"]


def test_the_regular_objective_scores_the_named_predictor(synth_league, tmp_path, monkeypatch):
    seen, real_backtest = [], tune_mod.backtest

    def spy(data, predictors, settings, *args, **kw):
        result = real_backtest(data, predictors, settings, *args, **kw)
        seen.append((list(predictors), tune_mod.pooled_regular_log_loss(result, "rapm").pooled))
        return result

    monkeypatch.setattr(tune_mod, "backtest", spy)
    space = [{"section": "rapm", "name": "alpha", "low": 1.0, "high": 300.0, "log": True}]
    got = run_tune(synth_league, plan_tune(synth_league, fast_config(
        tmp_path, predictor="rapm", params=space, n_trials=2)))
    assert [p for p, _ in seen] == [["rapm"], ["rapm"]]
    assert [t.value for t in got.trials] == pytest.approx([v for _, v in seen])
    assert seen[0][1] != seen[1][1] and "log loss of rapm" in got.objective


def test_settings_already_scored_are_not_scored_again(synth_league, tmp_path, monkeypatch):
    calls, real = [], tune_mod.score

    def spy(view, validation, config):
        calls.append(config.baselines.fit_seasons)
        return real(view, validation, config)

    monkeypatch.setattr(tune_mod, "score", spy)
    got = fit_seasons_study(synth_league, tmp_path, n_trials=6)
    assert sorted(calls) == [1, 2]  # six trials, two settings, two backtests
    for t in got.trials:
        first = next(u for u in got.trials if u.params == t.params)
        assert t.value == first.value and t.by_season == first.by_season
        assert t.repeat_of == (None if t is first else first.number)
    assert "as trial" in (tmp_path / "out" / "tune.md").read_text()


def test_a_trial_is_the_mean_over_model_a_seeds(synth_league, tmp_path, monkeypatch):
    seen, real_backtest = [], tune_mod.backtest

    def spy(data, predictors, settings, *args, **kw):
        result = real_backtest(data, predictors, settings, *args, **kw)
        seen.append((predictors["model_a"]().config.model_a.seed,
                     tune_mod.pooled_regular_log_loss(result).pooled))
        return result

    monkeypatch.setattr(tune_mod, "backtest", spy)
    got = run_tune(synth_league, plan_tune(synth_league, fast_config(tmp_path, n_trials=1,
                                                                      seeds=2)))
    assert [s for s, _ in seen] == [0, 1]
    assert seen[0][1] != seen[1][1]  # another seed, another network
    assert got.best.value == pytest.approx((seen[0][1] + seen[1][1]) / 2)


# --- two workers, one study, a real PostgreSQL server ------------------------------------

@pytest.fixture(scope="session")  # session: resolved before the synthetic league is built
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = (f"{POSTGRES_ENV} is not set: no PostgreSQL server to test the shared study "
                   "on (.ci/run starts one)")
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must not skip this test")
        pytest.skip(message)
    return url


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_share_one_study_on_postgres(postgres_url, synth_dir, tmp_path):
    study = f"test-{uuid.uuid4().hex[:12]}"  # the server may outlive this run
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(yaml.safe_dump({
        "model_a": FAST_A, "roster": {"cache_dir": None},
        "tune": {"before_season": "2017-18", "validation_seasons": 1, "n_startup_trials": 2,
                 "params": FAST_SPACE},
    }))
    src = str(Path(truestrength.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    workers = [subprocess.Popen(
        [sys.executable, "-m", "truestrength.cli", "tune", "--db", str(synth_db(synth_dir)),
         "--storage", postgres_url, "--study", study, "--trials", "1", "-c", str(cfg),
         "--out", str(tmp_path / f"out{i}")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(2)]
    outputs = [w.communicate(timeout=900)[0] for w in workers]
    for w, out in zip(workers, outputs, strict=True):
        assert w.returncode == 0, out
    pids = {str(w.pid) for w in workers}

    shared = optuna.load_study(study_name=study, storage=postgres_url)
    trials = shared.trials
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2
    assert all(math.isfinite(t.value) for t in trials)
    # one trial from each worker process, and different settings tried
    assert {t.user_attrs["worker"].rsplit(":", 1)[1] for t in trials} == pids
    assert trials[0].params != trials[1].params
    # whichever finished last reports both workers' trials
    reports = [json.loads((tmp_path / f"out{i}" / "tune.json").read_text()) for i in range(2)]
    assert max(len(r["trials"]) for r in reports) == 2
    password = make_url(postgres_url).password
    if password:
        for i, r in enumerate(reports):
            assert f":{password}@" not in json.dumps(r)
            assert f":{password}@" not in (tmp_path / f"out{i}" / "tune.md").read_text()
            assert "--storage" in r["command"] and ":***@" in r["command"]
    optuna.delete_study(study_name=study, storage=postgres_url)
