"""Train the roster ranker with ListMLE, and refuse to pretend when it is not learning.

Every epoch reports train loss, validation loss and validation Spearman (mean over lists).
Early stopping on validation loss restores the best weights. Independently, the not-learning
guard watches train loss: if it has not improved for ``guard_patience`` epochs in a row,
training stops and a diagnosis measured from the run is printed; if that diagnosis finds the
model degenerate (loss near ln(L!), constant scores, NaN, dead gradients...), training raises
:class:`NotLearningError` instead of returning a model that only looks trained.
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
    Diagnosis,
    NotLearningError,
    PlateauGuard,
    attention_stats,
    diagnose,
)
from truestrength.models.model_a.game_loss import GameTensors, score_games
from truestrength.models.model_a.listmle import listmle_loss, mean_log_factorial
from truestrength.models.model_a.lists import ListSet
from truestrength.models.model_a.network import RosterModelConfig, RosterSetRanker, score_lists
from truestrength.models.model_a.vocab import UNK_INDEX, PlayerVocab

# Diagnosis codes that mean "this plateau is fine: the model learnt and then converged".
HEALTHY_CODES = {"plateau_scores_vary", "no_degeneracy"}
# A plateau this close to ln(L!) is not convergence, whatever the code says.
DEGENERATE_LOSS_RATIO = 0.95


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
    val_listmle: float | None = None


@dataclass
class TrainResult:
    model: RosterSetRanker
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: str = ""
    diagnosis: Diagnosis | None = None
    log_factorial: float = float("nan")  # mean ln(L!) of the training lists
    seconds: float = 0.0


def make_model(section: ModelASection, n_features: int, vocab: PlayerVocab) -> RosterSetRanker:
    return RosterSetRanker(RosterModelConfig.from_section(section, n_features, len(vocab)))


def _list_spearman(scores: np.ndarray, rel: np.ndarray, mask: np.ndarray) -> float:
    rows, cols = np.nonzero(mask)
    return mean_list_spearman(scores[rows, cols], rel[rows, cols], rows)


def _evaluate(model, data: TensorData, lists: ListSet, batch: int, gen_seed: int):
    model.eval()
    losses, scores, attn_rows = [], [], []
    gen = torch.Generator().manual_seed(gen_seed)
    with torch.no_grad():
        for lo in range(0, len(lists), batch):
            rows = np.arange(lo, min(lo + batch, len(lists)))
            x, ids, mins, mask, rel, lmask = data.gather(lists, rows)
            out = score_lists(model, x, ids, mins, mask, lmask)
            losses.append(float(listmle_loss(out.score, rel, lmask, reduction="sum",
                                             generator=gen)))
            scores.append(out.score.numpy())
            attn_rows.append((out.attn[lmask], mask[lmask]))
    attn = torch.cat([a for a, _ in attn_rows])
    amask = torch.cat([m for _, m in attn_rows])
    s = np.concatenate(scores)
    return (sum(losses) / len(lists), _list_spearman(s, lists.relevance, lists.list_mask),
            attention_stats(attn, amask), s)


def _val_game_loss(model, games: GameTensors, section: ModelASection) -> float:
    """The game loss over the whole held-out season (one profiled fit, no dropout)."""
    model.eval()
    with torch.no_grad():
        return float(score_games(model, games, np.arange(len(games)),
                                 scale=section.game_margin_scale).loss)


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
) -> TrainResult:
    """Train from scratch. With ``val``, early-stop on validation loss and restore the best
    weights; without, train ``epochs`` epochs (the guard still watches).

    With ``section.game_loss_weight`` λ > 0, each list batch is paired with a batch of
    ``train_games`` (the epoch's games split evenly over its list batches) and the step
    minimises ListMLE + λ * game loss; early stopping then watches the same sum on the
    held-out season (``val_games``). ``train_loss`` stays ListMLE alone, the quantity the
    not-learning guard's ln(L!) reference is about."""
    lam = section.game_loss_weight
    if lam > 0 and (train_games is None or len(train_games) == 0):
        raise ModelError(f"{label}: game_loss_weight {lam} > 0 needs training games")
    if lam > 0 and val is not None and (val_games is None or len(val_games) == 0):
        raise ModelError(f"{label}: game_loss_weight {lam} > 0 needs held-out games")
    started = time.perf_counter()
    torch.manual_seed(section.seed)
    console = console or Console(quiet=not progress)
    tdata, tlists = train
    if len(tlists) == 0:
        raise ModelError("no training lists: nothing to learn from")
    model = make_model(section, tdata.x.shape[-1], vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=section.lr, weight_decay=section.weight_decay)
    n_epochs = epochs or section.epochs
    rng = np.random.default_rng(section.seed)
    tie_gen = torch.Generator().manual_seed(section.seed)
    guard = PlateauGuard(section.guard_patience, section.guard_min_delta)
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
                game_total = 0.0
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
                step_loss = loss
                if lam > 0:
                    gloss = score_games(model, train_games, game_chunks[n_batches],
                                        scale=section.game_margin_scale,
                                        unknown_rate=section.unknown_player_rate,
                                        generator=tie_gen).loss
                    step_loss = loss + lam * gloss
                    game_total += float(gloss.detach())
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
            if val is not None:
                vloss, vrho, astats, _ = _evaluate(model, *val, section.batch_lists, 0)
                row.val_loss, row.val_spearman = vloss, vrho
                if lam > 0:
                    row.val_listmle = vloss
                    row.val_game_loss = _val_game_loss(model, val_games, section)
                    row.val_loss = vloss + lam * row.val_game_loss
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
            if guard.update(train_loss):
                x, ids, mins, mask, rel, lmask = tdata.gather(
                    tlists, order[: min(len(order), 4 * section.batch_lists)])
                diag = diagnose(model, x, ids, mins, mask, rel, lmask, loss_value=train_loss,
                                optimizer=opt)
                result.diagnosis = diag
                console.print(f"[bold yellow]{label}: train loss has not improved for "
                              f"{section.guard_patience} epochs — stopping.[/]\n{diag.to_text()}")
                if diag.code not in HEALTHY_CODES or train_loss / lnf > DEGENERATE_LOSS_RATIO:
                    raise NotLearningError(diag, f"{label} is not learning: {diag.cause}")
                result.stop_reason = f"train loss plateaued at epoch {epoch}: {diag.cause}"
                break
        else:
            result.stop_reason = f"ran all {n_epochs} epochs"
    if val is not None and best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.history)
    model.eval()
    result.seconds = time.perf_counter() - started
    return result


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
