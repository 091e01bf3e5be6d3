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

**The on-court loss** (``on_court_loss``) is the second, per-player signal: each player's own
plus-minus beyond his minutes' share of his side's margin (``GameRosters.on_court``, ``r_p``)
must be explained by his value against his teammates',

    r_p ≈ b * (minutes_p / 48) * (v_p - v̄),   v̄ = sum_q share_q v_q  (the side's set),

``v`` the value head's player values. A game margin cannot tell apart teammates who always
play together; who was on the floor when the margin was made can. ``b`` is profiled like
``a`` (least squares on the batch, held at or above the ``MIN_SIGNAL`` floor so high values
mean better players), the loss is ``0.5 * mean_p [(r_p - fitted_p) / scale]^2`` over the real
players, with ``scale`` the spread of ``r`` on the training games, so values that explain
nothing score ~0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from truestrength.features.game_rosters import GameRosters
from truestrength.models.model_a.network import RosterSetRanker, score_lists
from truestrength.models.model_a.vocab import UNK_INDEX, PlayerVocab

__all__ = ["GameLossOutput", "GameTensors", "game_margin_loss", "on_court_loss", "score_games"]

# Ridge on the 3 x 3 normal equations, per game: small enough to leave the fit unchanged on
# any real batch, large enough that a column of zeros (constant scores, no back-to-back in the
# batch, all neutral) gives a coefficient of 0 instead of a singular solve.
RIDGE_PER_GAME = 1e-4
# The floor on the points-per-score slope, as a correlation (module docstring).
MIN_SIGNAL = 0.05


class GameLossOutput(tuple):
    """``(loss, coef)``: coef = (a, h, c) of the profiled fit, detached; ``on_court``: the
    on-court loss of the same games when it was asked for (``score_games``)."""

    __slots__ = ()

    def __new__(cls, loss: Tensor, coef: Tensor,
                on_court: Tensor | None = None) -> GameLossOutput:
        return super().__new__(cls, (loss, coef, on_court))

    @property
    def loss(self) -> Tensor:
        return self[0]

    @property
    def coef(self) -> Tensor:
        return self[1]

    @property
    def on_court(self) -> Tensor | None:
        return self[2]


def game_margin_loss(score_home: Tensor, score_road: Tensor, margin: Tensor, neutral: Tensor,
                     b2b_home: Tensor, b2b_road: Tensor, *, scale: float,
                     weight: Tensor | None = None) -> GameLossOutput:
    """Profiled squared-error game loss (module docstring). All inputs are ``[G]``;
    ``weight`` (default 1 each) weights the games in the fit and in the mean."""
    g = score_home.shape[0]
    if weight is None:
        weight = torch.ones(g, dtype=torch.float64)
    for name, t in (("score_road", score_road), ("margin", margin), ("neutral", neutral),
                    ("b2b_home", b2b_home), ("b2b_road", b2b_road), ("weight", weight)):
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
    w = weight.to(dt) / weight.to(dt).mean()
    xw = x * w[:, None]
    ridge = RIDGE_PER_GAME * g
    coef = torch.linalg.solve(xw.T @ x + ridge * torch.eye(3, dtype=dt), xw.T @ y)
    diff = x[:, 0].detach()
    sd = diff.std(correction=0)
    # Equal scores everywhere: no slope to orient, and the column is all zeros anyway.
    floor = (MIN_SIGNAL * y.std(correction=0) / sd if bool(sd > 1e-9)
             else torch.zeros((), dtype=dt))
    if bool(coef[0] < floor):
        # a held at the floor; home court and rest refitted on what it leaves.
        rest, rest_w = x[:, 1:], xw[:, 1:]
        hc = torch.linalg.solve(rest_w.T @ rest + ridge * torch.eye(2, dtype=dt),
                                rest_w.T @ (y - floor * x[:, 0]))
        coef = torch.cat([floor.reshape(1), hc])
    resid = (y - x @ coef) / scale
    loss = 0.5 * (w * resid ** 2).mean()
    return GameLossOutput(loss.to(score_home.dtype), coef.detach())


def on_court_loss(value: Tensor, minutes: Tensor, mask: Tensor, on_court: Tensor, *,
                  scale: float, weight: Tensor | None = None) -> Tensor:
    """Profiled on-court loss (module docstring). All inputs are sides ``[N, P]``; padding
    (``mask`` false) is ignored; ``weight`` ``[N]`` (default 1 each) weights the sides."""
    for name, t in (("minutes", minutes), ("mask", mask), ("on_court", on_court)):
        if t.shape != value.shape:
            raise ValueError(f"{name} must be {tuple(value.shape)} like value, "
                             f"got {tuple(t.shape)}")
    if not bool(mask.any()):
        raise ValueError("on_court_loss: no players")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    dt = torch.float64
    v = value.to(dt)
    mins = torch.where(mask, minutes.to(dt), torch.zeros_like(v))
    total = mins.sum(-1, keepdim=True)
    share = torch.where(total > 0, mins / total.clamp_min(1e-9), torch.zeros_like(v))
    vbar = (share * v).sum(-1, keepdim=True)
    u = ((mins / 48.0) * (v - vbar))[mask]
    r = on_court.to(dt)[mask]
    w = (torch.ones(mask.shape[:-1], dtype=dt) if weight is None
         else weight.to(dt)).unsqueeze(-1).expand(mask.shape)[mask]
    w = w / w.mean()
    b = (w * u * r).sum() / ((w * u * u).sum() + RIDGE_PER_GAME * u.shape[0])
    sd_u = u.detach().std(correction=0)
    floor = (MIN_SIGNAL * r.std(correction=0) / sd_u if bool(sd_u > 1e-9)
             else torch.zeros((), dtype=dt))
    b = torch.maximum(b, floor)
    return (0.5 * (w * ((r - b * u) / scale) ** 2).mean()).to(value.dtype)


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
    on_court: Tensor | None = None  # [2G, P]: GameRosters.on_court
    weight: Tensor | None = None  # [G]: each game's weight in the losses (None: 1 each)

    def __len__(self) -> int:
        return int(self.margin.shape[0])

    @classmethod
    def from_game_rosters(cls, games: GameRosters, vocab: PlayerVocab,
                          half_life_years: float | None = None) -> GameTensors:
        """With ``half_life_years``, a game ``half_life_years`` before the last of ``games``
        weighs half as much as the last: old seasons still teach, recent ones count more."""
        s, g = games.sides, games.games
        weight = None
        if half_life_years is not None:
            age = (g["date"].max() - g["date"]).dt.days.to_numpy(np.float64)
            weight = torch.from_numpy(0.5 ** (age / (365.25 * half_life_years)))
        return cls(
            x=torch.from_numpy(np.ascontiguousarray(s.x, dtype=np.float32)),
            player_idx=torch.from_numpy(vocab.lookup(s.player_ids, s.mask)),
            minutes=torch.from_numpy(np.ascontiguousarray(s.minutes, dtype=np.float32)),
            mask=torch.from_numpy(s.mask),
            margin=torch.from_numpy(g["margin"].to_numpy(np.float32, copy=True)),
            neutral=torch.from_numpy(g["neutral_site"].to_numpy(np.float32, copy=True)),
            b2b_home=torch.from_numpy(g["home_b2b"].to_numpy(np.float32)),
            b2b_road=torch.from_numpy(g["road_b2b"].to_numpy(np.float32)),
            on_court=torch.from_numpy(np.ascontiguousarray(games.on_court, dtype=np.float32)),
            weight=weight,
        )

    def on_court_scale(self) -> float:
        """The spread of the on-court residuals over every real player slot (points)."""
        if self.on_court is None:
            raise ValueError("these games carry no on-court residuals")
        return float(self.on_court[self.mask].double().std(correction=0))

    def gather(self, rows: np.ndarray):
        """Sides of games ``rows`` as ``[B, 2, P, ...]`` (home first) plus their game terms."""
        rows = torch.from_numpy(np.asarray(rows, dtype=np.int64))
        sides = torch.stack([2 * rows, 2 * rows + 1], dim=1)
        return (self.x[sides], self.player_idx[sides], self.minutes[sides], self.mask[sides],
                self.margin[rows], self.neutral[rows], self.b2b_home[rows], self.b2b_road[rows])

    def weights(self, rows: np.ndarray) -> Tensor | None:
        """The weights of games ``rows`` (None: equal)."""
        return None if self.weight is None else self.weight[torch.from_numpy(
            np.asarray(rows, dtype=np.int64))]


def score_games(model: RosterSetRanker, games: GameTensors, rows: np.ndarray, *,
                scale: float, unknown_rate: float = 0.0,
                generator: torch.Generator | None = None,
                on_court_scale: float | None = None) -> GameLossOutput:
    """The game loss of games ``rows`` under ``model`` (in whatever mode it is in), and with
    ``on_court_scale`` their on-court loss too (needs the value head and ``games.on_court``).

    ``unknown_rate`` shows that share of known players as unknown, as the ListMLE batches do,
    so the game loss trains the unknown-player embedding too."""
    x, ids, mins, mask, margin, neutral, b2b_h, b2b_r = games.gather(rows)
    if unknown_rate > 0:
        hide = (torch.rand(ids.shape, generator=generator) < unknown_rate) & (ids > UNK_INDEX)
        ids = torch.where(hide, torch.full_like(ids, UNK_INDEX), ids)
    out = score_lists(model, x, ids, mins, mask)
    w = games.weights(rows)
    game = game_margin_loss(out.score[:, 0], out.score[:, 1], margin, neutral, b2b_h, b2b_r,
                            scale=scale, weight=w)
    if on_court_scale is None:
        return game
    if out.player_value is None or games.on_court is None:
        raise ValueError("the on-court loss needs the value head and games with on_court")
    sides = torch.from_numpy(np.column_stack([2 * np.asarray(rows), 2 * np.asarray(rows) + 1]))
    court = on_court_loss(out.player_value, mins, mask, games.on_court[sides],
                          scale=on_court_scale,
                          weight=None if w is None else w[:, None].expand(-1, 2))
    return GameLossOutput(game.loss, game.coef, court)
