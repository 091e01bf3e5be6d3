"""A saved run's configuration: a field added after the run was saved takes the value the run
was trained under, not today's default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from truestrength.base.config import (
    FIELDS_ADDED,
    Config,
    RapmSection,
    saved_config,
    saved_section,
    with_overrides,
    with_sections,
)
from truestrength.base.errors import ConfigError


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
    assert set(FIELDS_ADDED) == {("rapm", "box_prior"), ("blend", "postseason_combine")}
    # the postseason blend was one fitted logistic before the mean of single fits
    assert raw["blend"]["postseason_combine"] == "mean"
    del raw["blend"]["postseason_combine"]
    assert saved_config(raw).blend.postseason_combine == "fitted"


def test_a_run_from_before_the_whole_section_gets_the_added_fields_too():
    raw = Config().model_dump(mode="json")
    del raw["rapm"]
    assert saved_config(raw).rapm.box_prior is False


def test_a_saved_configuration_is_still_validated():
    raw = Config().model_dump(mode="json")
    raw["rapm"]["alpha"] = -1.0
    with pytest.raises(ValidationError, match="alpha"):
        saved_config(raw)


def test_a_saved_section_is_read_the_same_way():
    raw = RapmSection().model_dump(mode="json")
    del raw["box_prior"]
    got = saved_section("rapm", raw)
    assert isinstance(got, RapmSection) and got.box_prior is False
    assert got.alpha == RapmSection().alpha
    assert saved_section("rapm", {**raw, "box_prior": True}).box_prior is True


def test_the_value_skip_without_the_ridge_feature_is_refused_however_it_is_set():
    skip = {"value_head": True, "value_skip": True}
    with pytest.raises(ValidationError, match="need roster.rapm_feature"):
        Config(model_a=skip)
    with pytest.raises(ConfigError, match="need roster.rapm_feature"):
        with_overrides(Config(), "model_a", **skip)
    with_ridge = Config(roster={"rapm_feature": True})
    assert with_overrides(with_ridge, "model_a", **skip).model_a.value_skip
    with pytest.raises(ConfigError, match="need roster.rapm_feature"):
        with_overrides(Config(model_a=skip, roster={"rapm_feature": True}), "roster",
                       rapm_feature=False)
    with pytest.raises(ConfigError, match="rapm_value not in model_a.features_off"):
        with_overrides(with_ridge, "model_a", **skip, features_off=["rapm_value"])


def test_settings_of_several_sections_are_validated_together_in_any_order():
    skip = {"value_head": True, "value_skip": True}
    ridge = {"rapm_feature": True}
    for values in ({"model_a": skip, "roster": ridge}, {"roster": ridge, "model_a": skip}):
        got = with_sections(Config(), values)
        assert got.model_a.value_skip and got.roster.rapm_feature
    with pytest.raises(ConfigError, match="model_a.value_skip"):
        with_sections(Config(), {"model_a": skip, "roster": {"max_players": 10}})
