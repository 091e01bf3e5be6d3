"""`truestrength verify` is itself a test: Model A must learn the synthetic league."""

from __future__ import annotations

import pytest
import torch

from truestrength.base.config import Config
from truestrength.evaluation.verify import verify_real, verify_synthetic

torch.set_num_threads(2)


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
    assert check.passed, check.render()
