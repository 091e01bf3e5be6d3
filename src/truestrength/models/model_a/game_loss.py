"""The game loss: Model A's team strength must explain each past game's margin.

For game ``g`` with home strength ``s_h`` and road strength ``s_r`` (the same network, on the
sets of players who actually played, pooled by the minutes they played):

    margin_g ≈ a * (s_h - s_r) + h * (1 - neutral_g) + c * (b2b_h - b2b_r)

where ``b2b`` is 1 on the second night of a back-to-back. ``a`` (points per unit of score),
``h`` (home court, none on a neutral site) and ``c`` (the back-to-back cost) are fitted
jointly with the network by *profiling them out*: for the current scores, they are the
least-squares solution on the batch (a 3 x 3 ridge-regularised normal-equation solve, which
is differentiable), and the loss is the remaining squared error

    loss = 0.5 * mean_g [ (margin_g - fitted_g) / scale ]^2 .

Why profiled rather than learnt parameters: ListMLE fixes the scale of the scores and a
training run has only a few dozen optimiser steps, far too few for free nuisance parameters
to catch up at the network's learning rate; the profiled ones are at their optimum at every
step, so the gradient reaching the network is only "order the teams so margins are
explained". ``scale`` (points) puts the loss on a unit scale: a model with no signal at all
scores about ``0.5 * var(margin) / scale^2``.

``a`` is held at or above a small floor, ``MIN_SIGNAL`` * sd(margin) / sd(s_h - s_r) (the
slope of a correlation of ``MIN_SIGNAL``): the squared error alone cannot tell ``s`` from
``-s``, and a network that happened to start with stronger = lower would otherwise be fitted
a negative ``a`` and learn the games upside down, against ListMLE. Below the floor, ``a`` is
the floor and ``h``, ``c`` are refitted with it, so the gradient keeps pushing the scores
the right way up. Real pre-game strengths correlate with margins far above the floor.

Reference values: scores whose differences explain every margin exactly (any ``a``), with
``h`` and ``c`` also exact, give loss 0 (up to the tiny ridge); constant scores give the loss
of the home/back-to-back regression alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from truestrength.features.game_rosters import GameRosters
from truestrength.models.model_a.network import RosterSetRanker, score_lists
from truestrength.models.model_a.vocab import UNK_INDEX, PlayerVocab

__all__ = ["GameLossOutput", "GameTensors", "game_margin_loss", "score_games"]

# Ridge on the 3 x 3 normal equations, per game: small enough to leave the fit unchanged on
# any real batch, large enough that a column of zeros (constant scores, no back-to-back in the
# batch, all neutral) gives a coefficient of 0 instead of a singular solve.
RIDGE_PER_GAME = 1e-4
# The floor on the points-per-score slope, as a correlation (module docstring).
MIN_SIGNAL = 0.05


class GameLossOutput(tuple):
    """``(loss, coef)``: coef = (a, h, c) of the profiled fit, detached."""

    __slots__ = ()

    def __new__(cls, loss: Tensor, coef: Tensor) -> GameLossOutput:
        return super().__new__(cls, (loss, coef))

    @property
    def loss(self) -> Tensor:
        return self[0]

    @property
    def coef(self) -> Tensor:
        return self[1]


def game_margin_loss(score_home: Tensor, score_road: Tensor, margin: Tensor, neutral: Tensor,
                     b2b_home: Tensor, b2b_road: Tensor, *, scale: float) -> GameLossOutput:
    """Profiled squared-error game loss (module docstring). All inputs are ``[G]``."""
    g = score_home.shape[0]
    for name, t in (("score_road", score_road), ("margin", margin), ("neutral", neutral),
                    ("b2b_home", b2b_home), ("b2b_road", b2b_road)):
        if t.shape != (g,):
            raise ValueError(f"{name} must be [{g}] like score_home, got {tuple(t.shape)}")
    if g == 0:
        raise ValueError("game_margin_loss: no games")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    if not torch.isfinite(score_home.detach()).all() or not torch.isfinite(
            score_road.detach()).all():
        raise ValueError("game_margin_loss: non-finite scores")
    dt = torch.float64
    x = torch.stack([(score_home - score_road).to(dt), (1.0 - neutral.to(dt)),
                     (b2b_home.to(dt) - b2b_road.to(dt))], dim=1)
    y = margin.to(dt)
    ridge = RIDGE_PER_GAME * g
    coef = torch.linalg.solve(x.T @ x + ridge * torch.eye(3, dtype=dt), x.T @ y)
    diff = x[:, 0].detach()
    sd = diff.std(correction=0)
    # Equal scores everywhere: no slope to orient, and the column is all zeros anyway.
    floor = (MIN_SIGNAL * y.std(correction=0) / sd if bool(sd > 1e-9)
             else torch.zeros((), dtype=dt))
    if bool(coef[0] < floor):
        # a held at the floor; home court and rest refitted on what it leaves.
        rest = x[:, 1:]
        hc = torch.linalg.solve(rest.T @ rest + ridge * torch.eye(2, dtype=dt),
                                rest.T @ (y - floor * x[:, 0]))
        coef = torch.cat([floor.reshape(1), hc])
    resid = (y - x @ coef) / scale
    loss = 0.5 * (resid ** 2).mean()
    return GameLossOutput(loss.to(score_home.dtype), coef.detach())


@dataclass
class GameTensors:
    """Game rosters as tensors: sides ``[2G, ...]`` (home at 2i, road at 2i + 1), games
    ``[G]``."""

    x: Tensor
    player_idx: Tensor
    minutes: Tensor
    mask: Tensor
    margin: Tensor
    neutral: Tensor
    b2b_home: Tensor
    b2b_road: Tensor

    def __len__(self) -> int:
        return int(self.margin.shape[0])

    @classmethod
    def from_game_rosters(cls, games: GameRosters, vocab: PlayerVocab) -> GameTensors:
        s, g = games.sides, games.games
        return cls(
            x=torch.from_numpy(np.ascontiguousarray(s.x, dtype=np.float32)),
            player_idx=torch.from_numpy(vocab.lookup(s.player_ids, s.mask)),
            minutes=torch.from_numpy(np.ascontiguousarray(s.minutes, dtype=np.float32)),
            mask=torch.from_numpy(s.mask),
            margin=torch.from_numpy(g["margin"].to_numpy(np.float32, copy=True)),
            neutral=torch.from_numpy(g["neutral_site"].to_numpy(np.float32, copy=True)),
            b2b_home=torch.from_numpy((g["home_rest"].to_numpy() <= 1).astype(np.float32)),
            b2b_road=torch.from_numpy((g["road_rest"].to_numpy() <= 1).astype(np.float32)),
        )

    def gather(self, rows: np.ndarray):
        """Sides of games ``rows`` as ``[B, 2, P, ...]`` (home first) plus their game terms."""
        rows = torch.from_numpy(np.asarray(rows, dtype=np.int64))
        sides = torch.stack([2 * rows, 2 * rows + 1], dim=1)
        return (self.x[sides], self.player_idx[sides], self.minutes[sides], self.mask[sides],
                self.margin[rows], self.neutral[rows], self.b2b_home[rows], self.b2b_road[rows])


def score_games(model: RosterSetRanker, games: GameTensors, rows: np.ndarray, *,
                scale: float, unknown_rate: float = 0.0,
                generator: torch.Generator | None = None) -> GameLossOutput:
    """The game loss of games ``rows`` under ``model`` (in whatever mode it is in).

    ``unknown_rate`` shows that share of known players as unknown, as the ListMLE batches do,
    so the game loss trains the unknown-player embedding too."""
    x, ids, mins, mask, margin, neutral, b2b_h, b2b_r = games.gather(rows)
    if unknown_rate > 0:
        hide = (torch.rand(ids.shape, generator=generator) < unknown_rate) & (ids > UNK_INDEX)
        ids = torch.where(hide, torch.full_like(ids, UNK_INDEX), ids)
    out = score_lists(model, x, ids, mins, mask)
    return game_margin_loss(out.score[:, 0], out.score[:, 1], margin, neutral, b2b_h, b2b_r,
                            scale=scale)
