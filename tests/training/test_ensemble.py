"""A+B: the blend's weights are what prediction uses, fitted on out-of-fold games only; Elo
enters from games before the date only; a saved run predicts exactly as the fitted one; a run
refuses a configuration it was not trained in."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from truestrength.base import ratings
from truestrength.base.availability import Availability, PlayerAvailability
from truestrength.base.config import (
    BlendSection,
    Config,
    ModelASection,
    ModelBSection,
    PlayoffRotationSection,
)
from truestrength.base.errors import NotFittedError, RunError
from truestrength.models.baselines import Elo
from truestrength.models.rapm import Rapm
from truestrength.training.ensemble import ENSEMBLE_FORMAT, EnsembleAB, run_config

FAST = Config(model_a=ModelASection(epochs=2, threads=1, refit_on_all=False,
                                    epochs_without_holdout=2),
              model_b=ModelBSection(n_estimators=40, early_stopping_rounds=10,
                                    trees_without_holdout=20),
              # two postseason inputs: the mean of their fits is what is tested
              blend=BlendSection(inputs=["model_a", "model_b", "elo"],
                                 postseason_inputs=["srs", "rapm"]))


@pytest.fixture(scope="module")
def fitted(synth_league):
    return EnsembleAB(FAST).fit(synth_league.restrict_seasons(synth_league.seasons[:2]))


@pytest.fixture(scope="module")
def as_of(synth_league):
    season = synth_league.seasons[2]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    return season, pd.Timestamp(dates[40])


def z(s: pd.Series) -> pd.Series:
    return (s - s.mean()) / s.std(ddof=0)


def test_blend_is_fitted_on_out_of_fold_games_only(fitted, synth_league):
    oof = fitted.fit_.oof
    # season 1 is scored by models trained on season 0 alone; season 0 has no fold
    assert sorted(oof["season"].unique()) == synth_league.seasons[1:2]
    assert {"model_a", "model_b", "elo", "stacked"} <= set(oof.columns)
    st = fitted.fit_.stacker
    assert set(st.candidates) == {"blend", "model_a", "model_b", "elo"}
    assert set(st.nested_log_loss) == set(st.candidates)
    # a single input is published only when the blend trailed the best one forward-chained
    # by more than fallback_z standard errors
    best_single = min(st.nested_log_loss[m] for m in ("model_a", "model_b", "elo"))
    assert st.nested_margin == pytest.approx(st.nested_log_loss["blend"] - best_single,
                                             abs=1e-12)
    assert st.fallback_z == FAST.blend.fallback_z > 0
    if st.choice == "blend":
        assert st.nested_margin <= st.fallback_z * st.nested_margin_se
        assert st.models == ("model_a", "model_b", "elo")
    else:
        assert st.nested_margin > st.fallback_z * st.nested_margin_se
        assert st.nested_log_loss[st.choice] == best_single and st.models == (st.choice,)
    # out-of-fold standings games of season 1: each one a row of the fit
    games = synth_league.standings_games(synth_league.seasons[1])
    assert st.published.n_games == len(games)
    assert fitted.train_seasons == synth_league.seasons[:2]


def test_oof_elo_is_each_dates_rating_from_earlier_games(fitted, synth_league):
    oof = fitted.fit_.oof
    for date in sorted(oof["date"].unique())[::40]:
        rows = oof[oof["date"] == date].set_index("team_id")["elo"]
        season = oof.loc[oof["date"] == date, "season"].iloc[0]
        want = ratings.elo_ratings_before(synth_league.games, date, season)
        np.testing.assert_allclose(rows, want.reindex(rows.index).fillna(1500.0))


def test_prediction_is_the_weighted_blend_and_carries_its_inputs(fitted, synth_league, as_of):
    season, date = as_of
    pred = fitted.predict(synth_league.before(date), season, date)
    a, b, e = (pred.components[m] for m in ("model_a", "model_b", "elo"))
    teams = synth_league.teams_of_season(season)
    assert sorted(a.index) == sorted(b.index) == sorted(pred.scores.index) == teams
    x = {"model_a": z(a), "model_b": z(b.reindex(a.index)),
         "elo": (e.reindex(a.index) - e.mean()) / 100.0}
    st = fitted.fit_.stacker
    want = sum(w * x[m] for m, w in zip(st.models, st.weights, strict=True))
    # Model A scores in float32: equal to float32 precision
    np.testing.assert_allclose(pred.scores.reindex(a.index), want, rtol=1e-6, atol=1e-6)
    # P(home wins) = sigmoid(home edge + strength_home - strength_road)
    home, road = np.array(teams[:3]), np.array(teams[3:6])
    p = pred.win_prob(home, road, np.zeros(3, bool))
    logit = (st.published.home_advantage + pred.scores.reindex(home).to_numpy()
             - pred.scores.reindex(road).to_numpy())
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-logit)), rtol=1e-12)
    assert ((p > 0) & (p < 1)).all()
    # Model A's attention of the same pass: one row per team, weights summing to 1
    att = pred.attention
    assert sorted(att.team_ids.tolist()) == teams
    np.testing.assert_allclose(np.where(att.mask, att.weights, 0).sum(axis=1), 1.0, rtol=1e-5)


def test_elo_at_predict_time_reads_only_games_before_the_date(fitted, synth_league, as_of):
    season, date = as_of
    later = synth_league.games["game_date"] >= date
    assert later.sum() > 100  # the full league does hold the date's and later games
    with_future = fitted.predict(synth_league, season, date).components["elo"]
    before = fitted.predict(synth_league.before(date), season, date).components["elo"]
    pd.testing.assert_series_equal(with_future, before)
    # and it is the elo baseline's rating at that date
    baseline = Elo().predict(synth_league.before(date), season, date).scores
    np.testing.assert_allclose(before, baseline.reindex(before.index))


def test_saved_run_predicts_the_same_and_refuses_another_config(fitted, synth_league, as_of,
                                                                 tmp_path):
    season, date = as_of
    run = fitted.save(tmp_path / "run")
    loaded = EnsembleAB.load(run, expect=FAST)
    known = synth_league.before(date)
    np.testing.assert_allclose(loaded.predict(known, season, date).scores,
                               fitted.predict(known, season, date).scores, rtol=1e-6)
    other = FAST.model_copy(update={"model_b": FAST.model_b.model_copy(
        update={"max_depth": 5})})
    with pytest.raises(RunError, match="model_b.max_depth: trained 2 vs config 5"):
        EnsembleAB.load(run, expect=other)
    # runtime settings may differ
    threads = FAST.model_copy(update={"model_a": FAST.model_a.model_copy(
        update={"threads": 2})})
    EnsembleAB.load(run, expect=threads)
    with pytest.raises(RunError, match="not a trained run"):
        EnsembleAB.load(tmp_path / "nowhere")


def test_saved_run_is_json_and_plain_weights_and_an_old_run_says_retrain(fitted, tmp_path):
    run = fitted.save(tmp_path / "run")
    assert sorted(p.name for p in run.rglob("*") if p.is_file()) == [
        "booster.json", "ensemble.json", "model_a.json", "model_a.pt", "model_b.json",
        "oof_scores.csv.gz"]
    meta = json.loads((run / "ensemble.json").read_text())
    assert meta["format"] == ENSEMBLE_FORMAT == "truestrength-ensemble/4"
    assert meta["stacker"]["published"]["weights"] == fitted.fit_.stacker.weights.tolist()
    assert meta["stacker"]["choice"] == fitted.fit_.stacker.choice
    assert set(meta["stacker"]["nested_log_loss"]) == {"blend", "model_a", "model_b", "elo"}
    # a run written by the previous version (the ridge on final ranks): refused by both ways
    # in, with the way out
    (run / "ensemble.json").write_text(json.dumps({**meta, "format": "truestrength-ensemble/3"}))
    for open_run in (EnsembleAB.load, run_config):
        with pytest.raises(RunError, match=r"format truestrength-ensemble/3.*retrain"):
            open_run(run)
    # Model B's booster is read as XGBoost JSON; a damaged one is a RunError, not a crash
    (run / "ensemble.json").write_text(json.dumps(meta))
    (run / "model_b" / "booster.json").write_text("{")
    with pytest.raises(RunError, match="booster.json: not a readable XGBoost JSON model"):
        EnsembleAB.load(run)


def test_predict_before_fit_is_a_bug_not_a_user_error(synth_league, as_of):
    season, date = as_of
    with pytest.raises(NotFittedError):
        EnsembleAB(FAST).predict(synth_league.before(date), season, date)


def busiest_player_out(model: EnsembleAB, known, season: str, date: pd.Timestamp,
                       base) -> tuple[int, int, object]:
    """The season's busiest player so far out: (player, his team, the prediction), checked
    equal, inputs and all, whether scored afresh or reusing ``base``'s Model B and Elo."""
    pl = known.player_logs[known.player_logs["season"] == season]
    star = int(pl.groupby("player_id")["minutes"].sum().idxmax())
    team = int(pl.loc[pl["player_id"] == star].sort_values("game_date")["team_id"].iloc[-1])
    out = Availability((PlayerAvailability(star, "star", team, "out", "test", True),))
    fresh = model.predict(known, season, date, availability=out)
    reused = model.predict(known, season, date, availability=out, base=base)
    pd.testing.assert_series_equal(reused.scores, fresh.scores)
    assert list(reused.components) == list(fresh.components)
    for m, part in fresh.components.items():
        pd.testing.assert_series_equal(reused.components[m], part)
    return star, team, fresh


