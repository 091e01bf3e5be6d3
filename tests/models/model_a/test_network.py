"""RosterSetRanker: invariances, validation, minutes bias, attention health, learnability."""

from __future__ import annotations

import math

import pytest
import torch

from truestrength.base.config import ModelASection
from truestrength.models.model_a.diagnostics import attention_stats, make_toy_ranking_problem
from truestrength.models.model_a.listmle import listmle_loss, log_factorial
from truestrength.models.model_a.network import (
    RosterModelConfig,
    RosterOutput,
    RosterSetRanker,
    SeedEnsemble,
    score_lists,
)

from helpers import net_config

torch.set_num_threads(1)  # 2 threads + a busy core = OpenMP spin-wait stalls

F, V = 5, 50


def make_model(seed: int = 0, **kw) -> RosterSetRanker:
    torch.manual_seed(seed)
    model = RosterSetRanker(net_config(n_features=F, n_players_vocab=V, **kw))
    return model.eval()  # dropout off: invariance tests compare exact outputs


def make_batch(b: int = 6, p: int = 12, seed: int = 1, n_pad: int = 3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, p, F, generator=g)
    idx = torch.randint(1, V, (b, p), generator=g)
    minutes = torch.rand(b, p, generator=g) * 40
    mask = torch.ones(b, p, dtype=torch.bool)
    mask[:, p - n_pad :] = torch.rand(b, n_pad, generator=g) > 0.5
    return x, idx, minutes, mask


def test_config_round_trip_and_validation() -> None:
    cfg = net_config(n_features=3, n_players_vocab=10, n_seeds=2, dropout=0.0)
    assert RosterModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError):
        RosterModelConfig.from_dict({**cfg.to_dict(), "bogus": 1})
    with pytest.raises(ValueError):
        net_config(n_features=3, n_players_vocab=10, hidden_dim=30, n_heads=4)
    with pytest.raises(ValueError):
        net_config(n_features=3, n_players_vocab=10, minutes_bias_init=0.0)


@pytest.mark.parametrize("n_seeds", [1, 2])
def test_output_shapes(n_seeds: int) -> None:
    model = make_model(n_seeds=n_seeds)
    x, idx, minutes, mask = make_batch()
    out = model(x, idx, minutes, mask)
    assert isinstance(out, RosterOutput)
    assert out.score.shape == (6,)
    assert out.z.shape == (6, n_seeds * 64)
    assert out.attn.shape == (6, 4, 12)
    assert torch.isfinite(out.score).all()


def test_permutation_invariance_over_players() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch()
    base = model(x, idx, minutes, mask)
    perm = torch.randperm(x.shape[1], generator=torch.Generator().manual_seed(5))
    out = model(x[:, perm], idx[:, perm], minutes[:, perm], mask[:, perm])
    assert torch.allclose(out.score, base.score, atol=1e-5)
    assert torch.allclose(out.attn, base.attn[:, :, perm], atol=1e-6)


def test_padding_invariance_with_garbage_in_padded_slots() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch(n_pad=0)
    base = model(x, idx, minutes, mask).score
    b, extra = x.shape[0], 5
    garbage_x = torch.randn(b, extra, F) * 1e6
    garbage_x[0, 0, 0] = float("nan")  # padding values are ignored, even non-finite ones
    x2 = torch.cat([x, garbage_x], dim=1)
    idx2 = torch.cat([idx, torch.randint(0, V, (b, extra))], dim=1)
    min2 = torch.cat([minutes, torch.full((b, extra), float("inf"))], dim=1)
    mask2 = torch.cat([mask, torch.zeros(b, extra, dtype=torch.bool)], dim=1)
    out = model(x2, idx2, min2, mask2)
    assert torch.allclose(out.score, base, atol=1e-5)
    assert (out.attn[:, :, -extra:] == 0).all()


