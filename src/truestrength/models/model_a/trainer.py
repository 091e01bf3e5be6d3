"""Train the roster ranker with ListMLE, and refuse to pretend when it is not learning.

Every epoch reports train loss, validation loss and validation Spearman (mean over lists).
Early stopping on validation loss restores the best weights. A plateau guard watches the
smoothed train loss and stops a run whose loss no longer falls relative to its size, but
never while the validation loss is still setting new bests.

Whatever ends the run (early stopping, the plateau, the last epoch), the exit check runs on
the weights that are kept: a diagnosis of a training batch, and a signal test of the mean
Spearman on the validation lists (the training lists without validation) against what a
shuffled model reaches by chance. A degenerate diagnosis (NaN, empty rosters, constant
scores) or no signal raises :class:`NotLearningError` instead of returning a model that only
looks trained.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from truestrength.base.config import ModelASection
from truestrength.base.errors import ModelError
from truestrength.base.stats import mean_list_spearman
from truestrength.features.roster import RosterSnapshots
from truestrength.models.model_a.diagnostics import (
    NO_SIGNAL_CODE,
    Diagnosis,
    NotLearningError,
    PlateauGuard,
    SignalCheck,
    attention_stats,
    diagnose,
    no_signal_cause,
    null_spearman_se,
)
from truestrength.models.model_a.game_loss import GameTensors, game_margin_loss, score_games
from truestrength.models.model_a.listmle import (
    listmle_at_best_scale,
    listmle_loss,
    mean_log_factorial,
)
from truestrength.models.model_a.lists import ListSet
from truestrength.models.model_a.network import RosterModelConfig, RosterSetRanker, score_lists
from truestrength.models.model_a.vocab import UNK_INDEX, PlayerVocab


@dataclass
class TensorData:
    """Snapshots as tensors, with player ids already mapped through the vocabulary."""

    x: torch.Tensor  # [S, P, F]
    player_idx: torch.Tensor  # [S, P]
    minutes: torch.Tensor  # [S, P]
    mask: torch.Tensor  # [S, P]

    @classmethod
    def from_snapshots(cls, snaps: RosterSnapshots, vocab: PlayerVocab) -> TensorData:
        return cls(
            x=torch.from_numpy(np.ascontiguousarray(snaps.x, dtype=np.float32)),
            player_idx=torch.from_numpy(vocab.lookup(snaps.player_ids, snaps.mask)),
            minutes=torch.from_numpy(np.ascontiguousarray(snaps.minutes, dtype=np.float32)),
            mask=torch.from_numpy(snaps.mask),
        )

    def gather(self, lists: ListSet, rows: np.ndarray):
        """Batch of lists: x [B, L, P, F] etc. Padded list entries point at snapshot 0 and are
        masked out by ``list_mask``."""
        idx = torch.from_numpy(np.maximum(lists.snap_index[rows], 0))
        list_mask = torch.from_numpy(lists.list_mask[rows])
        rel = torch.from_numpy(lists.relevance[rows])
        return (self.x[idx], self.player_idx[idx], self.minutes[idx], self.mask[idx], rel,
                list_mask)


@dataclass
class EpochRecord:
    """One epoch of a training run (what ``train_history.json`` lists)."""

    epoch: int
    train_loss: float
    train_loss_over_ln_lfact: float  # 1.0 = no better than constant scores
    lr: float
    grad_norm_encoder: float  # mean over batches of each group's gradient norm
    grad_norm_attention: float
    grad_norm_scorer: float
    attn_grad_norm: float  # = grad_norm_attention, under the name the attention debug uses
    val_loss: float | None = None  # with a held-out season only
    val_spearman: float | None = None
    attn_sum_mean: float | None = None  # attention figures on the held-out season
    attn_padding_mass: float | None = None
    attn_max_mean: float | None = None
    attn_entropy_mean: float | None = None
    attn_entropy_share: float | None = None
    # With a game loss (λ > 0): its mean over the epoch's game batches, and on the held-out
    # season; val_loss is then val_listmle + λ * val_game_loss, what early stopping watches.
    train_game_loss: float | None = None
    val_game_loss: float | None = None
    # With an on-court loss (μ > 0): the same, for it; val_loss then adds μ * val_on_court_loss.
    train_on_court_loss: float | None = None
    val_on_court_loss: float | None = None
    val_listmle: float | None = None
    # The held-out ListMLE at its best temperature (``listmle_at_best_scale``): the order
    # alone, which the game loss's scale of the scores cannot hide.
    val_listmle_best_scale: float | None = None


@dataclass
class TrainResult:
    model: RosterSetRanker
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: str = ""
    diagnosis: Diagnosis | None = None
    log_factorial: float = float("nan")  # mean ln(L!) of the training lists
    seconds: float = 0.0


def make_model(section: ModelASection, n_features: int, vocab: PlayerVocab,
               skip_init: np.ndarray | None = None) -> RosterSetRanker:
    """A fresh network; ``skip_init`` [F]: the value skip's starting weights (``value_skip``)."""
    model = RosterSetRanker(RosterModelConfig.from_section(section, n_features, len(vocab)))
    if skip_init is not None and model.value_skip is not None:
        if np.shape(skip_init) != (n_features,):
            raise ValueError(f"skip_init must be [{n_features}], got {np.shape(skip_init)}")
        with torch.no_grad():
            model.value_skip.weight.copy_(torch.as_tensor(skip_init, dtype=torch.float32)[None])
    return model


