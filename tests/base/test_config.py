"""A saved run's configuration: a field added after the run was saved takes the value the run
was trained under, not today's default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from truestrength.base.config import FIELDS_ADDED, Config, saved_config


def test_a_field_the_run_predates_takes_the_value_it_was_trained_under():
    raw = Config().model_dump(mode="json")
    assert raw["rapm"]["box_prior"] is True  # today's default
    del raw["rapm"]["box_prior"]
    assert saved_config(raw).rapm.box_prior is False
    assert "box_prior" not in raw["rapm"]  # the caller's dict is left alone
    # a run that saved the field keeps what it saved, either way
    for value in (True, False):
        raw["rapm"]["box_prior"] = value
        assert saved_config(raw).rapm.box_prior is value
    assert set(FIELDS_ADDED) == {("rapm", "box_prior")}


def test_a_saved_configuration_is_still_validated():
    raw = Config().model_dump(mode="json")
    raw["rapm"]["alpha"] = -1.0
    with pytest.raises(ValidationError, match="alpha"):
        saved_config(raw)