def test_rescoring_another_availability_reuses_b_and_elo_and_changes_only_a(fitted,
                                                                             synth_league,
                                                                             as_of):
    season, date = as_of
    known = synth_league.before(date)
    base = fitted.predict(known, season, date)
    star, team, fresh = busiest_player_out(fitted, known, season, date, base)
    assert fresh.components["model_a"][team] != base.components["model_a"][team]


def test_every_date_at_once_is_each_dates_prediction_from_the_games_before_it(fitted,
                                                                              synth_league):
    # The backtest predicts a season's dates in one call; each must be the prediction made
    # from the games before its date only (season three is the data's last: after each date
    # lie that season's remaining games and playoffs, which must not reach it).
    season = synth_league.seasons[2]
    g = synth_league.games[synth_league.games["season"] == season]
    days = sorted(g["game_date"].unique())
    dates = [pd.Timestamp(d) for d in [*days[:2], *days[10::25], days[-1]]]
    batch = fitted.predict_dates(synth_league, season, dates)
    assert len(batch) == len(dates)
    for date, got in zip(dates, batch, strict=True):
        want = fitted.predict(synth_league.before(date), season, date)
        pd.testing.assert_series_equal(got.scores, want.scores, atol=1e-6, rtol=0)
        for name, part in want.components.items():
            # Model A scores float32 snapshots in batches of another size: the last bits move
            tol = 1e-6 if name == "model_a" else 0.0
            pd.testing.assert_series_equal(got.components[name], part, atol=tol, rtol=0)
        day = g[g["game_date"] == date]
        args = (day["home_team_id"].to_numpy(), day["road_team_id"].to_numpy(),
                day["neutral_site"].to_numpy(bool))
        np.testing.assert_allclose(got.win_prob(*args), want.win_prob(*args), atol=1e-6)
        np.testing.assert_array_equal(got.attention.player_ids, want.attention.player_ids)
        np.testing.assert_allclose(got.attention.weights, want.attention.weights, atol=1e-6)
    # a season's later games do move its later predictions: the dates differ from each other
    assert not batch[0].scores.equals(batch[-1].scores)


