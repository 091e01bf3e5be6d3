"""`truestrength verify` is itself a test: Model A must learn the synthetic league; its real
check holds out a season before the test seasons and trains on the seasons before that."""

from __future__ import annotations

import math

import pytest
import torch

from truestrength.base.config import Config, ModelASection, VerifySection
from truestrength.base.errors import ConfigError
from truestrength.evaluation import verify as verify_mod
from truestrength.evaluation.verify import verify_real, verify_synthetic

torch.set_num_threads(2)
FAST = ModelASection(epochs=2, threads=1, refit_on_all=True)


def test_verify_config_default_holds_out_the_season_before_the_test_seasons():
    assert Config().verify.real_holdout_season == "2018-19"
    with pytest.raises(ValueError, match="second year must follow"):
        VerifySection(real_holdout_season="2018-20")


class _Called(Exception):
    pass


@pytest.fixture
def seen(monkeypatch):
    """What verify_real would train on, without training."""
    calls = []

    def fake_fit(data, config, **_):
        calls.append((data.seasons_with_players, config.model_a.refit_on_all))
        raise _Called

    monkeypatch.setattr(verify_mod, "fit_model_a", fake_fit)
    return calls


@pytest.mark.parametrize(("hold", "n_train", "want"), [
    ("2017-18", None, ["2015-16", "2016-17", "2017-18"]),
    ("2017-18", 1, ["2016-17", "2017-18"]),
    ("2016-17", None, ["2015-16", "2016-17"]),  # the later season is left out
])
def test_verify_real_trains_on_the_seasons_before_the_holdout(synth_league, seen, hold,
                                                              n_train, want):
    assert synth_league.seasons_with_players == ["2015-16", "2016-17", "2017-18"]
    config = Config(verify=VerifySection(real_holdout_season=hold, real_train_seasons=n_train),
                    backtest={"test_seasons": ["2019-20"]})
    with pytest.raises(_Called):
        verify_real(synth_league, config)
    assert seen == [(want, False)]  # and never the refit


def test_verify_real_skips_without_the_seasons_and_refuses_a_test_season(synth_league, seen):
    for hold in ("2018-19", "2015-16"):  # not in the store / nothing before it
        config = Config(verify=VerifySection(real_holdout_season=hold),
                        backtest={"test_seasons": ["2019-20"]})
        assert verify_real(synth_league, config) is None
    tests = Config(verify=VerifySection(real_holdout_season="2017-18"),
                   backtest={"test_seasons": ["2016-17", "2017-18"]})
    with pytest.raises(ConfigError, match="2017-18 is not before the test season.*2016-17, "
                                          "2017-18"):
        verify_real(synth_league, tests)
    # with no test seasons configured, the backtest's default ones count (the last complete)
    default = Config(verify=VerifySection(real_holdout_season="2017-18"))
    with pytest.raises(ConfigError, match="not before the test season"):
        verify_real(synth_league, default)
    assert seen == []


def test_verify_real_reports_the_holdout_and_its_unseen_players(synth_league):
    config = Config(model_a=FAST, verify=VerifySection(real_holdout_season="2017-18"),
                    backtest={"test_seasons": ["2019-20"]})
    check = verify_real(synth_league, config)
    assert check.name == "real data: train 2015-16 ... 2016-17, hold out 2017-18"
    share = check.figures["held-out roster slots of unseen players"]
    assert 0 < share < 0.5 and not math.isnan(check.figures["held-out loss / ln(L!)"])
    assert check.figures["epochs"] == 2.0


@pytest.mark.slow
def test_verify_synthetic_passes():
    check = verify_synthetic(Config())
    assert check.passed, check.render()
    assert check.figures["held-out loss / ln(L!)"] < 0.9
    assert check.figures["Spearman with true strength"] > 0.5


@pytest.mark.slow
@pytest.mark.realdata
def test_verify_real_season_passes(real_league):
    check = verify_real(real_league, Config())
    assert check is not None
    assert check.name == "real data: train 2015-16 ... 2017-18, hold out 2018-19"
    assert check.passed, check.render()
