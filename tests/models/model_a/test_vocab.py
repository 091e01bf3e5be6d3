"""PlayerVocab: stable, order-independent id -> embedding index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from truestrength.models.model_a.vocab import PAD_INDEX, UNK_INDEX, PlayerVocab


def test_layout_pad_unknown_then_sorted_ids() -> None:
    vocab = PlayerVocab.fit(np.array([203999, 1629029, 2544, 2544]))
    assert len(vocab) == 2 + 3
    assert PAD_INDEX == 0 and UNK_INDEX == 1
    # Sorted numeric id order, fixed by construction (no hash(), no insertion order).
    assert vocab.lookup(np.array([2544, 203999, 1629029])).tolist() == [2, 3, 4]
    assert vocab.known_ids.tolist() == [2544, 203999, 1629029]


def test_unknown_id_maps_to_one() -> None:
    vocab = PlayerVocab.fit(np.array([10, 20, 30]))
    out = vocab.lookup(np.array([[10, 99], [-5, 30]]))
    assert out.dtype == np.int64
    assert out.tolist() == [[2, 1], [1, 4]]
    assert 10 in vocab and 99 not in vocab and "10" not in vocab


def test_empty_vocab_maps_everything_to_unknown() -> None:
    vocab = PlayerVocab.fit(np.array([], dtype=np.int64))
    assert len(vocab) == 2
    assert vocab.lookup(np.array([1, 2, 3])).tolist() == [1, 1, 1]


def test_fit_is_order_independent() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 10_000, size=500)
    a = PlayerVocab.fit(ids, min_games=2)
    b = PlayerVocab.fit(rng.permutation(ids), min_games=2)
    assert a == b
    assert a.to_dict() == b.to_dict()
    probe = rng.integers(1, 10_000, size=100)
    assert np.array_equal(a.lookup(probe), b.lookup(probe))


def test_min_games_sends_rare_players_to_unknown() -> None:
    games = np.array([7, 7, 7, 8, 9, 9])
    vocab = PlayerVocab.fit(games, min_games=2)
    assert vocab.known_ids.tolist() == [7, 9]
    assert vocab.lookup(np.array([7, 8, 9])).tolist() == [2, 1, 3]
    with pytest.raises(ValueError):
        PlayerVocab.fit(games, min_games=0)


def test_mask_maps_padding_slots_to_zero() -> None:
    vocab = PlayerVocab.fit(np.array([1, 2, 3]))
    ids = np.array([[1, 2, 0], [3, 99, 1]])
    mask = np.array([[True, True, False], [True, True, False]])
    assert vocab.lookup(ids, mask).tolist() == [[2, 3, 0], [4, 1, 0]]
    with pytest.raises(ValueError):
        vocab.lookup(ids, mask.astype(int))


def test_float_ids_are_refused() -> None:
    with pytest.raises(TypeError):
        PlayerVocab.fit(np.array([1.0, np.nan]))
    with pytest.raises(TypeError):
        PlayerVocab.fit(np.array([1, 2])).lookup(np.array([1.5]))


def test_round_trip_through_json() -> None:
    vocab = PlayerVocab.fit(np.array([5, 3, 3, 11, 2, 11]), min_games=1)
    restored = PlayerVocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab and hash(restored) == hash(vocab)
    probe = np.array([2, 3, 4, 5, 11, 12])
    assert np.array_equal(restored.lookup(probe), vocab.lookup(probe))
    assert restored.min_games == 1


def test_from_dict_rejects_reordered_or_unknown_format() -> None:
    d = PlayerVocab.fit(np.array([1, 2, 3])).to_dict()
    with pytest.raises(ValueError):
        PlayerVocab.from_dict({**d, "player_ids": [2, 1, 3]})
    with pytest.raises(ValueError):
        PlayerVocab.from_dict({**d, "format_version": 99})
