"""The "not learning" guard for Model A.

An earlier system trained for whole runs at loss == ln(15!) = 27.8993 — the ListMLE loss of
constant scores — with zero attention weights and zero gradients, and nothing said so. This
module measures the figures that expose such a run and names the most likely cause:

* :class:`PlateauGuard` — fires when a smoothed (moving-average) train loss has stopped
  falling relative to its size; the trainer ignores it while validation still improves;
* :func:`diagnose` — one forward/backward on a batch, returns a :class:`Diagnosis` with loss
  vs ``mean ln(L!)``, score spread, attention entropy, masking shares, per-group gradient
  norms, NaN/inf counts, dead units, the learning rate, and one sentence ``cause``;
* :class:`SignalCheck` / :func:`null_spearman_se` — does the kept model rank held-out lists
  better than a shuffled model would by chance;
* :class:`NotLearningError` — raise it with the Diagnosis so the run stops loudly;
* :func:`attention_stats` — per-epoch attention figures for a debug history;
* :func:`make_toy_ranking_problem` — a problem any working Model A must learn; if it cannot,
  the bug is in the model/training code, not in the data.

``trainer.train_ranker`` uses them so: the plateau only ends a run; at every exit (early
stopping, plateau, last epoch) the kept weights are diagnosed and their signal checked, and
a degenerate diagnosis (``Diagnosis.degenerate``) or a failed signal check raises
NotLearningError.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from truestrength.base.errors import ModelError
from truestrength.models.model_a.listmle import listmle_loss, mean_log_factorial
from truestrength.models.model_a.network import RosterSetRanker, score_lists

__all__ = [
    "Diagnosis",
    "NotLearningError",
    "PlateauGuard",
    "SignalCheck",
    "ToyProblem",
    "attention_stats",
    "diagnose",
    "make_toy_ranking_problem",
    "null_spearman_se",
]

# Thresholds of the cause rules (module constants so a report can quote them).
SCORE_STD_EPS = 1e-4  # mean within-list score std below this = constant scores
LOSS_RATIO_CHANCE = 0.99  # loss / mean ln(L!) above this = no better than constant scores
LOSS_RATIO_PLATEAU = 0.9  # above this with varying scores = scores do not track relevance
# Total gradient norm below this = zero gradient. At constant scores dloss/dscore is O(1)
# per team, so any live path gives norms >> 1e-4; identical float32 encodings leave ~1e-6.
GRAD_EPS = 1e-4
LR_TINY = 1e-6
FEATURE_STD_EPS = 1e-8
DEAD_SHARE_HIGH = 0.9
ENTROPY_SHARE_UNIFORM = 0.99
ENTROPY_SHARE_COLLAPSED = 0.05
# Codes that reject a model at the end of training whatever its Spearman (with every
# "constant_scores_*" code): its scores cannot be trusted or carry nothing.
DEGENERATE_CODES = {"nonfinite_inputs", "nonfinite_params", "all_masked_rows"}
NO_SIGNAL_CODE = "no_signal"


# ---------------------------------------------------------------------------- attention stats
def attention_stats(attn: Tensor, mask: Tensor) -> dict[str, float]:
    """Summaries of attention ``attn [B, H, P]`` (or ``[N, L, H, P]``) under ``mask [B, P]``.

    With ``n_b`` real players in row b and ``a`` a head's weights over them:

    * ``attn_sum_mean``: mean of ``sum_p a_p`` over real players (must be 1);
    * ``attn_padding_mass``: mean of ``sum_p a_p`` over padding (must be 0);
    * ``attn_max_mean``: mean of ``max_p a_p`` (1 = collapsed onto one player);
    * ``attn_entropy_mean``: mean of ``H = -sum_p a_p ln a_p`` (nats);
    * ``attn_entropy_share``: mean of ``H / ln(n_b)`` over rows with ``n_b >= 2``
      (1 = uniform, 0 = one-hot); NaN if no such row.
    """
    a = attn.detach().to(torch.float64)
    m = mask.detach()
    if a.ndim == 4:  # [N, L, H, P] from score_lists
        a = a.reshape(-1, *a.shape[2:])
        m = m.reshape(-1, m.shape[-1])
    if a.ndim != 3 or m.shape != (a.shape[0], a.shape[2]):
        raise ValueError(
            f"attn [B,H,P] and mask [B,P] disagree: {tuple(a.shape)}, {tuple(m.shape)}"
        )
    keep = m.any(dim=1)  # skip rows that are padded list entries
    a, m = a[keep], m[keep]
    if a.shape[0] == 0:
        nan = float("nan")
        return {
            k: nan
            for k in (
                "attn_sum_mean",
                "attn_padding_mass",
                "attn_max_mean",
                "attn_entropy_mean",
                "attn_entropy_share",
            )
        }
    m3 = m.unsqueeze(1).expand_as(a)
    valid = torch.where(m3, a, torch.zeros_like(a))
    pad = torch.where(m3, torch.zeros_like(a), a)
    ent = -torch.xlogy(valid, valid).sum(dim=-1)  # [B, H]; 0 ln 0 = 0
    n_valid = m.sum(dim=1).to(torch.float64)
    multi = n_valid >= 2
    share = (
        (ent[multi] / torch.log(n_valid[multi]).unsqueeze(1)).mean().item()
        if bool(multi.any())
        else float("nan")
    )
    return {
        "attn_sum_mean": valid.sum(-1).mean().item(),
        "attn_padding_mass": pad.sum(-1).mean().item(),
        "attn_max_mean": valid.max(dim=-1).values.mean().item(),
        "attn_entropy_mean": ent.mean().item(),
        "attn_entropy_share": share,
    }


# ---------------------------------------------------------------------------- plateau guard
class PlateauGuard:
    """Fires when a smoothed train loss has stopped improving *relative to its size*.

    The loss is smoothed by an exponential moving average, ``ema_1 = loss_1`` and
    ``ema_t = alpha * loss_t + (1 - alpha) * ema_{t-1}``, because a train loss under dropout
    and random tie-breaking wobbles from epoch to epoch by more than a slow learner gains.
    ``update(loss)`` returns True once ``window + 1`` epochs are in and
    ``(ema_{t-window} - ema_t) / |ema_{t-window}| < min_rel_improvement``: the loss fell by
    less than that share of itself over the last ``window`` epochs. Relative, so a threshold
    means the same at ln(15!) = 27.9 as at 0.5. A non-finite loss returns True at once:
    there is nothing to wait for.

    This is only half of the plateau test: the trainer ignores a plateau while the
    validation loss is still falling (see ``train_ranker``).
    """

    def __init__(self, window: int = 3, min_rel_improvement: float = 1e-3,
                 ema_alpha: float = 0.5) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if min_rel_improvement < 0:
            raise ValueError(f"min_rel_improvement must be >= 0, got {min_rel_improvement}")
        if not 0 < ema_alpha <= 1:
            raise ValueError(f"ema_alpha must be in (0, 1], got {ema_alpha}")
        self.window = window
        self.min_rel_improvement = min_rel_improvement
        self.ema_alpha = ema_alpha
        self.reset()

    def reset(self) -> None:
        self.history: list[float] = []
        self.ema: list[float] = []

    @property
    def rel_improvement(self) -> float:
        """Relative fall of the smoothed loss over the last ``window`` epochs (NaN before)."""
        if len(self.ema) <= self.window:
            return float("nan")
        then, now = self.ema[-1 - self.window], self.ema[-1]
        return (then - now) / max(abs(then), 1e-12)

    def update(self, train_loss: float) -> bool:
        loss = float(train_loss)
        self.history.append(loss)
        if not math.isfinite(loss):
            return True
        prev = self.ema[-1] if self.ema else loss
        self.ema.append(self.ema_alpha * loss + (1 - self.ema_alpha) * prev)
        rel = self.rel_improvement
        return math.isfinite(rel) and rel < self.min_rel_improvement


# ---------------------------------------------------------------------------- signal test
@dataclass(frozen=True)
class SignalCheck:
    """Does the model rank held-out lists better than a model that ignores the rosters?

    ``spearman`` is the mean over lists of Spearman(score, relevance) at the epoch whose
    weights are kept (the best validation epoch; the training lists when there is no
    validation). A constant model scores 0 and a shuffled one 0 on average; its chance
    spread is ``se_null``, computed by :func:`null_spearman_se`. The model shows signal when
    ``spearman >= threshold = max(min_spearman, z * se_null)``.
    """

    on: str  # "validation" or "training"
    spearman: float
    loss: float  # mean ListMLE on those lists
    log_factorial_mean: float  # what a constant model's loss is on those lists
    se_null: float
    threshold: float
    n_lists: int
    n_groups: int  # independent units in se_null: (season, conference)
    epoch: int
    still_improving: bool = False  # validation loss set its best at the last epoch
    # With a game loss, the games are evidence too: the kept weights' game loss on the same
    # season's games, that of constant scores (home court and rest alone), and the share of
    # it that must be gained to count (a strength unrelated to margins gains ~1/n by chance).
    game_loss: float | None = None
    game_loss_null: float | None = None
    min_game_gain: float = 0.0

    @property
    def game_gain(self) -> float | None:
        if self.game_loss is None or not self.game_loss_null:
            return None
        return 1.0 - self.game_loss / self.game_loss_null

    @property
    def passed(self) -> bool:
        lists_pass = math.isfinite(self.spearman) and self.spearman >= self.threshold
        gain = self.game_gain
        return lists_pass or (gain is not None and math.isfinite(gain)
                              and gain >= self.min_game_gain)

    def to_text(self) -> str:
        return (f"{self.on} signal at epoch {self.epoch}: mean Spearman {self.spearman:.3f} "
                f"vs threshold {self.threshold:.3f} (a shuffled model's chance spread "
                f"{self.se_null:.3f} over {self.n_groups} independent (season, conference) "
                f"group(s) of {self.n_lists} lists); loss {self.loss:.4g} = "
                f"{self.loss / self.log_factorial_mean:.4f} x ln(L!)"
                + ("" if self.game_gain is None else
                   f"; game loss {self.game_loss:.4f} vs {self.game_loss_null:.4f} with "
                   f"constant scores ({self.game_gain:.1%} gained, {self.min_game_gain:.1%} "
                   "needed)"))


def null_spearman_se(group: np.ndarray, lengths: np.ndarray) -> tuple[float, int]:
    """Standard error of the mean-over-lists Spearman of a model unrelated to the targets.

    For one list of L teams, a random ordering's Spearman has mean 0 and variance
    ``1/(L-1)``. Lists of the same (season, conference) at different dates hold the same
    teams with nearly the same rosters and, for the final-rank target, the same relevance,
    so a chance agreement repeats in every one of them: they are counted as one list
    (fully correlated), which is the conservative choice. With ``w_g`` the share of lists in
    group g and ``L_g`` its mean list length, ``se^2 = sum_g w_g^2 / (L_g - 1)``.
    Returns ``(se, number of groups)``.
    """
    group = np.asarray(group)
    lengths = np.asarray(lengths, dtype=np.float64)
    keep = lengths >= 2
    group, lengths = group[keep], lengths[keep]
    if len(lengths) == 0:
        return float("nan"), 0
    _, gid = np.unique(group, return_inverse=True)
    n_per = np.bincount(gid).astype(np.float64)
    mean_len = np.bincount(gid, lengths) / n_per
    w = n_per / n_per.sum()
    return float(np.sqrt((w**2 / (mean_len - 1)).sum())), len(n_per)


def no_signal_cause(signal: SignalCheck) -> str:
    """One plain sentence for a model that ranks no better than one ignoring the rosters."""
    where = ("the held-out season(s)" if signal.on == "validation"
             else "its own training lists (no held-out season to check on)")
    return (
        f"The model ranks {where} no better than a model that ignores the rosters: its best "
        f"mean Spearman is {signal.spearman:.3f}, below the {signal.threshold:.3f} needed to "
        f"tell it from a shuffled model (chance spread {signal.se_null:.3f}), and its loss is "
        f"{signal.loss / signal.log_factorial_mean:.3f} x that of constant scores. The "
        "targets do not follow from the inputs: check that targets and rosters are aligned "
        "(same teams, same dates) and that the features are not empty."
        + ("" if signal.game_gain is None else
           f" Nor do its strengths explain the games' margins: game loss {signal.game_loss:.4f}"
           f" against {signal.game_loss_null:.4f} for constant scores, {signal.game_gain:.1%} "
           f"gained where {signal.min_game_gain:.1%} is needed.")
        + (" Its validation loss was still falling at the last epoch: it may be a slow "
           "learner, so train more epochs or with a larger learning rate before concluding."
           if signal.still_improving else "")
    )


# ---------------------------------------------------------------------------- diagnosis
@dataclass
class Diagnosis:
    """Measured figures of one batch plus one sentence naming the most likely cause.

    ``loss_ratio = loss / log_factorial_mean``: 1.0 is what constant scores give.
    Figures that need a forward pass are NaN when the inputs made it impossible
    (non-finite inputs, all-masked rosters).
    """

    cause: str
    code: str  # machine-readable cause: nonfinite_inputs, constant_scores_zero_grad_frozen, ...
    loss: float  # loss_value given by the caller, else batch_loss
    batch_loss: float  # ListMLE of this batch measured here (eval mode)
    log_factorial_mean: float  # mean over lists of ln(L!)
    loss_ratio: float
    batch_loss_ratio: float
    n_lists: int
    mean_list_length: float
    score_std_mean: float  # mean over lists (L >= 2) of the population std of scores
    attn_entropy_mean: float
    attn_entropy_share: float
    attn_max_mean: float
    attn_sum_mean: float
    attn_padding_mass: float
    all_masked_row_share: float  # teams (in lists) with no real player; must be 0
    padded_slot_share: float  # player slots that are padding, over real teams
    grad_norms: dict[str, float]  # encoder / attention / scorer
    grad_norm_total: float
    n_nonfinite_inputs: int  # in x/minutes at real players and relevance at real entries
    n_nonfinite_params: int
    n_nonfinite_grads: int
    frozen_params: list[str]  # names with requires_grad=False
    dead_unit_share: float  # encoder GELU units with pre-activation <= 0 for every player
    constant_feature_share: float  # features whose std over real players is ~0
    minutes_std: float
    minutes_bias: list[float]  # per-head w_h
    lr: float | None
    extra: dict[str, Any] = field(default_factory=dict)
    signal: SignalCheck | None = None  # set by the trainer's exit check

    @property
    def degenerate(self) -> bool:
        """The batch figures alone show a broken model (NaN, empty rosters, constant scores),
        whatever its Spearman."""
        return self.code in DEGENERATE_CODES or self.code.startswith("constant_scores")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        def f(v: float | None, spec: str = ".4g") -> str:
            return "n/a" if v is None else format(v, spec)

        g = ", ".join(f"{k} {f(v, '.3g')}" for k, v in self.grad_norms.items())
        lines = [
            f"cause: {self.cause}",
            f"loss {f(self.loss)} vs mean ln(L!) {f(self.log_factorial_mean)} "
            f"(ratio {f(self.loss_ratio, '.4f')}; this batch {f(self.batch_loss)}, "
            f"ratio {f(self.batch_loss_ratio, '.4f')}); {self.n_lists} lists, "
            f"mean length {f(self.mean_list_length, '.3g')}",
            f"score std within lists: {f(self.score_std_mean, '.3g')}",
            f"attention: entropy {f(self.attn_entropy_mean, '.3g')} nats = "
            f"{f(self.attn_entropy_share, '.1%')} of max, max weight "
            f"{f(self.attn_max_mean, '.3g')}, row sum {f(self.attn_sum_mean, '.4g')}, "
            f"padding mass {f(self.attn_padding_mass, '.3g')}; minutes bias w_h "
            f"{[round(w, 3) for w in self.minutes_bias]}",
            f"masking: all-masked teams {f(self.all_masked_row_share, '.1%')}, padded slots "
            f"{f(self.padded_slot_share, '.1%')}",
            f"grad norms: {g}; total {f(self.grad_norm_total, '.3g')}; lr {f(self.lr, '.3g')}",
            f"non-finite: inputs {self.n_nonfinite_inputs}, params {self.n_nonfinite_params}, "
            f"grads {self.n_nonfinite_grads}; frozen params {len(self.frozen_params)}",
            f"dead encoder units {f(self.dead_unit_share, '.1%')}; constant features "
            f"{f(self.constant_feature_share, '.1%')}; minutes std {f(self.minutes_std, '.3g')}",
        ]
        if self.signal is not None:
            lines.append(self.signal.to_text())
        return "\n".join(lines)


class NotLearningError(ModelError):
    """Training stopped because the model is not learning; ``.diagnosis`` says why."""

    def __init__(self, diagnosis: Diagnosis, message: str | None = None,
                 history: list[Any] | None = None) -> None:
        self.diagnosis = diagnosis
        self.history = history or []  # the trainer's EpochRecords up to the stop
        head = message or "Model A is not learning"
        super().__init__(f"{head}\n{diagnosis.to_text()}")


def _as_lists(
    x: Tensor,
    player_idx: Tensor,
    minutes: Tensor,
    mask: Tensor,
    relevance: Tensor,
    list_mask: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    if x.ndim == 3:  # one list = one Roster batch (docs/contracts.md)
        x, player_idx, minutes, mask = (t.unsqueeze(0) for t in (x, player_idx, minutes, mask))
        relevance = relevance.reshape(1, -1)
        if list_mask is not None:
            list_mask = list_mask.reshape(1, -1)
    if x.ndim != 4:
        raise ValueError(f"x must be [L, P, F] or [N, L, P, F], got {tuple(x.shape)}")
    n, ll = x.shape[:2]
    if list_mask is None:
        list_mask = torch.ones((n, ll), dtype=torch.bool, device=x.device)
    if tuple(relevance.shape) != (n, ll):
        raise ValueError(f"relevance must be [N, L] = {(n, ll)}, got {tuple(relevance.shape)}")
    return x, player_idx, minutes, mask, relevance, list_mask


def _cause(d: dict[str, Any], model: RosterSetRanker) -> tuple[str, str]:
    """Ordered rules -> (code, one sentence)."""
    if d["n_nonfinite_inputs"] > 0:
        return "nonfinite_inputs", (
            f"The batch contains {d['n_nonfinite_inputs']} NaN/inf values at real entries "
            f"({d['extra']['nonfinite_where']}); fix the feature pipeline rather than "
            "zero-filling them."
        )
    if d["n_nonfinite_params"] > 0 or d["n_nonfinite_grads"] > 0:
        return "nonfinite_params", (
            f"The model has {d['n_nonfinite_params']} NaN/inf parameter values and "
            f"{d['n_nonfinite_grads']} NaN/inf gradient values: training diverged "
            "(learning rate too high or a bad input earlier)."
        )
    if d["all_masked_row_share"] > 0:
        return "all_masked_rows", (
            f"{d['all_masked_row_share']:.1%} of the teams in the lists have no real player "
            "(all-masked rosters); the roster batch builder is dropping players or teams."
        )
    ratio = d["batch_loss_ratio"]
    constant = d["score_std_mean"] < SCORE_STD_EPS and ratio > LOSS_RATIO_CHANCE
    if constant:
        head = (
            f"Scores are constant within lists (std {d['score_std_mean']:.2g}, loss "
            f"{ratio:.4f} x ln(L!))"
        )
        inputs_constant = d["constant_feature_share"] >= 1.0 and d["minutes_std"] < FEATURE_STD_EPS
        if inputs_constant and (model.embedding is None or d["extra"]["n_distinct_players"] <= 1):
            return "constant_scores_constant_inputs", (
                f"{head} because the inputs are constant: every feature has std ~0 across "
                "players and minutes/player ids do not vary either."
            )
        if d["grad_norm_total"] < GRAD_EPS:
            if d["frozen_params"]:
                names = ", ".join(d["frozen_params"][:4])
                return "constant_scores_zero_grad_frozen", (
                    f"{head} and gradients are zero (total norm {d['grad_norm_total']:.2g}) "
                    f"with {len(d['frozen_params'])} frozen parameter(s) ({names}) blocking "
                    "the path from loss to the model."
                )
            if d["dead_unit_share"] > DEAD_SHARE_HIGH:
                return "constant_scores_dead_units", (
                    f"{head} and gradients are zero because {d['dead_unit_share']:.0%} of the "
                    "encoder units are dead (pre-activation <= 0 for every player)."
                )
            if d["constant_feature_share"] >= 1.0:
                return "constant_scores_constant_features", (
                    f"{head} and gradients are zero: every player feature has std ~0, so only "
                    "ids/minutes could separate teams."
                )
            return "constant_scores_vanishing_grad", (
                f"{head} and gradients vanish (total norm {d['grad_norm_total']:.2g}); a "
                "zero/saturated layer between encoder and score is blocking them."
            )
        if d["lr"] is not None and d["lr"] < LR_TINY:
            return "constant_scores_lr_tiny", (
                f"{head} although gradients flow (norm {d['grad_norm_total']:.2g}): the "
                f"learning rate {d['lr']:.2g} is too small to move the scores."
            )
        return "constant_scores_not_applied", (
            f"{head} although gradients flow (norm {d['grad_norm_total']:.2g}): check that "
            "the optimizer holds the model's parameters and that steps are taken."
        )
    share = d["attn_entropy_share"]
    if share > ENTROPY_SHARE_UNIFORM:
        return "uniform_attention", (
            f"Attention is uniform over players ({share:.1%} of max entropy), so rosters are "
            "averaged without regard to who plays: minutes bias or queries are not learning."
        )
    if share < ENTROPY_SHARE_COLLAPSED:
        return "collapsed_attention", (
            f"Attention has collapsed onto one player per team ({share:.1%} of max entropy, "
            f"max weight {d['attn_max_mean']:.2f}); lower the learning rate or the minutes "
            "bias."
        )
    if ratio > LOSS_RATIO_PLATEAU:
        return "plateau_scores_vary", (
            f"Loss plateaued at {ratio:.3f} x ln(L!) though scores vary (std "
            f"{d['score_std_mean']:.2g}): learning rate too high/low, too little model "
            "capacity, or features without signal."
        )
    return "no_degeneracy", (
        f"No degenerate condition found (loss {ratio:.3f} x ln(L!), score std "
        f"{d['score_std_mean']:.2g}); if the loss plateaued, tune the learning rate or "
        "model capacity."
    )


def diagnose(
    model: RosterSetRanker,
    x: Tensor,
    player_idx: Tensor,
    minutes: Tensor,
    mask: Tensor,
    relevance: Tensor,
    list_mask: Tensor | None = None,
    *,
    loss_value: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
) -> Diagnosis:
    """Measure one batch of lists and name the most likely reason the model is not learning.

    Inputs are lists of rosters ``x [N, L, P, F]`` (or one list ``[L, P, F]``), ``player_idx``
    / ``minutes`` / ``mask [N, L, P]``, ``relevance [N, L]`` (higher = better) and optional
    ``list_mask [N, L]`` (True = a real team). Runs one forward and backward in eval mode
    (dropout off, so the figures are deterministic), never steps the optimizer, and leaves
    all gradients set to None afterwards — call it between steps. Never raises for the
    degenerate inputs it diagnoses (NaN inputs or parameters, all-masked rosters); those skip
    the forward pass and leave its figures NaN.
    """
    x, player_idx, minutes, mask, relevance, list_mask = _as_lists(
        x, player_idx, minutes, mask, relevance, list_mask
    )
    nan = float("nan")
    lm = list_mask
    team_mask = mask & lm.unsqueeze(-1)  # real players of real teams
    n_lists = int(x.shape[0])
    lengths = lm.sum(dim=1).to(torch.float64)
    lf_mean = mean_log_factorial(lm)

    # ---- inputs
    bad_x = ~torch.isfinite(x.detach()) & team_mask.unsqueeze(-1)
    bad_m = ~torch.isfinite(minutes.detach()) & team_mask
    rel64 = relevance.detach().to(torch.float64)
    bad_r = ~torch.isfinite(rel64) & lm
    n_bad_inputs = int(bad_x.sum() + bad_m.sum() + bad_r.sum())
    where_parts = []
    if bool(bad_x.any()):
        i, t, p, f = torch.nonzero(bad_x)[0].tolist()
        where_parts.append(
            f"{int(bad_x.sum())} in x, first at list {i}, team {t}, player {p}, feature {f}"
        )
    if bool(bad_m.any()):
        i, t, p = torch.nonzero(bad_m)[0].tolist()
        where_parts.append(
            f"{int(bad_m.sum())} in minutes, first at list {i}, team {t}, player {p}"
        )
    if bool(bad_r.any()):
        i, t = torch.nonzero(bad_r)[0].tolist()
        where_parts.append(f"{int(bad_r.sum())} in relevance, first at list {i}, team {t}")

    empty_team = lm & ~mask.any(dim=-1)
    n_teams = int(lm.sum())
    all_masked_share = float(empty_team.sum()) / max(n_teams, 1)
    real_team_rows = lm & mask.any(dim=-1)
    slots = mask[real_team_rows]
    padded_share = 1.0 - float(slots.float().mean()) if slots.numel() else nan

    xv = torch.where(team_mask.unsqueeze(-1), x.detach(), torch.zeros((), dtype=x.dtype))
    xv = xv[team_mask].to(torch.float64)  # [n_real_players, F]
    finite_rows = torch.isfinite(xv).all(dim=1)
    xv = xv[finite_rows]
    if xv.shape[0] >= 2:
        feat_std = xv.std(dim=0, unbiased=False)
        const_feat_share = float((feat_std < FEATURE_STD_EPS).double().mean())
    else:
        const_feat_share = nan
    mv = minutes.detach()[team_mask].to(torch.float64)
    mv = mv[torch.isfinite(mv)]
    minutes_std = float(mv.std(unbiased=False)) if mv.numel() >= 2 else nan
    n_distinct_players = int(torch.unique(player_idx[team_mask]).numel())

    # ---- parameters
    named = list(model.named_parameters())
    n_bad_params = int(sum(int((~torch.isfinite(prm.detach())).sum()) for _, prm in named))
    frozen = [name for name, prm in named if not prm.requires_grad]
    mw = model.minutes_weight
    minutes_bias = [] if mw is None else [float(w) for w in mw.detach()]
    lr = float(optimizer.param_groups[0]["lr"]) if optimizer is not None else None

    figures: dict[str, Any] = {
        "batch_loss": nan,
        "score_std_mean": nan,
        "attn_entropy_mean": nan,
        "attn_entropy_share": nan,
        "attn_max_mean": nan,
        "attn_sum_mean": nan,
        "attn_padding_mass": nan,
        "dead_unit_share": nan,
        "n_nonfinite_grads": 0,
        "grad_norms": {g: nan for g in model.parameter_groups()},
        "grad_norm_total": nan,
    }
    can_run = n_bad_inputs == 0 and n_bad_params == 0 and all_masked_share == 0 and n_teams > 0
    if can_run:
        figures.update(_forward_backward(model, x, player_idx, minutes, mask, rel64, lm))

    batch_loss = figures.pop("batch_loss")
    loss = float(loss_value) if loss_value is not None else batch_loss
    d: dict[str, Any] = {
        "loss": loss,
        "batch_loss": batch_loss,
        "log_factorial_mean": lf_mean,
        "loss_ratio": loss / lf_mean if lf_mean > 0 else nan,
        "batch_loss_ratio": batch_loss / lf_mean if lf_mean > 0 else nan,
        "n_lists": n_lists,
        "mean_list_length": float(lengths.mean()) if n_lists else nan,
        "all_masked_row_share": all_masked_share,
        "padded_slot_share": padded_share,
        "n_nonfinite_inputs": n_bad_inputs,
        "n_nonfinite_params": n_bad_params,
        "frozen_params": frozen,
        "constant_feature_share": const_feat_share,
        "minutes_std": minutes_std,
        "minutes_bias": minutes_bias,
        "lr": lr,
        "extra": {
            "nonfinite_where": "; ".join(where_parts),
            "n_distinct_players": n_distinct_players,
            "n_teams": n_teams,
            "forward_ran": can_run,
        },
        **figures,
    }
    code, cause = _cause(d, model)
    return Diagnosis(cause=cause, code=code, **d)


def _forward_backward(
    model: RosterSetRanker,
    x: Tensor,
    player_idx: Tensor,
    minutes: Tensor,
    mask: Tensor,
    rel64: Tensor,
    lm: Tensor,
) -> dict[str, Any]:
    was_training = model.training
    model.eval()
    model.zero_grad(set_to_none=True)
    try:
        out = score_lists(model, x, player_idx, minutes, mask, lm)
        gen = torch.Generator().manual_seed(0)
        loss = listmle_loss(out.score, rel64, lm, ties="random", generator=gen)
        loss.backward()
        scores = out.score.detach().to(torch.float64)
        stds = []
        for i in range(scores.shape[0]):
            s = scores[i][lm[i]]
            if s.numel() >= 2:
                stds.append(float(s.std(unbiased=False)))
        stats = attention_stats(out.attn, mask & lm.unsqueeze(-1))

        grad_norms: dict[str, float] = {}
        n_bad_grads = 0
        for group, prms in model.parameter_groups().items():
            sq = 0.0
            for prm in prms:
                if prm.grad is None:
                    continue
                g = prm.grad.detach().to(torch.float64)
                n_bad_grads += int((~torch.isfinite(g)).sum())
                sq += float((g * g).sum())
            grad_norms[group] = math.sqrt(sq)
        total = math.sqrt(sum(v * v for v in grad_norms.values()))

        with torch.no_grad():
            flat = lm.reshape(-1)
            p = mask.shape[-1]
            msk = mask.reshape(-1, p)[flat]
            _, pre = model.encode(
                x.reshape(-1, p, x.shape[-1])[flat], player_idx.reshape(-1, p)[flat], msk
            )
            pre_real = pre[msk]  # [n_real_players, D]
            dead = (pre_real <= 0).all(dim=0)
            dead_share = float(dead.double().mean())
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    return {
        "batch_loss": float(loss.detach()),
        "score_std_mean": sum(stds) / len(stds) if stds else float("nan"),
        **stats,
        "grad_norms": grad_norms,
        "grad_norm_total": total,
        "n_nonfinite_grads": n_bad_grads,
        "dead_unit_share": dead_share,
    }


# ---------------------------------------------------------------------------- toy problem
@dataclass
class ToyProblem:
    """Lists of synthetic rosters whose true strength is known (see make_toy_ranking_problem)."""

    x: Tensor  # [N, L, P, F]
    player_idx: Tensor  # [N, L, P]
    minutes: Tensor  # [N, L, P]
    mask: Tensor  # [N, L, P]
    relevance: Tensor  # [N, L] true strength
    n_players_vocab: int


def make_toy_ranking_problem(
    n_lists: int = 20,
    list_len: int = 15,
    n_players: int = 13,
    n_features: int = 4,
    n_players_vocab: int = 200,
    seed: int = 0,
) -> ToyProblem:
    """A ranking problem a working Model A must learn quickly.

    Strength of a team = minutes-weighted mean of feature 0 over its real players,
    ``strength = sum_p m_p x_p0 / sum_p m_p``; 0–2 trailing slots per team are padding.
    """
    g = torch.Generator().manual_seed(seed)
    shape = (n_lists, list_len, n_players)
    x = torch.randn((*shape, n_features), generator=g)
    minutes = torch.rand(shape, generator=g) * 40.0
    mask = torch.ones(shape, dtype=torch.bool)
    n_pad = torch.randint(0, 3, (n_lists, list_len), generator=g)
    slot = torch.arange(n_players).view(1, 1, -1)
    mask = slot < (n_players - n_pad).unsqueeze(-1)
    player_idx = torch.randint(1, n_players_vocab, shape, generator=g)
    player_idx = torch.where(mask, player_idx, torch.zeros_like(player_idx))
    mins = torch.where(mask, minutes, torch.zeros_like(minutes))
    strength = (mins * x[..., 0]).sum(-1) / mins.sum(-1)
    return ToyProblem(x, player_idx, mins, mask, strength, n_players_vocab)
