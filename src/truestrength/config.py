"""One validated configuration object. Defaults live here; a YAML file overrides any part.

Unknown keys are errors (a misspelt option that silently does nothing is a silent failure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    # Paired bootstrap differences are reported against this predictor.
    reference: str = "win_pct"


class RosterSection(_Section):
    """Roster snapshots (features/roster.py RosterConfig)."""

    max_players: int = Field(15, ge=1, le=30)
    recent_games: int = Field(10, ge=1)
    prior_games: float = Field(20.0, gt=0)
    # Snapshots of a (data, config, seasons) are cached here; None builds them every time.
    cache_dir: str | None = "cache/features"


class ModelASection(_Section):
    """The roster set-attention ranker and how it is trained.

    Defaults were chosen on held-out training seasons of the real data (never a test season):
    a season's lists repeat the same ~30 team-seasons at every date, so a large model
    memorises them within an epoch; a small, regularised one generalises.
    """

    embed_dim: int = Field(4, ge=0)
    hidden_dim: int = Field(32, ge=4)
    n_heads: int = Field(4, ge=1)
    dropout: float = Field(0.3, ge=0, lt=1)
    minutes_bias: bool = True
    # Initial w in the attention logit w * log1p(minutes): attention starts proportional to
    # (1 + minutes) ** w. 2 starts it on the rotation rather than spread over the bench.
    minutes_bias_init: float = Field(2.0, gt=0)
    target: Literal["final_rank", "rest_win_pct", "playoff_rank"] = "final_rank"
    epochs: int = Field(30, ge=1)
    batch_lists: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.05, ge=0)
    # Penalty on squared scores: ListMLE alone rewards unbounded confidence on memorised lists.
    score_l2: float = Field(0.2, ge=0)
    early_stopping_patience: int = Field(4, ge=1)
    # Stop and diagnose when train loss has not improved for this many epochs in a row.
    guard_patience: int = Field(3, ge=1)
    guard_min_delta: float = Field(1e-4, ge=0)
    attention_debug: bool = True
    # Snapshot dates used for training lists: every k-th game date (1 = all). Neighbouring
    # dates give near-identical lists; a stride buys epochs, not information.
    date_stride: int = Field(5, ge=1)
    refit_on_all: bool = True
    # Share of known players shown to the model as "unknown" in each training batch, so the
    # unknown-player embedding is learnt rather than left at its initial value.
    unknown_player_rate: float = Field(0.1, ge=0, lt=1)
    # With a single training season there is nothing to hold out: train this many epochs.
    epochs_without_holdout: int = Field(4, ge=1)
    seed: int = 0
    threads: int = Field(2, ge=1)


class ModelBSection(_Section):
    """Model B's configuration (wired into ``Config`` as ``model_b``)."""

    objective: Literal["auto", "rank", "regression"] = "auto"
    target: Literal["final_rank", "rest_win_pct", "playoff_rank"] = "final_rank"
    forbidden_features: list[str] = ["net_rating"]
    rank_objective: Literal["rank:pairwise", "rank:ndcg"] = "rank:pairwise"
    n_estimators: int = Field(300, ge=1)
    max_depth: int = Field(3, ge=1)
    learning_rate: float = Field(0.05, gt=0)
    subsample: float = Field(0.8, gt=0, le=1)
    colsample_bytree: float = Field(0.8, gt=0, le=1)
    min_child_weight: float = Field(1.0, ge=0)
    reg_lambda: float = Field(1.0, ge=0)
    early_stopping_rounds: int = Field(30, ge=1)
    # The held-out curve is one season (30 team-seasons) and nearly flat; its argmax is often
    # 1-3 trees, whose scores tie many teams of a list. The selected count is at least this.
    min_trees: int = Field(10, ge=1)
    # One training season: nothing to hold out, so a fixed size and objective.
    trees_without_holdout: int = Field(100, ge=1)
    objective_without_holdout: Literal["rank", "regression"] = "rank"
    # Training rows: every k-th game date of each season (the last always kept). Neighbouring
    # dates give near-identical rows; the held-out season always uses every date.
    date_stride: int = Field(1, ge=1)
    seed: int = 0
    nthread: int = Field(2, ge=1)



class PredictSection(_Section):
    n_sims: int = Field(10_000, ge=100)
    seed: int = 0
    # Sleeper / Paper Tiger: conference rank by strength this many places from the standings.
    label_margin: int = Field(3, ge=1)
    label_min_games: int = Field(10, ge=0)
    # The two models "agree" on a team when their league ranks are this close.
    agree_within: int = Field(3, ge=0)
    n_drivers: int = Field(3, ge=1)


class Config(_Section):
    synth: SynthSection = SynthSection()
    backtest: BacktestSection = BacktestSection()
    roster: RosterSection = RosterSection()
    model_a: ModelASection = ModelASection()
    model_b: ModelBSection = ModelBSection()
    predict: PredictSection = PredictSection()


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
