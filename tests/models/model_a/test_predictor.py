"""Model A end to end on the synthetic league: fit, predict, checkpoint, config mismatch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from truestrength.base.config import Config, ModelASection
from truestrength.base.errors import NotFittedError, RunError
from truestrength.base.league import LeagueData
from truestrength.base.memo import reusing_fits
from truestrength.features.roster import build_snapshots
from truestrength.features.scaling import FeatureScaler
from truestrength.models.model_a.predictor import (
    CHECKPOINT_FORMAT,
    FittedModelA,
    ModelA,
    meta_path,
)
from truestrength.models.model_a.vocab import UNK_INDEX

torch.set_num_threads(1)
FAST = Config(model_a=ModelASection(epochs=3, threads=1, refit_on_all=False))


@pytest.fixture(scope="module")
def fitted(synth_league):
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    return ModelA(FAST).fit(train)


def test_predict_scores_every_team_from_games_before_the_date(fitted, synth_league):
    season = synth_league.seasons[2]
    dates = sorted(synth_league.games.loc[synth_league.games["season"] == season,
                                          "game_date"].unique())
    as_of = pd.Timestamp(dates[40])
    pred = fitted.predict(synth_league.before(as_of), season, as_of)
    assert sorted(pred.scores.index) == synth_league.teams_of_season(season)
    assert np.isfinite(pred.scores).all() and pred.scores.std() > 0
    p = pred.win_prob(np.array(pred.scores.index[:3]), np.array(pred.scores.index[3:6]),
                      np.zeros(3, bool))
    assert ((p > 0) & (p < 1)).all()
    # the same call on the full data gives the same answer: nothing after as_of is used
    again = fitted.predict(synth_league, season, as_of)
    pd.testing.assert_series_equal(pred.scores, again.scores)


def test_checkpoint_round_trip_and_config_mismatch(fitted, synth_league, tmp_path):
    path = fitted.fitted_.save(tmp_path / "model_a.pt")
    loaded = FittedModelA.load(path, expect=FAST)
    season = synth_league.seasons[1]
    snaps = build_snapshots(synth_league, [season])
    a, _ = fitted.fitted_.score(snaps)
    b, _ = loaded.score(snaps)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert loaded.vocab == fitted.fitted_.vocab
    assert loaded.train_seasons == synth_league.seasons[:2]
    other = Config(model_a=ModelASection(epochs=3, threads=1, refit_on_all=False,
                                         hidden_dim=64))
    with pytest.raises(RunError, match="model_a.hidden_dim: trained 32 vs config 64"):
        FittedModelA.load(path, expect=other)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(RunError, match="older format .* retrain"):
        FittedModelA.load(bad)
    meta_path(bad).write_text("{not json")
    with pytest.raises(RunError, match="bad.json: not a readable Model A checkpoint"):
        FittedModelA.load(bad)


def test_checkpoint_is_weights_plus_json_and_predicts_the_same(fitted, synth_league,
                                                               tmp_path):
    """The .pt holds nothing but named tensors; everything else is plain JSON beside it."""
    path = fitted.fitted_.save(tmp_path / "run" / "model_a.pt")
    meta = json.loads((tmp_path / "run" / "model_a.json").read_text())
    assert meta["format"] == CHECKPOINT_FORMAT == "truestrength-model-a/3"
    assert meta["vocab"]["player_ids"] == fitted.fitted_.vocab.to_dict()["player_ids"]
    state = torch.load(path, weights_only=True)
    assert type(state) is dict and all(isinstance(v, torch.Tensor) for v in state.values())
    assert state.keys() == fitted.fitted_.model.state_dict().keys()
    loaded = FittedModelA.load(path)
    assert loaded.history == fitted.fitted_.history
    assert loaded.win_model == fitted.fitted_.win_model
    for season in synth_league.seasons:
        snaps = build_snapshots(synth_league, [season])
        (a, att_a), (b, att_b) = fitted.fitted_.score(snaps), loaded.score(snaps)
        np.testing.assert_array_equal(a, b)  # same weights, same code: bit for bit
        np.testing.assert_array_equal(att_a, att_b)


class _WritesMarker:
    """Unpickling this runs ``Path.touch(marker)``: a harmless stand-in for hostile code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_checkpoint_carrying_a_pickled_object_is_refused_unopened(fitted, tmp_path):
    marker = tmp_path / "code_ran"
    # The trap works: opened the unsafe way, it runs (the pre-/3 loader did exactly this).
    trap = tmp_path / "trap.pt"
    torch.save({"x": _WritesMarker(marker)}, trap)
    torch.load(trap, weights_only=False)
    assert marker.exists()
    marker.unlink()
    # A genuine checkpoint whose weights file is replaced by one carrying the object, with
    # its metadata's SHA-256 updated to match (whoever crafts the folder controls both).
    path = fitted.fitted_.save(tmp_path / "run" / "model_a.pt")
    state = {k: v for k, v in fitted.fitted_.model.state_dict().items()}
    state["payload"] = _WritesMarker(marker)
    torch.save(state, path)
    meta = json.loads(meta_path(path).read_text())
    meta["weights_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    meta_path(path).write_text(json.dumps(meta))
    with pytest.raises(RunError, match="refused: the file holds objects other than tensors"):
        FittedModelA.load(path)
    assert not marker.exists()
    # The old one-file format (everything pickled together, no JSON) is refused unread.
    old = tmp_path / "old" / "model_a.pt"
    old.parent.mkdir()
    torch.save({"format": "truestrength-model-a/2", "payload": _WritesMarker(marker)}, old)
    with pytest.raises(RunError, match=r"older format.*can run code.*retrain"):
        FittedModelA.load(old)
    assert not marker.exists()


def test_checkpoint_refuses_mismatched_or_missing_parts(fitted, tmp_path):
    path = fitted.fitted_.save(tmp_path / "model_a.pt")
    meta = json.loads(meta_path(path).read_text())
    # weights changed after saving: the recorded SHA-256 no longer matches
    state = fitted.fitted_.model.state_dict()
    torch.save({k: v + 1 for k, v in state.items()}, path)
    with pytest.raises(RunError, match="do not match model_a.json"):
        FittedModelA.load(path)
    # weights of another shape, hash updated: load_state_dict's complaint, as a RunError
    torch.save({k: v[..., :1] if v.ndim else v for k, v in state.items()}, path)
    meta["weights_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    meta_path(path).write_text(json.dumps(meta))
    with pytest.raises(RunError, match="do not make a Model A"):
        FittedModelA.load(path)
    meta_path(path).write_text(json.dumps({**meta, "format": "truestrength-model-a/2"}))
    with pytest.raises(RunError, match="format 'truestrength-model-a/2', not "
                                       "truestrength-model-a/3: retrain"):
        FittedModelA.load(path)
    path.unlink()
    meta_path(path).write_text(json.dumps(meta))
    with pytest.raises(RunError, match="weights are missing"):
        FittedModelA.load(path)


def test_predict_before_fit_is_an_error(synth_league):
    with pytest.raises(NotFittedError, match="fit"):
        ModelA(FAST).predict(synth_league, synth_league.seasons[-1], pd.Timestamp("2018-01-01"))


def test_held_out_run_knows_only_the_players_of_the_seasons_before_it(fitted, synth_league):
    """A player first seen in the held-out season maps to the unknown embedding there, as he
    would for a model predicting a new season; he has no row that training never reached."""
    train, holdout = synth_league.seasons[0], synth_league.seasons[1]
    f = fitted.fitted_
    assert f.history.holdout_season == holdout and f.model is not None
    logs = synth_league.player_logs
    before = set(logs.loc[logs["season"] == train, "player_id"])
    newcomers = set(logs.loc[logs["season"] == holdout, "player_id"]) - before
    assert newcomers, "the synthetic league has no newcomers in its second season"
    # refit_on_all is off in FAST: the fitted model is the held-out run, with its vocabulary
    assert set(f.vocab.known_ids) == before
    assert not any(p in f.vocab for p in newcomers)
    snaps = build_snapshots(synth_league.restrict_seasons([train, holdout]), [holdout])
    in_slots = np.isin(snaps.player_ids, list(newcomers)) & snaps.mask
    assert in_slots.any()
    idx = f.vocab.lookup(snaps.player_ids, snaps.mask)
    assert (idx[in_slots] == UNK_INDEX).all()
    share = f.history.holdout_unknown_share
    assert share == pytest.approx((idx[snaps.mask] == UNK_INDEX).mean())
    assert 0 < share < 0.5


def test_held_out_run_scales_features_by_the_seasons_it_trains_on(fitted, synth_league):
    """The held-out season's feature statistics must not reach the run it judges: with
    refit_on_all off the model is that run, so its scaler is the first season's alone."""
    train, holdout = synth_league.seasons[0], synth_league.seasons[1]
    two = synth_league.restrict_seasons([train, holdout])
    snaps = build_snapshots(two, [train, holdout])
    first_only = FeatureScaler.fit(snaps.select((snaps.keys["season"] == train).to_numpy()),
                                   on_constant="zero")
    both = FeatureScaler.fit(snaps, on_constant="zero")
    got = fitted.fitted_.scaler
    assert got.n_fit == first_only.n_fit < both.n_fit
    np.testing.assert_allclose(got.mean, first_only.mean)
    assert not np.allclose(got.mean, both.mean)
    # No player of the first season has a previous season: its prior block is the newcomer
    # baseline for everyone, switched off rather than scaled by its near-zero spread.
    prior = [n for n in got.feature_names if n.startswith("prior_")]
    assert prior and set(prior) <= set(got.zeroed)
    assert not set(prior) & set(both.zeroed)
    # ... and the run says so in its notes.
    said = [n for n in fitted.fitted_.history.notes if n.startswith("the held-out run's")]
    assert len(said) == 1 and all(p in said[0] for p in prior)


def _assert_predicts_the_same(model: ModelA, loaded: FittedModelA, config: Config,
                              league: LeagueData) -> None:
    """The loaded checkpoint scores a day of the third season as the fitted model does."""
    season = league.seasons[2]
    as_of = league.games.loc[league.games["season"] == season, "game_date"].min() \
        + pd.Timedelta(days=30)
    a = model.predict(league.before(as_of), season, as_of).scores
    b = ModelA.from_fitted(loaded, config).predict(league.before(as_of), season, as_of).scores
    pd.testing.assert_series_equal(a, b)


def test_a_model_with_the_rapm_feature_saves_its_rapm_settings(synth_league, tmp_path):
    config = Config(model_a=FAST.model_a, roster={"rapm_feature": True, "cache_dir": None},
                    rapm={"alpha": 12.0})
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    model = ModelA(config).fit(train)
    assert model.fitted_.scaler.feature_names[-2:] == ("rapm_value", "rapm_weight_log1p")
    assert "rapm_value" not in model.fitted_.scaler.zeroed  # it varies: the network reads it
    path = model.fitted_.save(tmp_path / "model_a.pt")
    loaded = FittedModelA.load(path, expect=config)
    assert loaded.rapm.alpha == 12.0 and loaded.roster.rapm_feature
    _assert_predicts_the_same(model, loaded, config, synth_league)
    # Predicting under other ridge settings would feed the network other features: refused.
    other = config.model_copy(update={"rapm": config.rapm.model_copy(update={"alpha": 3.0})})
    with pytest.raises(RunError, match="rapm.alpha: trained 12.0 vs config 3.0"):
        FittedModelA.load(path, expect=other)


def test_a_model_started_at_the_ridge_saves_loads_and_predicts_the_same(synth_league,
                                                                         tmp_path):
    config = Config(model_a=FAST.model_a.model_copy(update={
        "value_head": True, "value_skip": True, "value_skip_points": 5.0}),
        roster={"rapm_feature": True, "cache_dir": None})
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    model = ModelA(config).fit(train)
    net = model.fitted_.model
    w = net.value_skip.weight.detach().numpy()[0]
    i = model.fitted_.scaler.feature_names.index("rapm_value")
    assert w[i] > 0  # trained from its start at the ridge, still reading it the right way up
    loaded = FittedModelA.load(model.fitted_.save(tmp_path / "model_a.pt"), expect=config)
    assert loaded.model.value_skip is not None
    _assert_predicts_the_same(model, loaded, config, synth_league)


def test_a_repeated_fit_is_reused_only_inside_a_scope_and_any_change_refits(fitted,
                                                                           synth_league):
    """A backtest fits the same Model A many times (A+B's folds, A's final): inside
    ``reusing_fits`` a repeat is a lookup, while other settings or other data fit anew;
    outside, every fit trains."""
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    assert ModelA(FAST).fit(train).fitted_ is not fitted.fitted_  # no scope: trains again
    with reusing_fits():
        first = ModelA(FAST).fit(train).fitted_
        assert ModelA(FAST).fit(train).fitted_ is first
        other_seed = FAST.model_copy(update={"model_a": FAST.model_a.model_copy(
            update={"seed": FAST.model_a.seed + 1})})
        assert ModelA(other_seed).fit(train).fitted_ is not first
        g = train.games.copy()
        row = g.index[g["counts_for_standings"]][0]
        g.loc[row, ["home_pts", "road_pts"]] = g.loc[row, ["road_pts", "home_pts"]].to_numpy()
        tables = ("team_games", "player_logs", "team_seasons", "playoff_series")
        flipped = LeagueData({"games": g, **{t: getattr(train, t) for t in tables}},
                             train.data_hash)
        assert ModelA(FAST).fit(flipped).fitted_ is not first
    assert ModelA(FAST).fit(train).fitted_ is not first  # the scope is gone


def test_members_are_the_single_fits_of_their_seeds_and_score_as_their_mean(fitted,
                                                                          synth_league,
                                                                          tmp_path):
    """``model_a.members`` 2: member k is exactly the network one fit with seed + k trains,
    the published score is the members' mean, and the checkpoint round-trips."""
    train = synth_league.restrict_seasons(synth_league.seasons[:2])
    two = FAST.model_copy(update={"model_a": FAST.model_a.model_copy(update={"members": 2})})
    ens = ModelA(two).fit(train).fitted_
    seed1 = FAST.model_copy(update={"model_a": FAST.model_a.model_copy(update={"seed": 1})})
    singles = [fitted.fitted_, ModelA(seed1).fit(train).fitted_]
    for member, single in zip(ens.model.members, singles, strict=True):
        for (k, a), (_, b) in zip(member.state_dict().items(),
                                  single.model.state_dict().items(), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)
    snaps = build_snapshots(synth_league, [synth_league.seasons[2]])
    got, attn = ens.score(snaps)
    parts = [s.score(snaps) for s in singles]
    np.testing.assert_allclose(got, np.mean([p[0] for p in parts], axis=0), atol=1e-6)
    np.testing.assert_allclose(attn, np.mean([p[1] for p in parts], axis=0), atol=1e-6)
    assert any("2 members" in n for n in ens.history.notes)
    path = ens.save(tmp_path / "model_a.pt")
    assert json.loads(meta_path(path).read_text())["members"] == 2
    np.testing.assert_array_equal(FittedModelA.load(path, expect=two).score(snaps)[0], got)
    with pytest.raises(RunError, match="model_a.members: trained 2 vs config 1"):
        FittedModelA.load(path, expect=FAST)