@pytest.fixture(scope="module")
def fitted_with_rapm(synth_league):
    """A+B with RAPM among the blend's inputs, the blend of all four published (whatever the
    forward-chained check chose on this small league), so that prediction reads RAPM."""
    config = FAST.model_copy(update={"blend": FAST.blend.model_copy(
        update={"inputs": ["model_a", "model_b", "elo", "rapm"]})})
    model = EnsembleAB(config).fit(synth_league.restrict_seasons(synth_league.seasons[:2]))
    st = model.fit_.stacker
    model.fit_.stacker = dataclasses.replace(st, published=st.candidates["blend"],
                                             choice="blend")
    return model


def test_oof_rapm_is_each_dates_rating_from_earlier_games(fitted_with_rapm, synth_league):
    oof = fitted_with_rapm.fit_.oof
    assert set(fitted_with_rapm.fit_.stacker.candidates) == {"blend", "model_a", "model_b",
                                                             "elo", "rapm"}
    rapm = Rapm(fitted_with_rapm.config.rapm)
    for date in sorted(oof["date"].unique())[::50]:
        rows = oof[oof["date"] == date].set_index("team_id")["rapm"]
        want = rapm.ratings(synth_league.before(date), date)
        np.testing.assert_allclose(rows, want.reindex(rows.index).fillna(0.0), atol=1e-12)
    assert oof["rapm"].std() > 0