def test_one_player_roster_and_zero_minutes_give_finite_scores() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch()
    mask[0] = False
    mask[0, 3] = True  # a single real player
    minutes[1] = 0.0  # all-zero minutes
    out = model(x, idx, minutes, mask)
    assert torch.isfinite(out.score).all()
    assert out.attn[0, :, 3].allclose(torch.ones(4))


def test_all_masked_row_raises_naming_the_row() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch()
    mask[2] = False
    with pytest.raises(ValueError, match="batch row 2"):
        model(x, idx, minutes, mask)


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda b: b[0].__setitem__((1, 2, 3), float("nan")), "row 1, player 2, feature 3"),
        (lambda b: b[0].__setitem__((0, 0, 4), float("inf")), "row 0, player 0, feature 4"),
        (lambda b: b[2].__setitem__((3, 1), float("nan")), "row 3, player 1"),
        (lambda b: b[2].__setitem__((4, 5), -1.0), "row 4, player 5"),
        (lambda b: b[1].__setitem__((2, 0), 0), "padding"),
        (lambda b: b[1].__setitem__((2, 0), V), "out of range"),
    ],
)
def test_bad_values_raise_with_location(mutate, pattern: str) -> None:
    model = make_model()
    batch = list(make_batch())
    mutate(batch)
    with pytest.raises(ValueError, match=pattern):
        model(*batch)


def test_bad_shapes_and_dtypes_raise() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch()
    for args in (
        (x.double(), idx, minutes, mask),
        (x, idx.float(), minutes, mask),
        (x, idx, minutes, mask.int()),
        (x, idx, minutes.long(), mask),
        (x[:, :, :3], idx, minutes, mask),
        (x, idx[:, :5], minutes, mask),
        (x[0], idx, minutes, mask),
    ):
        with pytest.raises(ValueError):
            model(*args)


def test_minutes_bias_changes_attention_and_score_and_gets_gradient() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch()
    base = model(x, idx, minutes, mask)
    m2 = minutes.clone()
    m2[0, 0] = m2[0, 0] + 30.0
    out = model(x, idx, m2, mask)
    assert out.attn[0, :, 0].gt(base.attn[0, :, 0] + 1e-3).all()  # more minutes, more weight
    assert not torch.allclose(out.attn[0], base.attn[0])
    assert torch.allclose(out.attn[1:], base.attn[1:])
    assert abs(out.score[0] - base.score[0]) > 1e-6

    model.train()
    model(x, idx, minutes, mask).score.sum().backward()
    assert model.minutes_weight is not None and model.minutes_weight.grad is not None
    assert model.minutes_weight.grad.abs().min() > 0


def test_without_minutes_bias_attention_ignores_minutes() -> None:
    model = make_model(minutes_bias=False)
    x, idx, minutes, mask = make_batch()
    a = model(x, idx, minutes, mask).attn
    b = model(x, idx, minutes * 0 + 3.0, mask).attn
    assert torch.allclose(a, b)


def test_attention_sums_to_one_over_real_players_and_zero_on_padding() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch(n_pad=5)
    attn = model(x, idx, minutes, mask).attn
    m = mask.unsqueeze(1).expand_as(attn)
    assert torch.allclose(torch.where(m, attn, 0).sum(-1), torch.ones(6, 4), atol=1e-6)
    assert (attn[~m] == 0).all()


def test_initial_attention_is_not_degenerate() -> None:
    model = make_model()
    x, idx, minutes, mask = make_batch(b=64, p=15, n_pad=3)
    stats = attention_stats(model(x, idx, minutes, mask).attn, mask)
    assert 0.2 < stats["attn_entropy_share"] < 0.95
    assert stats["attn_max_mean"] < 0.5
    assert stats["attn_sum_mean"] == pytest.approx(1.0, abs=1e-6)


def test_scores_are_not_saturated() -> None:
    model = make_model()
    with torch.no_grad():
        model.scorer_out.weight.mul_(1e4)
    x, idx, minutes, mask = make_batch()
    s = model(x, idx, minutes, mask).score
    assert s.abs().max() > 100  # no tanh/clamp on the output