def _list_spearman(scores: np.ndarray, rel: np.ndarray, mask: np.ndarray) -> float:
    rows, cols = np.nonzero(mask)
    return mean_list_spearman(scores[rows, cols], rel[rows, cols], rows)


def _evaluate(model, data: TensorData, lists: ListSet, batch: int, gen_seed: int):
    model.eval()
    losses, scores, rels, lmasks, attn_rows = [], [], [], [], []
    gen = torch.Generator().manual_seed(gen_seed)
    with torch.no_grad():
        for lo in range(0, len(lists), batch):
            rows = np.arange(lo, min(lo + batch, len(lists)))
            x, ids, mins, mask, rel, lmask = data.gather(lists, rows)
            out = score_lists(model, x, ids, mins, mask, lmask)
            losses.append(float(listmle_loss(out.score, rel, lmask, reduction="sum",
                                             generator=gen)))
            scores.append(out.score)
            rels.append(rel)
            lmasks.append(lmask)
            attn_rows.append((out.attn[lmask], mask[lmask]))
    attn = torch.cat([a for a, _ in attn_rows])
    amask = torch.cat([m for _, m in attn_rows])
    st = torch.cat(scores)
    s = st.numpy()
    best_scale, _ = listmle_at_best_scale(st, torch.cat(rels), torch.cat(lmasks),
                                          seed=gen_seed)
    return (sum(losses) / len(lists), _list_spearman(s, lists.relevance, lists.list_mask),
            attention_stats(attn, amask), s, best_scale)


def _val_game_loss(model, games: GameTensors, section: ModelASection,
                   on_court_scale: float | None = None) -> tuple[float, float | None]:
    """The game loss (and with ``on_court_scale`` the on-court loss) over the whole held-out
    season (one profiled fit, no dropout)."""
    model.eval()
    with torch.no_grad():
        out = score_games(model, games, np.arange(len(games)),
                          scale=section.game_margin_scale, on_court_scale=on_court_scale)
    return float(out.loss), None if out.on_court is None else float(out.on_court)