def test_rapm_in_the_blend_reads_who_is_out_and_only_earlier_games(fitted_with_rapm,
                                                                   synth_league, as_of):
    season, date = as_of
    model = fitted_with_rapm
    known = synth_league.before(date)
    base = model.predict(known, season, date)
    assert model.fit_.stacker.models == ("model_a", "model_b", "elo", "rapm")
    r = base.components["rapm"]
    np.testing.assert_allclose(r, Rapm(model.config.rapm).ratings(known, date)
                               .reindex(r.index).fillna(0.0), atol=1e-12)
    x = {"model_a": z(base.components["model_a"]), "model_b": z(base.components["model_b"]),
         "elo": (base.components["elo"] - base.components["elo"].mean()) / 100.0,
         "rapm": (r - r.mean()) / 5.0}
    st = model.fit_.stacker
    want = sum(w * x[m] for m, w in zip(st.models, st.weights, strict=True))
    np.testing.assert_allclose(base.scores, want.reindex(base.scores.index), atol=1e-6)
    # the future, handed over uncut, changes nothing
    pd.testing.assert_series_equal(model.predict(synth_league, season, date).scores,
                                   base.scores)
    # the busiest player out: RAPM's rating of his team moves, nobody else's
    star, team, fresh = busiest_player_out(model, known, season, date, base)
    moved = fresh.components["rapm"] != r
    assert moved.tolist() == (r.index == team).tolist()
    # traded on the date to another team: both teams' RAPM moves; traded later: nothing does
    other = int(r.index[r.index != team][0])
    for since, changed in ((date, {team, other}), (date + pd.Timedelta(days=1), set())):
        trade = Availability((PlayerAvailability(star, "star", other, "traded", "test", False,
                                                 from_team_id=team, since=since),))
        got = model.predict(known, season, date, availability=trade, base=base)
        assert set(r.index[got.components["rapm"] != r]) == changed
    # the batch of dates is each date's prediction
    batch = model.predict_dates(synth_league, season, [date])[0]
    pd.testing.assert_series_equal(batch.components["rapm"], r, atol=1e-12, rtol=0)
    pd.testing.assert_series_equal(batch.scores, base.scores, atol=1e-6, rtol=0)