def test_parameter_groups_partition_all_parameters() -> None:
    for kw in ({}, {"embed_dim": 0}, {"minutes_bias": False, "scorer_residual": False}):
        model = make_model(**kw)
        groups = model.parameter_groups()
        assert set(groups) == {"encoder", "attention", "scorer"}
        ids = [id(p) for ps in groups.values() for p in ps]
        assert len(ids) == len(set(ids))
        assert set(ids) == {id(p) for p in model.parameters()}
        assert all(groups.values())


def test_embedding_disabled_works() -> None:
    model = make_model(embed_dim=0)
    x, _, minutes, mask = make_batch()
    out = model(x, torch.zeros_like(mask, dtype=torch.int64), minutes, mask)
    assert torch.isfinite(out.score).all()


def test_score_lists_matches_forward_and_names_list_team() -> None:
    model = make_model()
    n, ll, p = 3, 4, 8
    x, idx, minutes, mask = make_batch(b=n * ll, p=p)
    shaped = (x.view(n, ll, p, F), idx.view(n, ll, p), minutes.view(n, ll, p), mask.view(n, ll, p))
    list_mask = torch.ones(n, ll, dtype=torch.bool)
    list_mask[1, 3] = False
    shaped[3][1, 3] = False  # a padded list entry may be an all-padding roster
    out = score_lists(model, *shaped, list_mask)
    assert out.score.shape == (n, ll) and out.attn.shape == (n, ll, 4, p)
    assert out.score[1, 3] == 0
    ref = model(
        x.view(n, ll, p, F)[0],
        idx.view(n, ll, p)[0],
        minutes.view(n, ll, p)[0],
        mask.view(n, ll, p)[0],
    ).score
    assert torch.allclose(out.score[0], ref, atol=1e-6)
    bad = shaped[3].clone()
    bad[2, 1] = False
    with pytest.raises(ValueError, match="list 2, team 1"):
        score_lists(model, shaped[0], shaped[1], shaped[2], bad, list_mask)


def test_overfits_tiny_ranking_problem_fast() -> None:
    """20 lists x 15 teams, strength = minutes-weighted mean of feature 0."""
    toy = make_toy_ranking_problem(n_lists=20, list_len=15, n_players=13, n_features=4, seed=0)
    torch.manual_seed(0)
    model = RosterSetRanker(net_config(n_features=4, n_players_vocab=toy.n_players_vocab))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    chance = log_factorial(15)
    # CPU time of this process, single-threaded: other jobs sharing the machine must not
    # make the budget flaky, and one thread is the worst case for a 2-core CI box.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        losses = []
        for _ in range(200):
            out = score_lists(model, toy.x, toy.player_idx, toy.minutes, toy.mask)
            loss = listmle_loss(out.score, toy.relevance)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    assert losses[0] == pytest.approx(chance, rel=0.05)  # starts at constant-score level
    final = sum(losses[-10:]) / 10
    assert final < 0.7 * chance, f"did not learn: {final:.3f} vs ln(15!) = {chance:.3f}"
    assert all(math.isfinite(v) for v in losses)


