"""Stable player id -> embedding index mapping.

Layout of the embedding table (``len(vocab)`` rows):

    0            padding (``nn.Embedding(padding_idx=0)``; never a real player)
    1            unknown bucket: players unseen in the fit seasons or below ``min_games``
    2 + k        the k-th known player id in ascending numeric order

Sorting by id (not insertion order, never ``hash()``) makes the mapping identical across runs,
Python processes and input orderings, so a checkpoint's embedding rows stay meaningful.
Fit it on training seasons only: a player first seen in a validation season must map to
the unknown bucket, exactly as he would at prediction time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["PAD_INDEX", "UNK_INDEX", "PlayerVocab"]

PAD_INDEX = 0
UNK_INDEX = 1
_N_RESERVED = 2
_FORMAT_VERSION = 1


def _as_int_array(ids: Any, what: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.size == 0:
        return arr.astype(np.int64).reshape(arr.shape)
    if not np.issubdtype(arr.dtype, np.integer):
        # Float ids (e.g. from a pandas column that had NaN) are refused rather than cast:
        # a silent cast would map NaN to some arbitrary integer player.
        raise TypeError(f"{what} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


class PlayerVocab:
    """Maps integer player ids to embedding indices (0 = pad, 1 = unknown, 2.. = known)."""

    def __init__(self, known_ids: Iterable[int] = (), min_games: int = 1) -> None:
        """Build from the known ids directly (any order, duplicates allowed)."""
        arr = np.unique(_as_int_array(list(known_ids), "known_ids"))
        self._ids: np.ndarray = arr.astype(np.int64)
        self.min_games = int(min_games)

    @classmethod
    def fit(cls, player_ids: Any, min_games: int = 1) -> PlayerVocab:
        """Fit from one entry per player-game of the *training* seasons.

        A player becomes known iff he appears at least ``min_games`` times in ``player_ids``;
        everyone else maps to the unknown bucket (index 1), whose embedding is thereby trained
        on rarely-seen players, the population it will meet at prediction time.
        """
        if min_games < 1:
            raise ValueError(f"min_games must be >= 1, got {min_games}")
        arr = _as_int_array(player_ids, "player_ids").ravel()
        uniq, counts = np.unique(arr, return_counts=True)
        return cls(uniq[counts >= min_games].tolist(), min_games=min_games)

    @property
    def known_ids(self) -> np.ndarray:
        """Known player ids, ascending (a copy)."""
        return self._ids.copy()

    @property
    def n_known(self) -> int:
        return int(self._ids.size)

    def __len__(self) -> int:
        """Embedding table size: padding + unknown + known players."""
        return _N_RESERVED + self.n_known

    def __contains__(self, player_id: object) -> bool:
        if not isinstance(player_id, int | np.integer):
            return False
        pos = int(np.searchsorted(self._ids, player_id))
        return pos < self._ids.size and int(self._ids[pos]) == int(player_id)

    def lookup(self, ids: Any, mask: Any = None) -> np.ndarray:
        """Embedding indices (int64, same shape as ``ids``).

        Known id -> ``2 + rank``; unknown id -> 1; where ``mask`` is given and False (a padding
        slot), -> 0 regardless of the id stored there.
        """
        arr = _as_int_array(ids, "ids")
        out = np.full(arr.shape, UNK_INDEX, dtype=np.int64)
        if self._ids.size and arr.size:
            pos = np.searchsorted(self._ids, arr)
            pos_c = np.minimum(pos, self._ids.size - 1)
            hit = self._ids[pos_c] == arr
            out[hit] = pos_c[hit] + _N_RESERVED
        if mask is not None:
            m = np.asarray(mask)
            if m.dtype != np.bool_ or m.shape != arr.shape:
                raise ValueError(
                    f"mask must be bool with shape {arr.shape}, got {m.dtype} {m.shape}"
                )
            out[~m] = PAD_INDEX
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state for checkpoints."""
        return {
            "format_version": _FORMAT_VERSION,
            "min_games": self.min_games,
            "player_ids": [int(i) for i in self._ids],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlayerVocab:
        version = d.get("format_version")
        if version != _FORMAT_VERSION:
            raise ValueError(f"unsupported PlayerVocab format_version {version!r}")
        ids = list(d["player_ids"])
        if any(b <= a for a, b in zip(ids, ids[1:], strict=False)):
            # A reordered id list would silently shuffle every embedding row.
            raise ValueError("PlayerVocab.from_dict: player_ids must be strictly ascending")
        return cls(ids, min_games=int(d.get("min_games", 1)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlayerVocab):
            return NotImplemented
        return self.min_games == other.min_games and np.array_equal(self._ids, other._ids)

    def __hash__(self) -> int:
        return hash((self.min_games, self._ids.tobytes()))

    def __repr__(self) -> str:
        return f"PlayerVocab(n_known={self.n_known}, min_games={self.min_games})"
