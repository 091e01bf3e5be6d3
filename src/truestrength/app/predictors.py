"""Every predictor by name, configured from one ``Config``: what backtests are asked for."""

from __future__ import annotations

from functools import partial

from truestrength.base.config import Config
from truestrength.base.errors import ConfigError
from truestrength.evaluation.backtest import PredictorFactory
from truestrength.models.baselines import BASELINES, make_baseline
from truestrength.models.model_a.predictor import ModelA
from truestrength.models.model_b import ModelB
from truestrength.training.ensemble import EnsembleAB

MODELS = ("model_a", "model_b", "model_ab")


def known_predictors() -> list[str]:
    return [*BASELINES, *MODELS]


def predictor_factories(names: list[str], config: Config) -> dict[str, PredictorFactory]:
    """Fresh-predictor factories, in the order named."""
    unknown = [n for n in names if n not in known_predictors()]
    if unknown:
        raise ConfigError(f"unknown predictor(s) {unknown} (known: {known_predictors()})")
    made: dict[str, PredictorFactory] = {
        "model_a": partial(ModelA, config),
        "model_b": partial(ModelB, config.model_b),
        "model_ab": partial(EnsembleAB, config),
    }
    return {n: made.get(n, partial(make_baseline, n, config)) for n in names}
