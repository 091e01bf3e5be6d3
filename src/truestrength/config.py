"""One validated configuration object. Defaults live here; a YAML file overrides any part.

Unknown keys are errors (a misspelt option that silently does nothing is a silent failure).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SynthSection(_Section):
    seasons: int = Field(3, ge=1, le=30)
    seed: int = 0
    first_season: int = 2015


class BacktestSection(_Section):
    # None = the last three seasons in the store.
    test_seasons: list[str] | None = None
    predictors: list[str] = ["win_pct", "point_diff", "srs", "elo", "prev_rank"]
    n_boot: int = Field(1000, ge=100)
    seed: int = 0


class Config(_Section):
    synth: SynthSection = SynthSection()
    backtest: BacktestSection = BacktestSection()


class ConfigError(ValueError):
    pass


def load_config(path: Path | None) -> Config:
    """Defaults, overridden by the YAML file at ``path`` when given."""
    if path is None:
        return Config()
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid configuration\n{exc}") from exc