def test_phases_built_at_once_are_each_phase_predicted_alone(fitted_with_rapm, synth_league,
                                                             as_of):
    model = fitted_with_rapm
    season, date = as_of
    known = synth_league.before(date)
    base = model.predict(known, season, date)
    pl = known.player_logs[known.player_logs["season"] == season]
    mins = pl.groupby(["player_id", "team_id"])["minutes"].sum().sort_values(ascending=False)
    (p1, t1), (p2, _) = mins.index[0], mins.index[1]
    other = int(base.scores.index[base.scores.index != t1][0])

    def out(*pids):
        return [PlayerAvailability(int(p), "P", 0, "out", "test", True, None) for p in pids]

    phases = [Availability(), Availability(tuple(out(p1))), Availability(tuple(out(p1, p2))),
              Availability((PlayerAvailability(int(p1), "P", other, "traded", "test", False,
                                               from_team_id=int(t1), since=date),))]
    got = model.predict_phases(known, season, date, phases, base=base)
    assert len(got) == len(phases)
    for a, g in zip(phases, got, strict=True):
        want = model.predict(known, season, date, availability=a, base=base)
        for m in ("model_a", "rapm"):
            pd.testing.assert_series_equal(g.components[m], want.components[m])
        pd.testing.assert_series_equal(g.scores, want.scores)
        np.testing.assert_array_equal(g.attention.player_ids, want.attention.player_ids)
    # the phases differ, so no phase was given another's rosters
    assert len({tuple(g.components["model_a"].round(9)) for g in got}) == len(phases)
    with pytest.raises(ValueError, match="postseason"):
        model.predict_phases(known, season, date, [Availability().for_postseason(date, None)],
                             base=base)
    with pytest.raises(ValueError, match="postseason"):
        on = PlayoffRotationSection(enabled=True)
        model.model_a.predict_phases(known, season, date,
                                     [Availability().for_postseason(date, on)])


def test_the_postseason_is_forecast_by_the_postseason_blend(fitted, synth_league, as_of,
                                                            tmp_path):
    season, date = as_of
    post = fitted.fit_.postseason
    assert fitted.has_postseason and post.inputs == ["srs", "rapm"]
    assert post.seasons == tuple(synth_league.seasons[:2])
    known = synth_league.before(date)
    pl = known.player_logs[known.player_logs["season"] == season]
    gone = PlayerAvailability(int(pl.groupby("player_id")["minutes"].sum().idxmax()), "P", 0,
                              "out", "injuries file", True, None)
    got = fitted.predict(known, season, date, availability=Availability((gone,)).for_postseason(
        date, None))
    want, frame = post.strengths(known, season, date, fitted.config, Rapm(fitted.config.rapm),
                                 out=frozenset({gone.player_id}))
    pd.testing.assert_series_equal(got.scores, want)
    pd.testing.assert_series_equal(got.components["rapm"], frame["rapm"])
    teams = np.array(want.index)
    np.testing.assert_allclose(
        got.win_prob(teams[:1], teams[1:2], np.array([False])),
        post.win_model.predict_proba(want.iloc[0] - want.iloc[1]))
    # the regular season is not: without the postseason flag, the regular blend
    regular = fitted.predict(known, season, date, availability=Availability((gone,)))
    assert not np.allclose(regular.scores, got.scores)
    # a saved run forecasts the same postseason; the train line names both blends
    again = EnsembleAB.load(fitted.save(tmp_path / "run"))
    pd.testing.assert_series_equal(
        again.predict(known, season, date, availability=Availability().for_postseason(
            date, None)).scores,
        fitted.predict(known, season, date, availability=Availability().for_postseason(
            date, None)).scores)
    assert fitted.describe().splitlines()[1].startswith(
        "postseason: published the mean of each input's own fit")
    # a run saved before the postseason blend forecasts the postseason by the regular one
    meta = json.loads((tmp_path / "run" / "ensemble.json").read_text())
    del meta["postseason"]
    (tmp_path / "run" / "ensemble.json").write_text(json.dumps(meta))
    old = EnsembleAB.load(tmp_path / "run")
    assert not old.has_postseason
    assert "no postseason blend" in old.describe().splitlines()[1]
    pd.testing.assert_series_equal(
        old.predict(known, season, date, availability=Availability().for_postseason(
            date, None)).scores,
        fitted.predict(known, season, date, availability=Availability()).scores)
    # a run saved before the RAPM's box prior was trained without it
    meta["config"]["rapm"].pop("box_prior")
    (tmp_path / "run" / "ensemble.json").write_text(json.dumps(meta))
    assert fitted.config.rapm.box_prior and not run_config(tmp_path / "run").rapm.box_prior