def test_value_head_adds_minutes_shares_times_player_values_and_keeps_invariances() -> None:
    plain, valued = make_model(), make_model(value_head=True)
    x, idx, minutes, mask = make_batch()
    out = valued(x, idx, minutes, mask)
    assert plain(x, idx, minutes, mask).player_value is None
    mins = torch.where(mask, minutes, torch.zeros_like(minutes))
    share = mins / mins.sum(-1, keepdim=True)
    assert torch.allclose(out.player_part, share * out.player_value, atol=1e-6)
    assert (out.player_value[~mask] == 0).all()
    # The value path is an addition to the pooled score, not a change of it.
    pooled = valued.score_z(valued.attend(valued.encode(x, idx, mask)[0], minutes, mask)[0])
    assert torch.allclose(out.score, pooled + out.player_part.sum(-1), atol=1e-5)
    perm = torch.randperm(x.shape[1], generator=torch.Generator().manual_seed(5))
    moved = valued(x[:, perm], idx[:, perm], minutes[:, perm], mask[:, perm])
    assert torch.allclose(moved.score, out.score, atol=1e-5)
    # Zero minutes for everyone: players share equally, still finite.
    flat = valued(x, idx, torch.zeros_like(minutes), mask)
    assert torch.isfinite(flat.score).all()
    assert torch.allclose(flat.player_part.sum(-1),
                          (flat.player_value * mask).sum(-1) / mask.sum(-1), atol=1e-6)


def test_value_head_round_trips_and_old_configs_load_without_one() -> None:
    cfg = net_config(n_features=3, n_players_vocab=10, value_head=True)
    assert RosterModelConfig.from_dict(cfg.to_dict()) == cfg
    old = {k: v for k, v in cfg.to_dict().items() if k != "value_head"}
    assert RosterModelConfig.from_dict(old).value_head is False
    model = RosterSetRanker(cfg)
    assert {n for n, _ in model.named_parameters() if n.startswith("value_out")}
    assert sum(len(g) for g in model.parameter_groups().values()) == len(list(model.parameters()))


def test_value_skip_passes_a_feature_through_to_the_player_value_exactly() -> None:
    model = make_model(value_head=True, value_skip=True)
    x, idx, minutes, mask = make_batch()
    x[~mask] = float("nan")  # padding garbage must not reach a value
    with torch.no_grad():
        model.value_out.weight.zero_()
        model.value_out.bias.zero_()
        model.value_skip.weight.zero_()
        model.value_skip.weight[0, 2] = 3.0
    out = model(x, idx, minutes, mask)
    want = torch.where(mask, 3.0 * x[..., 2], torch.zeros(()))
    assert torch.allclose(out.player_value, want, atol=1e-6)
    assert torch.isfinite(out.score).all()
    # Checkpoints from before the skip load without one.
    assert RosterModelConfig.from_dict(
        {k: v for k, v in model.config.to_dict().items() if k != "value_skip"}
    ).value_skip is False
    assert model.parameter_group_of("value_skip.weight") == "scorer"


def test_value_skip_needs_the_value_head() -> None:
    with pytest.raises(ValueError, match="value_skip needs value_head"):
        ModelASection(value_skip=True)
    assert ModelASection(value_head=True, value_skip=True).value_skip


def test_score_lists_carries_player_values() -> None:
    model = make_model(value_head=True)
    x, idx, minutes, mask = make_batch(b=6)
    out = score_lists(model, x.view(2, 3, *x.shape[1:]), idx.view(2, 3, -1),
                      minutes.view(2, 3, -1), mask.view(2, 3, -1))
    assert out.player_value.shape == (2, 3, x.shape[1])
    assert torch.allclose(out.player_value.view(6, -1), model(x, idx, minutes, mask).player_value,
                          atol=1e-6)


def test_seed_ensemble_is_the_members_mean_and_checks_batches_as_they_do() -> None:
    nets = [make_model(seed, value_head=True) for seed in (0, 1, 2)]
    ens = SeedEnsemble.of(nets)
    x, idx, minutes, mask = make_batch()
    outs = [n(x, idx, minutes, mask) for n in nets]
    got = ens(x, idx, minutes, mask)
    for field in RosterOutput._fields:
        want = torch.stack([getattr(o, field) for o in outs]).mean(0)
        assert torch.allclose(getattr(got, field), want, atol=1e-6), field
    assert not torch.allclose(outs[0].score, outs[1].score)  # the members differ
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="batch row 0"):
        ens(bad, idx, minutes, mask)
    with pytest.raises(ValueError, match="at least 2 members"):
        SeedEnsemble(nets[0].config, 1)
