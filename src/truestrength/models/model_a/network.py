"""Model A: a roster set-attention ranker.

One team = a set of players. For player p of a team:

    e_p   = LayerNorm(W2 · GELU(W1 · [x_p ; E[idx_p]]))                      (encoder, [D])
    k_p,h = Wk_h e_p,   v_p,h = Wv_h e_p                                      (per head h)
    l_h,p = q_h · k_p,h / sqrt(d_head) + w_h · log1p(minutes_p)               (logits)
    a_h   = softmax_p(l_h) over real players (padding gets -inf)             (attention)
    Z     = Wo · concat_h( sum_p a_h,p v_p,h )                                (pooled, [D])
    score = w_out · (Z + W4 · GELU(W3 · Z)) + b_out                           (scalar)

Minutes enter the attention *logits* (``w_h`` learnable, initialised positive), so they shape
Z and its gradients; nothing is re-weighted after pooling. The seed queries ``q_h`` start
tiny, so the initial attention is ~ ``(1 + minutes)^w_h`` normalised: minutes-weighted, neither
one-hot nor uniform. The score is an unbounded linear read-out (no tanh/clamp), so ListMLE
never sees saturated, gradient-free scores.

Inputs follow the "Roster batch" contract (docs/contracts.md) and are validated on every
forward: a NaN, a negative minute or a team with no real player raises ``ValueError`` naming
the offending row/player/feature instead of silently becoming a constant score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from truestrength.base.config import ModelASection

__all__ = [
    "RosterModelConfig",
    "RosterOutput",
    "RosterSetRanker",
    "SeedEnsemble",
    "score_lists",
    "validate_roster_batch",
]


@dataclass(frozen=True)
class RosterModelConfig:
    """The network's shape: the data's sizes plus the architecture fields of ``model_a``.

    No defaults here: they live in ``ModelASection``; a checkpoint stores this record so
    the weights load into exactly the network they were trained in.
    """

    n_features: int
    n_players_vocab: int
    embed_dim: int  # 0 disables the player embedding
    hidden_dim: int  # D; must be divisible by n_heads
    n_heads: int
    n_seeds: int  # PMA seed queries; z has n_seeds * hidden_dim entries
    dropout: float
    minutes_bias: bool  # add w_h * log1p(minutes) to the attention logits
    minutes_bias_init: float  # > 0: start minutes-weighted
    query_init_std: float  # small: initial attention driven by minutes, not by q.k
    embed_init_std: float  # small: embeddings must not swamp box-score features at init
    scorer_residual: bool
    # Each player's own value v_p = w . e_p, added to the score as sum_p share_p v_p with
    # share_p his share of the set's minutes: player values the game loss reads directly.
    value_head: bool
    # With the value head: v_p also gets u . x_p, a linear path from his scaled features.
    value_skip: bool

    @classmethod
    def from_section(cls, section: ModelASection, n_features: int,
                     n_players_vocab: int) -> RosterModelConfig:
        arch = {f.name: getattr(section, f.name) for f in fields(cls)
                if f.name not in ("n_features", "n_players_vocab")}
        return cls(n_features=n_features, n_players_vocab=n_players_vocab, **arch)

    def __post_init__(self) -> None:
        if self.n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {self.n_features}")
        if self.embed_dim < 0:
            raise ValueError(f"embed_dim must be >= 0, got {self.embed_dim}")
        if self.embed_dim > 0 and self.n_players_vocab < 2:
            raise ValueError(
                f"n_players_vocab must be >= 2 (pad + unknown), got {self.n_players_vocab}"
            )
        if self.hidden_dim < 1 or self.n_heads < 1 or self.n_seeds < 1:
            raise ValueError("hidden_dim, n_heads and n_seeds must be >= 1")
        if self.hidden_dim % self.n_heads:
            raise ValueError(
                f"hidden_dim ({self.hidden_dim}) must be divisible by n_heads ({self.n_heads})"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.minutes_bias and self.minutes_bias_init <= 0:
            raise ValueError("minutes_bias_init must be > 0 (minutes should raise attention)")

    @property
    def z_dim(self) -> int:
        return self.n_seeds * self.hidden_dim

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RosterModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown RosterModelConfig keys: {sorted(unknown)}")
        # Checkpoints written before the value head (or its skip) existed have none.
        return cls(**{"value_head": False, "value_skip": False, **d})


class RosterOutput(NamedTuple):
    """``score [B]``, pooled ``z [B, z_dim]``, ``attn [B, H, P]`` (mean over seeds), and
    with a value head each player's value ``[B, P]`` and his part of the score
    ``share_p * v_p`` ``[B, P]`` (zeros at padding; None without a value head)."""

    score: Tensor
    z: Tensor
    attn: Tensor
    player_value: Tensor | None = None
    player_part: Tensor | None = None


RowLabel = Callable[[int], str]


def _default_label(b: int) -> str:
    return f"batch row {b}"


def validate_roster_batch(
    x: Tensor,
    player_idx: Tensor,
    minutes: Tensor,
    mask: Tensor,
    *,
    n_features: int | None = None,
    n_players_vocab: int | None = None,
    dtype: torch.dtype | None = None,
    row_label: RowLabel | None = None,
) -> None:
    """Raise ``ValueError`` unless the batch satisfies the Roster batch contract.

    Checks shapes, dtypes, that every row has at least one real player, finiteness of ``x``
    and ``minutes`` and ``minutes >= 0`` at real players, and ``1 <= player_idx < vocab`` at
    real players (index 0 is padding; unseen players belong in the unknown bucket 1).
    Padded slots are not checked: the model ignores their values.
    """
    label = row_label or _default_label
    for name, t in (("x", x), ("player_idx", player_idx), ("minutes", minutes), ("mask", mask)):
        if not isinstance(t, Tensor):
            raise ValueError(f"{name} must be a torch Tensor, got {type(t).__name__}")
    if x.ndim != 3:
        raise ValueError(f"x must be [B, P, F], got shape {tuple(x.shape)}")
    b, p, f = x.shape
    for name, t in (("player_idx", player_idx), ("minutes", minutes), ("mask", mask)):
        if tuple(t.shape) != (b, p):
            raise ValueError(f"{name} must be [B, P] = {(b, p)}, got {tuple(t.shape)}")
    if b == 0 or p == 0:
        raise ValueError(f"empty roster batch (B={b}, P={p})")
    if n_features is not None and f != n_features:
        raise ValueError(f"x has {f} features, model expects {n_features}")
    if not x.is_floating_point():
        raise ValueError(f"x must be floating point, got {x.dtype}")
    if dtype is not None and x.dtype != dtype:
        raise ValueError(f"x dtype {x.dtype} != model dtype {dtype}")
    if not minutes.is_floating_point():
        raise ValueError(f"minutes must be floating point, got {minutes.dtype}")
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be bool, got {mask.dtype}")
    if player_idx.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"player_idx must be int64 (or int32), got {player_idx.dtype}")

    empty = ~mask.any(dim=1)
    if bool(empty.any()):
        rows = torch.nonzero(empty).flatten().tolist()
        shown = ", ".join(label(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
        raise ValueError(
            f"{len(rows)} roster(s) have no real player (mask all False): {shown}; "
            "drop such teams instead of feeding an all-padding roster"
        )

    xd = x.detach()
    bad_x = ~torch.isfinite(xd) & mask.unsqueeze(-1)
    if bool(bad_x.any()):
        r, pl, ft = torch.nonzero(bad_x)[0].tolist()
        raise ValueError(
            f"x has {int(bad_x.sum())} non-finite value(s) at real players; first at "
            f"{label(r)}, player {pl}, feature {ft} (value {xd[r, pl, ft].item()})"
        )
    md = minutes.detach()
    bad_m = (~torch.isfinite(md) | (md < 0)) & mask
    if bool(bad_m.any()):
        r, pl = torch.nonzero(bad_m)[0].tolist()
        raise ValueError(
            f"minutes has {int(bad_m.sum())} non-finite or negative value(s) at real players; "
            f"first at {label(r)}, player {pl} (value {md[r, pl].item()})"
        )
    if n_players_vocab is not None:
        bad_i = ((player_idx < 1) | (player_idx >= n_players_vocab)) & mask
        if bool(bad_i.any()):
            r, pl = torch.nonzero(bad_i)[0].tolist()
            raise ValueError(
                f"player_idx out of range [1, {n_players_vocab}) at a real player: "
                f"{label(r)}, player {pl} (value {int(player_idx[r, pl])}); "
                "0 is padding, unseen players map to 1"
            )


class RosterSetRanker(nn.Module):
    """Scores a batch of rosters; permutation- and padding-invariant over players."""

    def __init__(self, config: RosterModelConfig) -> None:
        super().__init__()
        self.config = c = config
        d = c.hidden_dim
        self.d_head = d // c.n_heads

        self.embedding: nn.Embedding | None = None
        if c.embed_dim > 0:
            self.embedding = nn.Embedding(c.n_players_vocab, c.embed_dim, padding_idx=0)
            with torch.no_grad():
                self.embedding.weight.normal_(0.0, c.embed_init_std)
                self.embedding.weight[0].zero_()
        self.enc_in = nn.Linear(c.n_features + c.embed_dim, d)
        self.enc_out = nn.Linear(d, d)
        self.enc_norm = nn.LayerNorm(d)
        self.drop = nn.Dropout(c.dropout)

        # PMA: learned seed queries attend over the encoded players. The seeds are the queries
        # themselves (a W_q on a free parameter would be redundant).
        self.seeds = nn.Parameter(torch.randn(c.n_seeds, c.n_heads, self.d_head) * c.query_init_std)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)
        self.attn_out = nn.Linear(d, d)
        if c.minutes_bias:
            self.minutes_weight: nn.Parameter | None = nn.Parameter(
                torch.full((c.n_heads,), float(c.minutes_bias_init))
            )
        else:
            self.minutes_weight = None

        zd = c.z_dim
        self.scorer_hidden: nn.Linear | None = nn.Linear(zd, d) if c.scorer_residual else None
        self.scorer_back: nn.Linear | None = nn.Linear(d, zd) if c.scorer_residual else None
        self.scorer_out = nn.Linear(zd, 1)
        self.value_out: nn.Linear | None = nn.Linear(d, 1) if c.value_head else None
        self.value_skip: nn.Linear | None = (nn.Linear(c.n_features, 1, bias=False)
                                             if c.value_head and c.value_skip else None)

    # ------------------------------------------------------------------ groups
    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Named parameter groups ``encoder`` / ``attention`` / ``scorer`` (a partition)."""
        groups: dict[str, list[nn.Parameter]] = {"encoder": [], "attention": [], "scorer": []}
        for name, prm in self.named_parameters():
            groups[self.parameter_group_of(name)].append(prm)
        return groups

    @staticmethod
    def parameter_group_of(name: str) -> str:
        """Group of a parameter by its name in ``named_parameters()``."""
        head = name.split(".")[0]
        if head in ("embedding", "enc_in", "enc_out", "enc_norm"):
            return "encoder"
        if head in ("seeds", "key", "value", "attn_out", "minutes_weight"):
            return "attention"
        if head.startswith("scorer_") or head in ("value_out", "value_skip"):
            return "scorer"
        raise KeyError(f"parameter {name!r} has no group; update parameter_group_of")

    # ------------------------------------------------------------------ pieces
    def encode(self, x: Tensor, player_idx: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """Per-player encoding ``e [B, P, D]`` and the GELU pre-activations ``[B, P, D]``.

        Padded slots are replaced by zeros / index 0 first (``torch.where``, not a multiply, so
        NaN garbage there cannot leak); their encodings are later excluded by the mask.
        """
        m3 = mask.unsqueeze(-1)
        x = torch.where(m3, x, torch.zeros((), dtype=x.dtype, device=x.device))
        parts = [x]
        if self.embedding is not None:
            idx = torch.where(mask, player_idx, torch.zeros_like(player_idx))
            parts.append(self.embedding(idx))
        inp = torch.cat(parts, dim=-1) if len(parts) > 1 else x
        pre = self.enc_in(inp)
        e = self.enc_norm(self.enc_out(self.drop(F.gelu(pre))))
        return e, pre

    def attend(self, e: Tensor, minutes: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """Pool ``e [B, P, D]`` -> ``z [B, n_seeds*D]`` and attention ``[B, S, H, P]``.

        ``logits[b,s,h,p] = q_{s,h} . k_{b,p,h} / sqrt(d_head) + w_h log1p(minutes_{b,p})``,
        ``-inf`` at padding, softmax over p. Rows are guaranteed non-empty by validation.
        """
        b, p, _ = e.shape
        h, dh = self.config.n_heads, self.d_head
        k = self.key(e).view(b, p, h, dh)
        v = self.value(e).view(b, p, h, dh)
        logits = torch.einsum("shd,bphd->bshp", self.seeds, k) / math.sqrt(dh)
        if self.minutes_weight is not None:
            mins = torch.where(mask, minutes, torch.zeros_like(minutes))
            logits = logits + self.minutes_weight.view(1, 1, h, 1) * torch.log1p(mins).view(
                b, 1, 1, p
            )
        logits = logits.masked_fill(~mask.view(b, 1, 1, p), -math.inf)
        attn = torch.softmax(logits, dim=-1)
        pooled = torch.einsum("bshp,bphd->bshd", attn, v).reshape(b, self.config.n_seeds, h * dh)
        z = self.attn_out(pooled).reshape(b, -1)
        return z, attn

    def score_z(self, z: Tensor) -> Tensor:
        """``score = w_out . (z + W4 GELU(W3 z)) + b_out`` — unbounded, no saturation."""
        if self.scorer_hidden is not None and self.scorer_back is not None:
            z = z + self.scorer_back(self.drop(F.gelu(self.scorer_hidden(z))))
        return self.scorer_out(z).squeeze(-1)

    def validate(
        self,
        x: Tensor,
        player_idx: Tensor,
        minutes: Tensor,
        mask: Tensor,
        row_label: RowLabel | None = None,
    ) -> None:
        validate_roster_batch(
            x,
            player_idx,
            minutes,
            mask,
            n_features=self.config.n_features,
            n_players_vocab=self.config.n_players_vocab if self.embedding is not None else None,
            dtype=self.enc_in.weight.dtype,
            row_label=row_label,
        )

    def forward(self, x: Tensor, player_idx: Tensor, minutes: Tensor, mask: Tensor) -> RosterOutput:
        """Score rosters: ``x [B,P,F]``, ``player_idx [B,P]``, ``minutes [B,P]``, ``mask [B,P]``."""
        self.validate(x, player_idx, minutes, mask)
        e, _ = self.encode(x, player_idx, mask)
        z, attn = self.attend(e, minutes, mask)
        score = self.score_z(z)
        if self.value_out is None:
            return RosterOutput(score=score, z=z, attn=attn.mean(dim=1))
        value = self.value_out(self.drop(e)).squeeze(-1)
        if self.value_skip is not None:
            # padding may hold NaN: zeroed before the product, as in ``encode``
            x0 = torch.where(mask.unsqueeze(-1), x,
                             torch.zeros((), dtype=x.dtype, device=x.device))
            value = value + self.value_skip(x0).squeeze(-1)
        value = value.masked_fill(~mask, 0.0)
        mins = torch.where(mask, minutes, torch.zeros_like(minutes))
        # A set with no minutes at all (a team before its first game) shares equally.
        total = mins.sum(-1, keepdim=True)
        share = torch.where(total > 0, mins / total.clamp_min(1e-9),
                            mask / mask.sum(-1, keepdim=True))
        part = share * value
        return RosterOutput(score=score + part.sum(-1), z=z, attn=attn.mean(dim=1),
                            player_value=value, player_part=part)



class SeedEnsemble(nn.Module):
    """Networks of one configuration trained alike from different seeds; a roster's score,
    pooled ``z``, attention and player values are the members' means. One network's held-out
    log loss moves by ~0.005 from one seed to the next: the mean keeps what the seeds agree
    on. Scores and checks batches as a :class:`RosterSetRanker` does."""

    def __init__(self, config: RosterModelConfig, members: int) -> None:
        super().__init__()
        if members < 2:
            raise ValueError(f"a seed ensemble needs at least 2 members, got {members}")
        self.config = config
        self.members = nn.ModuleList(RosterSetRanker(config) for _ in range(members))

    @classmethod
    def of(cls, nets: list[RosterSetRanker]) -> SeedEnsemble:
        """The ensemble of trained ``nets`` (same configuration), their weights copied."""
        out = cls(nets[0].config, len(nets))
        for member, net in zip(out.members, nets, strict=True):
            member.load_state_dict(net.state_dict())
        return out.eval()

    def validate(self, x: Tensor, player_idx: Tensor, minutes: Tensor, mask: Tensor,
                 row_label: RowLabel | None = None) -> None:
        self.members[0].validate(x, player_idx, minutes, mask, row_label)

    def forward(self, x: Tensor, player_idx: Tensor, minutes: Tensor, mask: Tensor) -> RosterOutput:
        outs = [m(x, player_idx, minutes, mask) for m in self.members]

        def mean(field: str) -> Tensor | None:
            parts = [getattr(o, field) for o in outs]
            return None if parts[0] is None else torch.stack(parts).mean(0)

        return RosterOutput(*(mean(f) for f in RosterOutput._fields))


def score_lists(
    model: RosterSetRanker,
    x: Tensor,
    player_idx: Tensor,
    minutes: Tensor,
    mask: Tensor,
    list_mask: Tensor | None = None,
) -> RosterOutput:
    """Score lists of rosters: ``x [N, L, P, F]``, ... , ``list_mask [N, L]`` (True = team).

    Only teams with ``list_mask`` True go through the model; the result has leading ``[N, L]``
    dims with zeros at padded list entries (which ``listmle_loss(mask=list_mask)`` ignores).
    Validation errors name ``list n, team l``.
    """
    if x.ndim != 4:
        raise ValueError(f"x must be [N, L, P, F], got shape {tuple(x.shape)}")
    n, ll, p, f = x.shape
    if list_mask is None:
        list_mask = torch.ones((n, ll), dtype=torch.bool, device=x.device)
    if tuple(list_mask.shape) != (n, ll) or list_mask.dtype != torch.bool:
        raise ValueError(f"list_mask must be bool [N, L] = {(n, ll)}, got {tuple(list_mask.shape)}")
    for name, t in (("player_idx", player_idx), ("minutes", minutes), ("mask", mask)):
        if tuple(t.shape) != (n, ll, p):
            raise ValueError(f"{name} must be [N, L, P] = {(n, ll, p)}, got {tuple(t.shape)}")
    flat = list_mask.reshape(-1)
    where = torch.nonzero(flat).flatten().tolist()
    if not where:
        raise ValueError("score_lists: list_mask selects no team")

    def label(r: int) -> str:
        i = where[r]
        return f"list {i // ll}, team {i % ll}"

    xs = x.reshape(n * ll, p, f)[flat]
    ids = player_idx.reshape(n * ll, p)[flat]
    mins = minutes.reshape(n * ll, p)[flat]
    msk = mask.reshape(n * ll, p)[flat]
    model.validate(xs, ids, mins, msk, row_label=label)
    out = model(xs, ids, mins, msk)

    def scatter(t: Tensor) -> Tensor:
        full = t.new_zeros((n * ll, *t.shape[1:]))
        m = flat.view(-1, *([1] * (t.ndim - 1))).expand_as(full)
        return full.masked_scatter(m, t).view(n, ll, *t.shape[1:])

    return RosterOutput(*(None if t is None else scatter(t) for t in out))