def train_ranker(
    section: ModelASection,
    vocab: PlayerVocab,
    train: tuple[TensorData, ListSet],
    val: tuple[TensorData, ListSet] | None = None,
    *,
    train_games: GameTensors | None = None,
    val_games: GameTensors | None = None,
    epochs: int | None = None,
    console: Console | None = None,
    progress: bool = True,
    label: str = "model A",
    skip_init: np.ndarray | None = None,
) -> TrainResult:
    """Train from scratch. With ``val``, early-stop on validation loss and restore the best
    weights; without, train ``epochs`` epochs (the guard still watches).

    With ``section.game_loss_weight`` λ > 0, each list batch is paired with a batch of
    ``train_games`` (the epoch's games split evenly over its list batches) and the step
    minimises ListMLE + λ * game loss; early stopping then watches the same sum on the
    held-out season (``val_games``). ``train_loss`` stays ListMLE alone, the quantity the
    not-learning guard's ln(L!) reference is about. With ``section.on_court_weight`` μ > 0 the
    same game batches add μ * on-court loss, scaled by the training games' on-court spread."""
    lam, w_rank, mu = (section.game_loss_weight, section.listmle_weight,
                       section.on_court_weight)
    if lam > 0 and (train_games is None or len(train_games) == 0):
        raise ModelError(f"{label}: game_loss_weight {lam} > 0 needs training games")
    if lam > 0 and val is not None and (val_games is None or len(val_games) == 0):
        raise ModelError(f"{label}: game_loss_weight {lam} > 0 needs held-out games")
    court_scale = train_games.on_court_scale() if mu > 0 else None
    started = time.perf_counter()
    torch.manual_seed(section.seed)
    console = console or Console(quiet=not progress)
    tdata, tlists = train
    if len(tlists) == 0:
        raise ModelError("no training lists: nothing to learn from")
    model = make_model(section, tdata.x.shape[-1], vocab, skip_init)
    opt = torch.optim.AdamW(model.parameters(), lr=section.lr, weight_decay=section.weight_decay)
    n_epochs = epochs or section.epochs
    rng = np.random.default_rng(section.seed)
    tie_gen = torch.Generator().manual_seed(section.seed)
    guard = PlateauGuard(section.guard_window, section.guard_min_rel_improvement,
                         section.guard_ema_alpha)
    lnf = mean_log_factorial(torch.from_numpy(tlists.list_mask))
    result = TrainResult(model=model, log_factorial=lnf)
    best_val, best_state, bad_epochs = math.inf, None, 0
    groups = model.parameter_groups()
    columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn()]
    with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
        task = bar.add_task(label, total=n_epochs, info="")
        for epoch in range(1, n_epochs + 1):
            model.train()
            order = rng.permutation(len(tlists))
            total, grad_sums = 0.0, dict.fromkeys(groups, 0.0)
            n_batches = 0
            if lam > 0:
                # Drawn only with a game loss, so λ = 0 trains exactly as before.
                game_chunks = np.array_split(rng.permutation(len(train_games)),
                                             -(-len(order) // section.batch_lists))
                game_total = court_total = 0.0
            for lo in range(0, len(order), section.batch_lists):
                rows = order[lo: lo + section.batch_lists]
                x, ids, mins, mask, rel, lmask = tdata.gather(tlists, rows)
                if section.unknown_player_rate > 0:
                    # Some known players are shown as "unknown", so the unknown-player
                    # embedding that rookies and new arrivals get at prediction is trained.
                    hide = (torch.rand(ids.shape, generator=tie_gen)
                            < section.unknown_player_rate) & (ids > UNK_INDEX)
                    ids = torch.where(hide, torch.full_like(ids, UNK_INDEX), ids)
                out = score_lists(model, x, ids, mins, mask, lmask)
                loss = listmle_loss(out.score, rel, lmask, generator=tie_gen)
                step_loss = w_rank * loss
                if lam > 0:
                    gout = score_games(model, train_games, game_chunks[n_batches],
                                       scale=section.game_margin_scale,
                                       unknown_rate=section.unknown_player_rate,
                                       generator=tie_gen, on_court_scale=court_scale)
                    step_loss = step_loss + lam * gout.loss
                    game_total += float(gout.loss.detach())
                    if gout.on_court is not None:
                        step_loss = step_loss + mu * gout.on_court
                        court_total += float(gout.on_court.detach())
                if not torch.isfinite(step_loss):
                    raise NotLearningError(
                        diagnose(model, x, ids, mins, mask, rel, lmask, optimizer=opt),
                        f"{label}: training loss became {float(loss)} at epoch {epoch}")
                opt.zero_grad(set_to_none=True)
                # ListMLE alone rewards ever-larger score gaps on lists it has memorised; a
                # small penalty on score size keeps the scale honest without a clamp.
                penalty = section.score_l2 * (out.score[lmask] ** 2).mean()
                (step_loss + penalty).backward()
                for g, params in groups.items():
                    norms = [p.grad.detach().norm() for p in params if p.grad is not None]
                    grad_sums[g] += float(torch.stack(norms).norm()) if norms else 0.0
                opt.step()
                total += float(loss.detach()) * len(rows)
                n_batches += 1
            train_loss = total / len(tlists)
            row = EpochRecord(epoch=epoch, train_loss=train_loss,
                              train_loss_over_ln_lfact=train_loss / lnf,
                              lr=opt.param_groups[0]["lr"],
                              attn_grad_norm=grad_sums["attention"] / n_batches,
                              **{f"grad_norm_{g}": v / n_batches for g, v in grad_sums.items()})
            if lam > 0:
                row.train_game_loss = game_total / n_batches
            if mu > 0:
                row.train_on_court_loss = court_total / n_batches
            if val is not None:
                vloss, vrho, astats, _, row.val_listmle_best_scale = _evaluate(
                    model, *val, section.batch_lists, 0)
                row.val_loss, row.val_spearman = vloss, vrho
                if lam > 0:
                    row.val_listmle = vloss
                    row.val_game_loss, row.val_on_court_loss = _val_game_loss(
                        model, val_games, section, court_scale)
                    row.val_loss = w_rank * vloss + lam * row.val_game_loss
                    if mu > 0:
                        row.val_loss += mu * row.val_on_court_loss
                if section.attention_debug:
                    for k, v in astats.items():
                        setattr(row, k, v)
            result.history.append(row)
            info = f"train {train_loss:.4f} (ln L! {lnf:.4f})"
            if val is not None:
                info += f"  val {row.val_loss:.4f}  ρ {row.val_spearman:.3f}"
            if lam > 0:
                info += f"  game {row.train_game_loss:.4f}"
                if val is not None:
                    info += f" (val {row.val_game_loss:.4f})"
            if mu > 0:
                info += f"  on-court {row.train_on_court_loss:.4f}"
                if val is not None:
                    info += f" (val {row.val_on_court_loss:.4f})"
            bar.update(task, advance=1, info=info)
            console.print(f"{label} epoch {epoch:3d}  {info}", highlight=False)
            if val is not None:
                if row.val_loss < best_val - 1e-6:
                    best_val, best_state, bad_epochs = row.val_loss, copy.deepcopy(
                        model.state_dict()), 0
                    result.best_epoch = epoch
                else:
                    bad_epochs += 1
                if bad_epochs >= section.early_stopping_patience:
                    result.stop_reason = (f"early stopping: validation loss did not improve for "
                                          f"{bad_epochs} epochs; best epoch {result.best_epoch}")
                    break
            # The guard watches what the step minimises: with a game loss, ListMLE alone may
            # rest while the games are still being learnt (and with listmle_weight 0, it must).
            objective = (w_rank * train_loss + (lam * row.train_game_loss if lam > 0 else 0.0)
                         + (mu * row.train_on_court_loss if mu > 0 else 0.0))
            plateau = guard.update(objective)
            # A plateau of the train loss is no reason to stop while validation still improves.
            if plateau and val is not None and epoch - result.best_epoch < section.guard_window \
                    and math.isfinite(train_loss):
                plateau = False
            if plateau:
                result.stop_reason = (
                    f"train loss plateaued at epoch {epoch}: its moving average fell by "
                    f"{guard.rel_improvement:.2%} over {section.guard_window} epochs "
                    f"(threshold {section.guard_min_rel_improvement:.2%})")
                console.print(f"[bold yellow]{label}: {result.stop_reason} — stopping.[/]")
                break
        else:
            result.stop_reason = f"ran all {n_epochs} epochs"
    if val is not None and best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.history)
    model.eval()
    result.diagnosis = _exit_check(section, model, opt, train, val, result, label, console,
                                   val_games if val is not None else train_games)
    result.seconds = time.perf_counter() - started
    return result


def _signal_check(section: ModelASection, model: RosterSetRanker,
                  train: tuple[TensorData, ListSet], val: tuple[TensorData, ListSet] | None,
                  result: TrainResult, games: GameTensors | None = None) -> SignalCheck:
    data, lists = val if val is not None else train
    if val is not None and result.best_epoch >= 1:
        # The kept weights are the best epoch's: its figures were measured in the loop.
        best = result.history[result.best_epoch - 1]
        loss, rho = float(best.val_loss), float(best.val_spearman)
    else:
        loss, rho, _, _, _ = _evaluate(model, data, lists, section.batch_lists, 0)
    group = (lists.keys["season"].astype(str) + "|" + lists.keys["conference"].astype(str))
    se, n_groups = null_spearman_se(group.to_numpy(), lists.list_mask.sum(axis=1))
    lnf = mean_log_factorial(torch.from_numpy(lists.list_mask))
    threshold = max(section.guard_min_spearman, section.guard_null_z * se)
    game_loss = game_null = None
    if section.game_loss_weight > 0 and games is not None and len(games):
        game_loss, _ = _val_game_loss(model, games, section)
        rows = np.arange(len(games))
        _, _, _, _, margin, neutral, b2b_h, b2b_r = games.gather(rows)
        zero = torch.zeros(len(rows))
        game_null = float(game_margin_loss(zero, zero, margin, neutral, b2b_h, b2b_r,
                                           scale=section.game_margin_scale).loss)
    return SignalCheck(game_loss=game_loss, game_loss_null=game_null,
                       min_game_gain=section.guard_min_game_gain,
                       on="validation" if val is not None else "training",
                       spearman=rho if math.isfinite(rho) else 0.0, loss=loss,
                       log_factorial_mean=lnf, se_null=se, threshold=threshold,
                       n_lists=len(lists), n_groups=n_groups, epoch=result.best_epoch,
                       still_improving=(val is not None
                                        and result.best_epoch == len(result.history)))


def _exit_check(section: ModelASection, model: RosterSetRanker, opt: torch.optim.Optimizer,
                train: tuple[TensorData, ListSet], val: tuple[TensorData, ListSet] | None,
                result: TrainResult, label: str, console: Console,
                games: GameTensors | None = None) -> Diagnosis:
    """Diagnose the kept weights and raise NotLearningError if they are degenerate or show
    no signal; runs at every exit of ``train_ranker``."""
    tdata, tlists = train
    # The first lists, not a random draw: the same run gives the same diagnosis.
    x, ids, mins, mask, rel, lmask = tdata.gather(
        tlists, np.arange(min(len(tlists), 4 * section.batch_lists)))
    # loss_value None: the loss of the kept weights on this batch, not the last epoch's.
    diag = diagnose(model, x, ids, mins, mask, rel, lmask, optimizer=opt)
    diag.signal = _signal_check(section, model, train, val, result, games)
    if diag.degenerate:
        raise NotLearningError(diag, f"{label} is not learning ({result.stop_reason}): "
                                     f"{diag.cause}", result.history)
    if not diag.signal.passed:
        diag.code, diag.cause = NO_SIGNAL_CODE, no_signal_cause(diag.signal)
        raise NotLearningError(diag, f"{label} shows no signal ({result.stop_reason}): "
                                     f"{diag.cause}", result.history)
    console.print(f"{label}: {result.stop_reason}; {diag.signal.to_text()}", highlight=False)
    if diag.code != "no_degeneracy":
        console.print(f"[yellow]{label}: note: {diag.cause}[/]")
    return diag


def score_snapshots(model: RosterSetRanker, data: TensorData, batch: int = 512):
    """Scores, pooled Z and attention of every snapshot (eval mode, no gradients)."""
    model.eval()
    scores, attn = [], []
    with torch.no_grad():
        for lo in range(0, data.x.shape[0], batch):
            sl = slice(lo, lo + batch)
            model.validate(data.x[sl], data.player_idx[sl], data.minutes[sl], data.mask[sl])
            out = model(data.x[sl], data.player_idx[sl], data.minutes[sl], data.mask[sl])
            scores.append(out.score.numpy())
            attn.append(out.attn.numpy())
    return np.concatenate(scores), np.concatenate(attn)
