"""One validated configuration object. Every default of the project lives here.

A YAML file overrides any part (``load_config``); unknown keys are errors (a misspelt option
that silently does nothing is a silent failure). Each component takes its own section:
``roster`` the snapshots, ``model_a`` the roster ranker and its network, ``model_b`` the
boosted trees, ``elo`` and ``baselines`` the rating predictors, ``rapm`` the plain player
RAPM, ``simulation`` the Monte Carlo (predictions and the backtest's title odds),
``backtest``, ``verify``, ``predict``, ``availability`` (who is out at prediction time),
``playoff_rotation`` (the roster Model A scores the postseason with),
``tune`` (the search over the models' settings and its validation seasons), ``report`` (the
HTML report), ``synth`` and ``fetch``. Defaults of the models were chosen on validation
seasons before any test season (BENCHMARKS.md says where that rule was broken and how).
"""

from __future__ import annotations

from pathlib import Path
from types import NoneType
from typing import Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from truestrength.base.errors import ConfigError, RunError
from truestrength.base.seasons import season_start_year

Target = Literal["final_rank", "rest_win_pct", "playoff_rank"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SynthSection(_Section):
    """The synthetic league. Only the NBA's 30-team, 82-game format is implemented."""

    n_seasons: int = Field(3, ge=1, le=30)
    seed: int = 0
    first_season: int = Field(2015, ge=1950, le=2090)  # start year of the first season
    n_teams: Literal[30] = 30  # two conferences of 15
    home_advantage: float = 2.5  # expected home margin between equal teams, points
    team_noise_sd: float = Field(8.5, gt=0)  # per-team score noise; margin sd is sqrt(2) x
    pace_sd: float = Field(6.0, ge=0)  # shared shock to both scores: moves totals, not margins
    injury_rate: float = Field(1.0, ge=0)  # multiplier on the base daily injury hazard
    trades_per_season: float = Field(6.0, ge=0)  # mean number of mid-season two-player trades


class IngestSection(_Section):
    # A file's problems are reported together; past this many only their count is shown.
    max_problems: int = Field(20, ge=1)


class DemoSection(_Section):
    # The demo trains on all its synthetic seasons but the last: at least two to train on.
    n_seasons: int = Field(4, ge=3, le=30)
    # Teams in the demo's printed table (all 30 are in its predictions.csv).
    top: int = Field(10, ge=1)
    # Rows of the demo's printed backtest table (backtest.md has every metric).
    metrics: list[str] = ["ros_spearman@g20", "ros_spearman@g41", "po_spearman",
                          "game_log_loss", "title_log_loss"]


class FetchSection(_Section):
    """How politely nba_api downloads. ``retries`` counts attempts after the first; the n-th
    retry waits ``backoff_s * 2**(n-1)``."""

    season_types: tuple[Literal["Regular Season", "PlayIn", "Playoffs", "IST"], ...] = Field(
        ("Regular Season", "PlayIn", "Playoffs"), min_length=1)
    min_interval_s: float = Field(1.0, ge=0)
    retries: int = Field(4, ge=0)
    backoff_s: float = Field(2.0, ge=0)
    timeout_s: float = Field(30.0, gt=0)
    # For the season under way: ScheduleLeagueV2 (the whole schedule) and one
    # CommonTeamRoster request per team (today's rosters), besides the game logs.
    schedule_and_rosters: bool = True


class EloSection(_Section):
    """FiveThirtyEight's NBA Elo. ``kinds``: game kinds that update ratings (538 updated on
    playoff games too); games of other kinds still get a pre-game rating and probability."""

    k: float = 20.0
    home_advantage: float = 100.0
    carryover: float = 0.75
    mean: float = 1505.0
    initial: float = 1500.0
    kinds: tuple[str, ...] = ("regular", "cup_final", "play_in", "playoff")


class BaselinesSection(_Section):
    # The rating baselines' logistic game model, and elo_calibrated's refit of Elo's logit
    # slope and home edge, are fitted on this many last training seasons. Tune: study
    # ``elo_calibrated_real_1`` kept 2 (1-5 within 0.0007; BENCHMARKS "Stop 25").
    fit_seasons: int = Field(2, ge=1)


class RapmSection(_Section):
    """Plain player RAPM (``models.rapm``), issue 10's player-level yardstick. A player's
    column is his share of his team's five floor slots (5 x minutes / team minutes), so
    ``alpha`` is in games of a full-time player: a player's coefficient is shrunk to 0 as
    if he had played ``alpha`` extra full games with a zero margin. alpha and half_life_years
    were chosen on the validation seasons 2017-18 and 2018-19 (BENCHMARKS.md, "Plain player
    RAPM (issue 10)"); alpha, half_life_years, minutes_games and box_prior_minutes come
    from ``truestrength tune`` study ``rapm_real_1`` (trial 27, rounded; 30 trials on
    2017-18/2018-19; BENCHMARKS.md "Stop 25")."""

    # Without the box prior: best pooled regular-season log loss of {3, 10, 30, 100} x
    # half-life {1, 2} was 10 (0.6090; 30: 0.6095, 3: 0.6130, 100: 0.6144). With it, of
    # {3, 10, 30, 100}: 30 (BENCHMARKS "Stop 23"), since what the box score says needs less
    # shrinking towards it than towards 0 does. Tune (searched over 3-300): 30.
    alpha: float = Field(30.0, gt=0)
    # A game this many years old weighs half as much as yesterday's: players change with
    # age, trades and roles, so old games should count less, but one season is too few games
    # to separate teammates who share the floor. 2 beat 1 at every alpha but 100 on the
    # first grid; tune (searched over 0.5-4): 1.5.
    half_life_years: float = Field(1.5, gt=0)
    # Refit once a week: a week's games move the coefficients little, and 7x fewer solves
    # keep five backtest seasons within minutes. Tune: study ``rapm_real_2`` (1, 3, 7, 14
    # days on 2016-17 … 2018-19) kept 7: daily refits −0.0002 [−0.0013, +0.0009], not
    # separable; fortnightly ones +0.0021 (BENCHMARKS "Stop 28").
    refit_days: int = Field(7, ge=1)
    # The rotation of a team at a date: minutes over its last games, recent enough to see
    # who is out and enough games not to be one night's blowout or foul trouble. Tune
    # (searched over 1-15; 5 before): 4.
    minutes_games: int = Field(4, ge=1)
    # A box-score prior (``features.player_rapm``): each player's value is shrunk towards a
    # linear function of his decayed box-score rates, fitted in the same ridge, instead of
    # towards 0 (how RPM, RAPTOR and EPM use the box score). On validation 2017-18/2018-19
    # (alpha 30) the plain RAPM's pooled log loss fell 0.0009 and the published A+B's
    # 0.0007, neither separable; the A+B's postseason and title log loss and its playoff
    # ranking improved as well (BENCHMARKS "Stop 23").
    box_prior: bool = True
    # His rates are shrunk towards the league's as if he had also played this many minutes
    # at the league's rates: a rookie's first 100 minutes say little of his rates. Tune
    # (searched over 25-2000; 250 before): 1500, about 60 games of a rotation player.
    box_prior_minutes: float = Field(1500.0, ge=0)


class SimulationSection(_Section):
    """Monte Carlo of the rest of a season, the play-in and the playoffs. Home advantage is
    not here: the game model carries it, so the simulator cannot disagree with the model."""

    n_sims: int = Field(10_000, ge=1)
    seed: int = Field(0, ge=0)


class BacktestSection(_Section):
    # None = the last three complete seasons in the store.
    test_seasons: list[str] | None = None
    predictors: list[str] = ["win_pct", "point_diff", "srs", "elo", "elo_calibrated",
                             "prev_rank"]
    # Bootstrap resamples for CIs over teams (rankings) and over seasons (summaries).
    n_boot: int = Field(1000, ge=100)
    # Resamples for the game log loss / Brier CIs over games, and for paired differences.
    n_boot_games: int = Field(200, ge=100)
    n_boot_paired: int = Field(2000, ge=100)
    seed: int = 0
    # Paired bootstrap differences are reported against this predictor.
    # The yardstick the paired bootstraps compare every predictor with (issue 10): Elo with
    # its logit slope and home court refitted on the previous seasons.
    reference: str = "elo_calibrated"


class VerifySection(_Section):
    """``truestrength verify``'s check on the store's real data."""

    # The season held out: before the test seasons (2019-20 ... 2023-24), so verify never
    # learns anything from a season a backtest judges. Trained on the seasons before it.
    real_holdout_season: str = Field("2018-19", pattern=r"^\d{4}-\d{2}$")
    # How many seasons before it to train on; None = all of them (2015-16 ... 2017-18).
    real_train_seasons: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _season_label(self) -> VerifySection:
        season_start_year(self.real_holdout_season)  # ValueError names a "2018-20"
        return self


class RosterSection(_Section):
    """Roster snapshots (``features.roster``): each team at a date as a set of players.
    ``max_players``, ``recent_games`` and ``prior_games`` were checked by tune study
    ``model_a_real_4`` (20 trials on 2016-17 … 2018-19; best against these defaults −0.0002
    [−0.0017, +0.0014], so they stay; BENCHMARKS "Stop 26"). ``recent_prior_games`` and the
    newcomer baseline come from study ``model_a_real_5`` (trial 14, rounded; 16 trials on
    2016-17 … 2018-19; BENCHMARKS "Stop 28")."""

    max_players: int = Field(15, ge=1, le=30)  # P: roster slots per snapshot
    recent_games: int = Field(10, ge=1)  # the recent window, in the player's (team's) games
    prior_games: float = Field(20.0, gt=0)  # k: prior strength in pseudo-games
    # kr: pseudo-games of the season rate in the recent block (> 0 keeps denominators > 0).
    # Tune (searched over 0.5-8; 2 before): 7.3, the last ten games' rates shrunk further
    # towards the season's. Study model_a_real_7 searched 4-40 (stop 29): 14-36 all scored
    # 0.0004-0.0006 below 7.3, mostly in 2016-17; the best, 20.8, -0.0006 [-0.0013, +0.0001],
    # not separable, so 7.3 stays.
    recent_prior_games: float = Field(7.3, gt=0)
    # The newcomer baseline: a rookie starts with the features of the league's
    # ``newcomer_quantile`` player among those with at least ``rotation_min_minutes`` a game
    # over ``rotation_min_games``. Tune (15, 20, 0.25 before): 11.5, 21, 0.18, a lower start.
    rotation_min_minutes: float = Field(11.5, ge=0)
    rotation_min_games: int = Field(21, ge=1)
    newcomer_quantile: float = Field(0.18, ge=0, le=1)
    # Two player features from the plus-minus evidence (``features.player_rapm``, issue 10):
    # his RAPM coefficient in the weekly refit in force at the date (settings: the ``rapm``
    # section) and log1p of the decayed games behind it, so a rookie's 0 differs from a known
    # average player's. Off: the arrays are exactly those of before the feature existed.
    # Off by default: on 2017-18/2018-19 it lowered pooled game log loss by 0.0016, within
    # noise and at a Spearman cost (BENCHMARKS.md "Model A with a RAPM feature (issue 10)").
    rapm_feature: bool = False
    # Snapshots of a (data, config, seasons) are cached here; None builds them every time.
    # Where the cache lives does not change a snapshot, so it is not part of the cache key.
    cache_dir: str | None = "cache/features"


class PlayoffRotationSection(_Section):
    """How Model A sees a team in the postseason (``features.playoff_rotation``, issue 11).

    The roster of a regular-season date reads each player's minutes over his last
    ``roster.recent_games`` games, which at season's end is a team resting its stars or
    tanking. The playoff rotation is the players not out for the postseason, each with his
    season minutes per game played m, concentrated as playoff coaches do: minutes in
    proportion to m ** power, scaled to the team's 240 (5 x 48) and none above ``cap``.
    Only the postseason is scored this way (``predict``'s postseason, the backtest's
    end-of-season point); training snapshots never change. ``enabled`` is Model A's: with a
    postseason blend (``blend.postseason_inputs``) Model A does not forecast the postseason,
    and that blend's RAPM is always played by the playoff rotation (``power``, ``cap``,
    ``max_missed_games``) with the settings it was trained with, which the run keeps: these
    settings at predict time change Model A's rotation only.
    """

    # Off by default: on validation seasons 2017-18 and 2018-19 its gain on the bracket's
    # probabilities was not separable from noise, and the 16-team ranking moved both ways
    # (BENCHMARKS.md "Playoff rotation (issue 11)").
    enabled: bool = False
    # Playoff minutes in proportion to (season minutes per game) ** power. The postseason
    # blend's RAPM reads it too (``blend.postseason_inputs``). Tune: study
    # ``postseason_real_4`` (trial 53, rounded; 60 trials, the postseason objective on
    # 2016-17 … 2018-19, with the blend's inputs; BENCHMARKS "Stop 25") chose power, cap and
    # max_missed_games: 4.9, 37, 30 (2, 42, 10 before; stop 22's grid had stopped at 3). A
    # steep power is a short rotation: for season minutes 36, 34, 32, 30, 28, 24, 20, 16, ...
    # the top five get 37 each, the sixth about a half-time's share and the seventh little.
    # None: learned by least squares on log minutes within team from the playoff player rows
    # of every season before the one predicted (``fit_playoff_power``); the shared NBA.com
    # files hold no playoff player rows, so there it cannot be learned.
    power: float | None = Field(4.9, gt=0, le=5)
    # No player is given more playoff minutes per game than this; the excess goes to the
    # others in proportion. Tune: 37 (42 before).
    cap: float = Field(37.0, gt=0, le=48)
    # A player whose team has played more than this many games since his last one is not in
    # the playoff rotation: that is an injury, not rest (rested stars miss ones and twos).
    # The availability still decides everyone else; in a backtest, which knows no injuries,
    # this is the only health signal. Tune: 30 games (10 before). None: no such rule.
    max_missed_games: int | None = Field(30, ge=0)
    # The fit's players: at least this many regular-season minutes per game played (a
    # deep-bench player's playoff minutes are garbage time, noise on a log scale) and this
    # many playoff games.
    fit_min_minutes: float = Field(10.0, ge=0)
    fit_min_games: int = Field(2, ge=1)
    # Fewer usable players than this before the season: the power cannot be learned; the
    # error says to fix ``power``.
    fit_min_players: int = Field(30, ge=2)


class ModelASection(_Section):
    """The roster set-attention ranker, its network and how it is trained.

    Defaults were chosen on held-out training seasons of the real data (never a test season):
    a season's lists repeat the same ~30 team-seasons at every date, so a large model
    memorises them within an epoch; a small, regularised one generalises. The seven marked
    "tune" come from ``truestrength tune`` study ``model_a_real_2`` (trial 22, rounded; 30
    trials on 2017-18 and 2018-19; BENCHMARKS.md "A tune run for Model A's defaults").
    ``hidden_dim``, ``epochs``, ``early_stopping_patience``, ``batch_lists`` and
    ``date_stride`` were checked by study ``model_a_real_4`` with the roster's sizes (best
    against these defaults not separable, so they stay; BENCHMARKS "Stop 26").
    ``minutes_bias``, ``scorer_residual``, ``refit_on_all``, ``game_margin_scale``, the two
    initial spreads and ``epochs_without_holdout`` were searched by study ``model_a_real_6``
    (best against these defaults not separable, so they stay; "Stop 29"); it drew the
    residual path off only with the refit off, so it says little of that one.
    """

    embed_dim: int = Field(3, ge=0)  # tune; 0 disables the player embedding
    hidden_dim: int = Field(32, ge=4)  # D; divisible by n_heads
    n_heads: int = Field(4, ge=1)
    n_seeds: int = Field(1, ge=1)  # PMA seed queries; z has n_seeds * hidden_dim entries
    dropout: float = Field(0.4, ge=0, lt=1)  # tune
    # Add w_h * log1p(minutes) to the attention logits. Off: Model A's pooled log loss on
    # 2016-17 … 2018-19 rose 0.0067 [0.0034, 0.0099] (a validation backtest against the
    # defaults, beside study model_a_real_6; BENCHMARKS "Stop 29").
    minutes_bias: bool = True
    # Initial w in the attention logit w * log1p(minutes): attention starts proportional to
    # (1 + minutes) ** w, on the rotation rather than spread over the bench. Tune.
    minutes_bias_init: float = Field(1.5, gt=0)
    query_init_std: float = Field(0.02, gt=0)  # small: initial attention follows minutes
    embed_init_std: float = Field(0.1, gt=0)  # small: ids must not swamp box scores at init
    scorer_residual: bool = True
    # An explicit value per player, added to the team score weighted by his minutes share
    # (``network.RosterSetRanker``): the game loss then fits player values directly.
    value_head: bool = False
    # With the value head: a linear path from the player's own (scaled) features to his
    # value, beside the encoder's. The encoder ends in a LayerNorm, which cannot pass one
    # feature through as it is. The path starts at the ridge's value (``value_skip_points``;
    # it needs ``roster.rapm_feature``), so Model A starts as the plain RAPM's team rating
    # and learns what to add to it: a fit's few hundred steps cannot grow the path from 0
    # (stop 26: value_skip from 0 changed nothing). Off: started at the ridge, Model A's pooled
    # log loss on 2016-17 … 2018-19 fell 0.0031 [-0.0067, +0.0008] (tune study
    # model_a_real_3's best: points 3.8, game_loss_weight 200, lr 0.00056), not separable.
    value_skip: bool = False
    # Points of the plain RAPM's team rating per unit of Model A's score at the start:
    # Model A's scores spread about 0.5, the RAPM ratings about 4.6 points (validation
    # 2016-17 … 2018-19, stop 26), so 9 starts the ridge's part at the network's own scale.
    value_skip_points: float = Field(9.0, gt=0)
    target: Target = "final_rank"
    epochs: int = Field(30, ge=1)
    batch_lists: int = Field(64, ge=1)
    lr: float = Field(7e-4, gt=0)  # tune
    weight_decay: float = Field(0.08, ge=0)  # tune
    # Penalty on squared scores: ListMLE alone rewards unbounded confidence on memorised lists.
    score_l2: float = Field(0.08, ge=0)  # tune
    early_stopping_patience: int = Field(4, ge=1)
    # The not-learning guard (models/model_a/diagnostics.py). Plateau: the train loss,
    # smoothed by an exponential moving average with weight guard_ema_alpha on the newest
    # epoch (0.5: dropout and random tie-breaks make single epochs wobble by more than a slow
    # learner gains), has fallen by less than guard_min_rel_improvement of itself over the
    # last guard_window epochs (1e-3 over 3: 0.03 nats at ln(15!), where learning runs on
    # the synthetic league still gain 0.3-0.5 nats per epoch late on). A plateau never stops
    # a run whose validation loss set a new best within those epochs: a slow learner's train
    # loss can wobble by more than it gains, so only validation tells it is learning.
    guard_window: int = Field(3, ge=1)
    guard_ema_alpha: float = Field(0.5, gt=0, le=1)
    guard_min_rel_improvement: float = Field(1e-3, ge=0)
    # No signal: at every exit the kept model's mean Spearman on the validation lists (on
    # the training lists without validation) must reach max(guard_min_spearman,
    # guard_null_z x se), se being a shuffled model's chance spread with each (season,
    # conference) counted once (diagnostics.null_spearman_se). z 1.645 = a shuffled model
    # passes 5% of the time; on one held-out season (2 x 15 teams) the bar is 0.31, against
    # 0.71-0.86 for the models that learn on the synthetic league. The floor keeps a model
    # validated on many seasons from passing on a Spearman too small to matter.
    guard_min_spearman: float = Field(0.1, ge=0, lt=1)
    guard_null_z: float = Field(1.645, ge=0)
    # With a game loss, a model also shows signal when its held-out game loss is this share
    # below that of constant scores (home court and rest alone). Chance gains ~1/n of it
    # (~0.1% on a season's 1,230 games); trained models gain 5-10% on the real league.
    guard_min_game_gain: float = Field(0.01, ge=0, lt=1)
    attention_debug: bool = True
    # Snapshot dates used for training lists: every k-th game date (1 = all). Neighbouring
    # dates give near-identical lists; a stride buys epochs, not information.
    date_stride: int = Field(5, ge=1)
    refit_on_all: bool = True
    # Networks trained alike from seeds seed, seed + 1, ...; Model A's scores are their mean
    # (``network.SeedEnsemble``). Each member has its own held-out run and refit.
    members: int = Field(1, ge=1)
    # Share of known players shown to the model as "unknown" in each training batch, so the
    # unknown-player embedding is learnt rather than left at its initial value. Tune: study
    # ``model_a_real_5`` (0.1 before; BENCHMARKS "Stop 28"): 0.05. ``n_heads`` and ``n_seeds``
    # were searched there too and kept.
    unknown_player_rate: float = Field(0.05, ge=0, lt=1)
    # With a single training season there is nothing to hold out: train this many epochs.
    epochs_without_holdout: int = Field(4, ge=1)
    # The game model needs at least this many held-out games with both teams scored.
    game_model_min_games: int = Field(50, ge=1)
    # λ: total loss = ListMLE + λ * game loss (``models.model_a.game_loss``: the strength
    # of the players who played must explain each training game's margin). 0 = ListMLE only,
    # and no game rosters are built. Tune (searched over 30-1000; 300 had been chosen among
    # {0, 30, 100, 300} before): it is large because ListMLE sums over a list of 15 teams and
    # the game loss is a mean.
    game_loss_weight: float = Field(600.0, ge=0)
    # Weight of ListMLE in the same sum: 1 keeps the ranking loss; 0 trains on games alone
    # (the ablation's "game loss only" arm; needs game_loss_weight > 0).
    listmle_weight: float = Field(1.0, ge=0)
    # μ: the on-court loss's weight in the same sum (``game_loss.on_court_loss``: each player's
    # plus-minus beyond his share of the margin must follow his value against his teammates').
    # Needs the value head and a game loss; 0 = off.
    on_court_weight: float = Field(0.0, ge=0)
    # Training games weigh 0.5 ** (age / half-life) in the game and on-court losses, age from
    # the last training game: what a player did years ago counts less. None = equal weights.
    game_half_life_years: float | None = Field(None, gt=0)
    # Player features switched off by name prefix (always 0 after scaling), for ablations:
    # ["prior_"] hides the previous-season block. Empty = every feature is used.
    features_off: list[str] = Field(default_factory=list)
    # Points that make one unit of the game loss's residual: about an NBA margin's spread, so
    # a model with no signal scores ~0.5 and the loss sits on ListMLE's per-team scale.
    game_margin_scale: float = Field(12.0, gt=0)
    seed: int = 0
    threads: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> ModelASection:
        if self.hidden_dim % self.n_heads:
            raise ValueError(f"hidden_dim ({self.hidden_dim}) must be divisible by n_heads "
                             f"({self.n_heads})")
        if self.listmle_weight == 0 and self.game_loss_weight == 0:
            raise ValueError("listmle_weight and game_loss_weight are both 0: nothing to learn")
        if self.value_skip and not self.value_head:
            raise ValueError("value_skip needs value_head true (it adds to the value head)")
        if self.on_court_weight > 0 and not (self.value_head and self.game_loss_weight > 0):
            raise ValueError("on_court_weight > 0 needs value_head true and game_loss_weight > 0"
                             " (it reads the value head's player values on the game batches)")
        return self


class ModelBSection(_Section):
    """Model B: gradient-boosted trees on team context. The seven marked "tune" come from
    ``truestrength tune`` study ``model_b_real_1`` (trial 29, rounded; 30 trials on 2017-18
    and 2018-19; BENCHMARKS.md "Stop 25"): shallower trees, a little faster and noisier.
    Study ``model_b_real_2`` (24 trials on the seven seasons 2012-13 … 2018-19; "Stop 26")
    searched objective, rank_objective, early_stopping_rounds, min_trees, date_stride,
    max_depth, learning_rate and min_child_weight again: its best was not separable from
    these defaults, so they stay, now checked by a tune run. Study ``model_b_real_3`` (16
    trials on 2011-12 … 2018-19; "Stop 29") kept ``target`` and the two single-season
    settings the same way."""

    objective: Literal["auto", "rank", "regression"] = "auto"
    target: Target = "final_rank"
    forbidden_features: list[str] = ["net_rating"]
    rank_objective: Literal["rank:pairwise", "rank:ndcg"] = "rank:pairwise"
    n_estimators: int = Field(300, ge=1)  # tune (a ceiling: early stopping picks the count)
    max_depth: int = Field(2, ge=1)  # tune (3 before)
    learning_rate: float = Field(0.07, gt=0)  # tune (0.05 before)
    subsample: float = Field(0.7, gt=0, le=1)  # tune (0.8 before)
    colsample_bytree: float = Field(0.75, gt=0, le=1)  # tune (0.8 before)
    min_child_weight: float = Field(0.8, ge=0)  # tune (1 before)
    reg_lambda: float = Field(0.65, ge=0)  # tune (1 before)
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


BlendInput = Literal["model_a", "model_b", "elo", "rapm"]
# The postseason's inputs (``models.postseason``): each is read at the end of the regular
# season without training, so that every earlier season's playoffs can fit its weights.
PostseasonInput = Literal["srs", "elo", "rapm"]
PostseasonCombine = Literal["fitted", "mean"]


class BlendSection(_Section):
    """The published blend (``models.stacker``): a logistic regression of game results on
    the inputs' home-minus-road differences, fitted on out-of-fold games; an input alone is
    published instead when the blend is worse than it forward-chained (``fallback_z``)."""

    # Chosen on validation seasons 2017-18/2018-19 (BENCHMARKS "Stop 21: RAPM in the
    # blend"): adding RAPM lowered the published log loss by 0.0027 pooled; with Model B too
    # it was 0.0003 lower still (B's weight negative) and the ranking at 20 games worse.
    inputs: list[BlendInput] = ["model_a", "elo", "rapm"]
    # L2 penalty on the logistic (scikit-learn C = 1 / l2); 0 = none: a handful of weights
    # against thousands of games needs no shrinkage. Tune: study ``blend_real_1`` (0, 0.1, 1,
    # 10, 100 on 2017-18/2018-19) kept 0; 0.1 and 1 were level, 100 worse by 0.0028
    # (BENCHMARKS "Stop 28").
    l2: float = Field(0.0, ge=0)
    # A single input is published instead of the blend only when the blend is worse on the
    # forward-chained check by more than this many standard errors (0: whenever it is not
    # strictly better). 1.96, the usual two-sided 95%, was set by convention (BENCHMARKS
    # "Stop 21"); 0 was separably worse on validation 2017-18/2018-19, +0.0032 [+0.0012,
    # +0.0051] pooled: a short forward-chained history's shortfall is often noise ("Stop 27").
    fallback_z: float = Field(1.96, ge=0)
    # The postseason's own blend (``models.postseason``): a logistic of earlier seasons'
    # play-in and playoff games on these inputs as they stood the day after the regular
    # season, RAPM played by the playoff rotation (``playoff_rotation``'s power and cap).
    # Empty: the postseason is forecast by the regular-season blend. Tune: study
    # ``postseason_real_4`` searched it with the playoff rotation over SRS, RAPM and Elo
    # sets; RAPM alone, played by the short playoff rotation, had the lowest log loss over
    # the 243 play-in and playoff games of 2016-17 … 2018-19 (0.6008; SRS and RAPM 0.6020,
    # not separable). Under stop 24's rotation (power 2) SRS and RAPM had been lowest, and
    # RAPM alone at power 2 did worse on the test seasons (BENCHMARKS "Stop 22", "Stop 24",
    # "Stop 25": the rule that made this choice was fixed before the study ran).
    postseason_inputs: list[PostseasonInput] = ["rapm"]
    # How several postseason inputs are combined. "fitted": one logistic on the seasons that
    # have every input (RAPM's few: the two-input fits over-fitted, weights of opposite
    # signs). "mean": each input's own logistic on every season it has, their logits
    # averaged with equal weights, no combination weight fitted (the forecast-combination
    # rule that estimated weights rarely beat on a few hundred outcomes). Tune: every
    # "fitted" trial of study ``postseason_real_2`` lost to "mean" (BENCHMARKS "Stop 25").
    postseason_combine: PostseasonCombine = "mean"
    # The sd (logits) of each team's strength shock per simulated postseason
    # (``inference.simulate``), which spreads series and title odds for what the end-of-season
    # strengths do not know. None: fitted with the postseason blend, by maximum likelihood
    # of earlier seasons' playoff-series winners, each season forecast by a blend fitted on
    # the seasons before it (``models.postseason.fit_strength_sd``); a number fixes it (0:
    # strengths known exactly, as before stop 23). Fitted before the validation seasons it
    # was 0 to 0.15: the series showed no over-sure odds (BENCHMARKS "Stop 23").
    postseason_strength_sd: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _inputs(self) -> BlendSection:
        if not self.inputs:
            raise ValueError("blend.inputs: at least one input")
        for name, given in (("inputs", self.inputs),
                            ("postseason_inputs", self.postseason_inputs)):
            if len(set(given)) != len(given):
                raise ValueError(f"blend.{name}: an input is listed twice ({given})")
        return self


class PredictSection(_Section):
    # Seed of the expected schedule drawn for a season whose remaining games are unknown.
    schedule_seed: int = 0
    # Sleeper / Paper Tiger: the projected final conference rank (record to date plus the
    # simulated games left) this many places better / worse than today's standings rank.
    # 2 flags 3-10 teams on the 15th of December, January and February of the validation
    # seasons 2017-18 and 2018-19 (3 flags 1-7; BENCHMARKS.md, "Labels"); one place is often
    # a tie-break.
    label_margin: int = Field(2, ge=1)
    label_min_games: int = Field(10, ge=0)
    # The two models "agree" on a team when their league ranks are this close.
    agree_within: int = Field(3, ge=0)
    n_drivers: int = Field(3, ge=1)
    # Attention whose entropy share is outside these bounds is degenerate: drivers say little.
    attention_entropy_bounds: tuple[float, float] = (0.2, 0.95)


class ReportSection(_Section):
    # `truestrength report` writes this file in the prediction folder unless --out says where.
    file_name: str = Field("report.html", min_length=1)
    # The "how good is this model" card: these predictors of the backtest, in this order
    # (the ones the backtest ran), at this in-season point for the rest-of-season Spearman.
    card_predictors: list[str] = ["model_ab", "model_a", "model_b", "elo_calibrated", "elo"]
    card_point: str = "g41"
    # The what-if section (`report --whatif`): the teams involved, then this many others,
    # those whose title odds moved most (whatif.csv holds every team).
    whatif_other_teams: int = Field(8, ge=0)


class AvailabilitySection(_Section):
    """Who is out at prediction time (``base.availability``, ``features.availability``).

    Injury designations are game-day odds of playing (roughly: doubtful 25%, questionable
    50%, probable 75% or more). Model A reads a team as a set of players, so a player cannot
    play a fraction of his minutes there: each status either keeps him out until his return
    date or lets him play. Doubtful is out (he more likely misses than plays); questionable
    and probable play (more likely than not), which is also how rotations are usually set.
    """

    # Infer "out" from the box scores (below); off = only the injuries file and rosters count.
    infer_from_box_scores: bool = True
    # k: a rotation player who has missed his team's last k games is inferred out. 5 games
    # (~10 days) separates a multi-week absence from rest days and day-to-day knocks.
    missed_games_out: int = Field(5, ge=1)
    # Only players averaging at least this many minutes over their recent games are checked:
    # a deep-bench player's missed games are mostly the coach's choice, not an absence.
    rotation_min_minutes: float = Field(15.0, ge=0)
    doubtful: Literal["out", "plays"] = "out"
    questionable: Literal["out", "plays"] = "plays"
    probable: Literal["out", "plays"] = "plays"
    # Regular-season end (MM-DD of the season's second year) for spreading the games of an
    # expected schedule, which have no dates, over the days left, when the store has no
    # previous season to take the end date from. The NBA's has been Apr 9-14 since 2016.
    season_end_month_day: str = Field("04-12", pattern=r"^\d{2}-\d{2}$")
    # Inferred outs get an expected return learned from past absences
    # (``features.absence_model``); off = out with no return date (the rest of the season).
    learn_absence_lengths: bool = True
    # Which point of the learned "further games missed" distribution dates the return: the
    # median, so he is as likely back earlier as later.
    absence_quantile: float = Field(0.5, gt=0, lt=1)
    # Pseudo-spells shrinking each k's hazard towards the geometric hazard of all spells from
    # k on: ~20 leaves k <= 10 (hundreds of spells at risk on real data) as measured and
    # steadies the long absences where a handful of spells are left.
    absence_smoothing: float = Field(20.0, ge=0)
    # The geometric tail of the longest absences is pooled over the longest spells that hold
    # at least this many games at risk together (~50 returns at real data's 0.04-0.1 hazard).
    absence_tail_exposure: int = Field(500, ge=1)
    # Below this many spells in the history (a store's first weeks) no return is dated: a
    # hazard from a few dozen spells would put a date on noise.
    absence_min_spells: int = Field(200, ge=1)


# Sections whose settings ``tune`` may search: the models' and the features' they read.
_TUNABLE: dict[str, type[_Section]] = {
    "model_a": ModelASection, "roster": RosterSection, "rapm": RapmSection,
    "playoff_rotation": PlayoffRotationSection, "blend": BlendSection,
    "baselines": BaselinesSection, "elo": EloSection, "availability": AvailabilitySection,
    "model_b": ModelBSection}
TunableSection = Literal["model_a", "roster", "rapm", "playoff_rotation", "blend",
                         "baselines", "elo", "availability", "model_b"]
assert set(get_args(TunableSection)) == set(_TUNABLE), "one list of tunable sections"
Choice = bool | int | float | str | None


def tuned_setting(key: str, drawn: Choice) -> object:
    """A value ``tune`` drew for ``"section.name"`` as the setting takes it: a list setting's
    choices are comma-joined strings ("srs,rapm"), since a study stores only scalars."""
    section, name = key.split(".", 1)
    annotation = _TUNABLE[section].model_fields[name].annotation
    return drawn.split(",") if isinstance(drawn, str) and get_origin(annotation) is list else drawn


class TuneParam(_Section):
    """One dimension of ``tune``'s search space: ``section.name`` drawn from [low, high], or
    (``type: categorical``) one of ``choices``, each checked against the setting's own type."""

    section: TunableSection = "model_a"
    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False  # sample log-uniformly: for rates and weights spanning decades
    type: Literal["float", "int", "categorical"] = "float"
    choices: list[Choice] | None = None

    @model_validator(mode="after")
    def _valid_range(self) -> TuneParam:
        section = _TUNABLE[self.section]
        fields = section.model_fields
        if self.name not in fields:
            raise ValueError(f"{self.section} has no setting {self.name!r} "
                             f"(it has {', '.join(sorted(fields))})")
        where = f"{self.section}.{self.name}"
        if self.type == "categorical":
            if not self.choices or self.low is not None or self.high is not None:
                raise ValueError(f"{where}: a categorical setting takes choices, not low/high")
            taken = []
            for c in self.choices:
                if self.is_list and not isinstance(c, str):
                    raise ValueError(f"{where} is a list: give each choice as a comma-joined "
                                     f"string (e.g. \"srs,rapm\"), not {c!r}")
                try:
                    value = self.setting(c)
                except ValidationError as exc:
                    raise ValueError(f"{where}: choice {c!r} is not a valid value: "
                                     f"{exc.errors()[0]['msg']}") from None
                # 1 and 1.0 (or True) are one value to a float (bool) setting, and one
                # choice to Optuna, which would never draw the second
                if value in taken:
                    raise ValueError(f"{where}: a choice is listed twice ({self.choices})")
                taken.append(value)
            return self
        if self.choices is not None:
            raise ValueError(f"{where}: choices need type: categorical")
        # an optional number (None = a rule switched off) is searched over its numbers
        kind = next((a for a in get_args(fields[self.name].annotation) if a is not NoneType),
                    fields[self.name].annotation)
        if kind not in (int, float):
            raise ValueError(f"{where} is not a number: give type: categorical and choices")
        if self.low is None or self.high is None:
            raise ValueError(f"{where}: a numeric range needs low and high")
        if kind is int and self.type != "int":
            raise ValueError(f"{where} is a whole number: give type: int")
        if not self.low < self.high:
            raise ValueError(f"{where}: low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"{where}: a log scale needs low > 0")
        if self.type == "int" and not (float(self.low).is_integer()
                                       and float(self.high).is_integer()):
            raise ValueError(f"{where}: an int range needs whole bounds")
        return self

    @property
    def is_list(self) -> bool:
        return get_origin(_TUNABLE[self.section].model_fields[self.name].annotation) is list

    def setting(self, drawn: Choice) -> object:
        """A drawn value as the setting holds it once validated (30 -> 30.0 for a float)."""
        section = _TUNABLE[self.section]
        return getattr(section.model_validate({self.name: tuned_setting(self.key, drawn)}),
                       self.name)

    def draw_of(self, value: object) -> tuple[bool, Choice]:
        """(True, what this dimension draws for the setting's ``value``), or (False, None)
        when the value lies outside it (the base configuration's first trial)."""
        if self.type == "categorical":
            for c in self.choices or []:
                if self.setting(c) == value:
                    return True, c
            return False, None
        inside = (isinstance(value, int | float) and not isinstance(value, bool)
                  and self.low <= value <= self.high)
        return (True, value) if inside else (False, None)

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


class TuneSection(_Section):
    """``truestrength tune``: Optuna's TPE over the models' settings, scored on validation
    seasons that all come before ``before_season`` (the first test season), never on a test
    season. ``objective``: "regular" is the pooled regular-season game log loss of a
    walk-forward backtest of ``predictor``; "postseason" the pooled log loss of the
    postseason blend (``models.postseason``, fitted on the seasons before each validation
    season as ``train`` fits it) on their play-in and playoff games, which trains no network:
    seconds a trial."""

    objective: Literal["regular", "postseason"] = "regular"
    # The backtest predictor a "regular" trial scores (rapm, model_ab, ...); None: model_a.
    # The postseason objective scores the postseason blend and takes none.
    predictor: str | None = Field(None, min_length=1)
    n_trials: int = Field(20, ge=1)  # per process: several processes add up in one study
    seed: int = 0  # the sampler's seed in the process that creates the study
    # TPE draws this many random trials before it models the objective.
    n_startup_trials: int = Field(10, ge=1)
    # Workers sharing a study see each other's running trials as if they had scored badly,
    # so they do not all probe the same point (Optuna's constant liar).
    constant_liar: bool = True
    # The study's first trial scores the base configuration's own values (those inside the
    # search space), so every study says how the current defaults fare on its objective.
    first_trial_from_config: bool = True
    # Each trial's value is the mean over Model A seeds model_a.seed, +1, ... (this many): one
    # seed's validation log loss moved by 0.005 between seeds 0 and 1, more than the top ten
    # settings of study model_a_real_2 differed (BENCHMARKS.md).
    seeds: int = Field(1, ge=1)
    # Relative sqlite paths are relative to the working folder; postgresql://user:pw@host/db
    # lets many processes and machines share one study.
    storage: str = "sqlite:///runs/tune/optuna.db"
    # Workers started together on an empty database can collide creating Optuna's tables;
    # the one that loses retries this many times.
    storage_retries: int = Field(5, ge=0)
    study_name: str = Field("model_a", min_length=1)
    out_dir: str = "runs/tune"
    # The first test season: every validation season is strictly before it. 2019-20 is the
    # first of the project's test seasons 2019-20 ... 2023-24.
    before_season: str = Field("2019-20", pattern=r"^\d{4}-\d{2}$")
    # How many seasons right before before_season are scored (each fitted on the seasons
    # before it); None below uses this. 2 = 2017-18 and 2018-19 on the real data.
    validation_seasons: int = Field(2, ge=1)
    # An explicit list instead (checked: all before before_season); None = the rule above.
    validation: list[str] | None = None
    params: list[TuneParam] = [
        TuneParam(name="lr", low=1e-4, high=1e-2, log=True),
        TuneParam(name="game_loss_weight", low=10.0, high=1000.0, log=True),
        TuneParam(name="minutes_bias_init", low=0.5, high=4.0),
        TuneParam(name="dropout", low=0.0, high=0.5),
        TuneParam(name="weight_decay", low=1e-3, high=0.3, log=True),
    ]

    @model_validator(mode="after")
    def _seasons_and_params(self) -> TuneSection:
        season_start_year(self.before_season)
        if self.objective == "postseason" and self.predictor is not None:
            raise ValueError("tune.predictor is for the regular objective; the postseason "
                             "objective scores the postseason blend")
        for s in self.validation or []:
            season_start_year(s)
        keys = [p.key for p in self.params]
        if not keys:
            raise ValueError("tune.params: the search space is empty")
        if len(set(keys)) != len(keys):
            raise ValueError(f"tune.params: a setting is listed twice ({keys})")
        return self


class Config(_Section):
    synth: SynthSection = SynthSection()
    demo: DemoSection = DemoSection()
    fetch: FetchSection = FetchSection()
    ingest: IngestSection = IngestSection()
    elo: EloSection = EloSection()
    baselines: BaselinesSection = BaselinesSection()
    rapm: RapmSection = RapmSection()
    simulation: SimulationSection = SimulationSection()
    backtest: BacktestSection = BacktestSection()
    verify: VerifySection = VerifySection()
    roster: RosterSection = RosterSection()
    playoff_rotation: PlayoffRotationSection = PlayoffRotationSection()
    model_a: ModelASection = ModelASection()
    model_b: ModelBSection = ModelBSection()
    blend: BlendSection = BlendSection()
    predict: PredictSection = PredictSection()
    availability: AvailabilitySection = AvailabilitySection()
    tune: TuneSection = TuneSection()
    report: ReportSection = ReportSection()

    @model_validator(mode="after")
    def _across_sections(self) -> Config:
        if self.model_a.value_skip and (not self.roster.rapm_feature
                                        or "rapm_value" in self.model_a.features_off):
            # From 0 the path never grows in a fit's few hundred steps (stop 26): a run
            # asking for it would silently be the model without it.
            raise ValueError("model_a.value_skip starts at the ridge's player values, which "
                             "need roster.rapm_feature: true and rapm_value not in "
                             "model_a.features_off")
        return self


# Settings that say how to run, not what was learnt: a run may be used with other values.
RUNTIME_SETTINGS = {"threads", "nthread", "cache_dir"}


def check_same_settings(path: Path, name: str, saved: BaseModel, expected: BaseModel) -> None:
    """RunError naming every setting of section ``name`` that differs (runtime ones aside)."""
    a, b = saved.model_dump(), expected.model_dump()
    diff = sorted(k for k in set(a) | set(b)
                  if k not in RUNTIME_SETTINGS and a.get(k) != b.get(k))
    if diff:
        items = ", ".join(f"{name}.{k}: trained {a.get(k)!r} vs config {b.get(k)!r}"
                          for k in diff)
        raise RunError(f"{path} was trained under a different configuration ({items}); "
                       "retrain, or use it with its own configuration (no --config)")


def with_overrides(config: Config, section: str, **values: object) -> Config:
    """``config`` with the given fields of one section replaced (None values ignored: an
    option not given), and validated like a file would be: a command-line option cannot
    bypass the checks."""
    return with_sections(config, {section: {k: v for k, v in values.items() if v is not None}})


def with_sections(config: Config, values: dict[str, dict[str, object]]) -> Config:
    """``config`` with the fields of several sections set at once, None included (a rule
    switched off), then validated like a file: a rule across sections sees every new value
    together, not one section's."""
    values = {section: v for section, v in values.items() if v}
    if not values:
        return config
    try:
        sections = {section: type(getattr(config, section))(
            **{**getattr(config, section).model_dump(), **v}) for section, v in values.items()}
        # model_copy runs no validator of Config's own: a round trip through it does
        return Config.model_validate(config.model_copy(update=sections).model_dump())
    except ValidationError as exc:
        raise ConfigError(f"invalid setting(s) "
                          f"{sorted(f'{s}.{k}' for s, v in values.items() for k in v)}:\n{exc}"
                          ) from exc


# Fields added since runs were first saved, with the value a run saved before the field
# existed was trained under. A run saves every field of its configuration, so a field missing
# from it postdates the run; the default of today would silently change an old run.
FIELDS_ADDED: dict[tuple[str, str], object] = {("rapm", "box_prior"): False,
                                               ("blend", "postseason_combine"): "fitted"}


def saved_config(raw: dict) -> Config:
    """A saved run's configuration (every field it had), each field it predates at the value
    it was trained under (``FIELDS_ADDED``). Raises pydantic's ValidationError."""
    raw = {k: _with_added(k, v) if isinstance(v, dict) else v for k, v in raw.items()}
    for section in {s for s, _ in FIELDS_ADDED}:  # a run from before the whole section
        raw.setdefault(section, _with_added(section, {}))
    return Config.model_validate(raw)


def saved_section(section: str, raw: dict) -> _Section:
    """One section of a saved configuration (a checkpoint keeps its own), as
    :func:`saved_config` reads it."""
    return Config.model_fields[section].annotation.model_validate(_with_added(section, raw))


def _with_added(section: str, raw: dict) -> dict:
    return {**{name: value for (s, name), value in FIELDS_ADDED.items() if s == section},
            **raw}


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
