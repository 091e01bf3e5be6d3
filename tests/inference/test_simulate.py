"""Playoff-odds simulator: exact per-simulation invariants, known answers, determinism, the
state built from a league, and the end of 2022-23 for real."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import SimulationSection
from truestrength.inference import simulate as sim
from truestrength.inference.simulate import (
    REACHED,
    SeasonState,
    elo_win_prob_fn,
    logistic_win_prob,
    play_in,
    series_win_prob,
    simulate_outcomes,
    simulate_season,
)

TEAMS = np.arange(1001, 1031, dtype=np.int64)
CONF = np.array(["E"] * 15 + ["W"] * 15)
P_COLS = ["p_playoffs", "p_second_round", "p_conf_finals", "p_finals", "p_title"]


def mc_tol(p: float, n: int, z: float = 4.5) -> float:
    return z * math.sqrt(max(p * (1 - p), 1e-12) / n)


def end_state(wins: np.ndarray, point_diff: np.ndarray | None = None) -> SeasonState:
    """A finished 82-game regular season: nothing remaining."""
    wins = np.asarray(wins, dtype=np.int64)
    pdiff = np.zeros(30, dtype=np.int64) if point_diff is None else point_diff
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": [], "neutral_site": []})
    return SeasonState("2030-31", pd.Timestamp("2031-04-15"), TEAMS, CONF, wins, 82 - wins,
                       pdiff, empty)


def mid_state(n_remaining: int = 400, seed: int = 0) -> SeasonState:
    """Random records so far and a random remaining schedule (a few neutral sites)."""
    rng = np.random.default_rng(seed)
    played = rng.integers(40, 60, 30)
    wins = rng.binomial(played, 0.5)
    i = rng.integers(0, 30, n_remaining)
    j = (i + rng.integers(1, 30, n_remaining)) % 30
    rem = pd.DataFrame({"home_team_id": TEAMS[i], "road_team_id": TEAMS[j],
                        "neutral_site": rng.random(n_remaining) < 0.05})
    return SeasonState("2030-31", pd.Timestamp("2031-02-01"), TEAMS, CONF, wins,
                       played - wins, rng.integers(-300, 300, 30), rem)


def full_schedule_state() -> SeasonState:
    """Start of a season: 1,230 games, everyone 0-0."""
    rng = np.random.default_rng(5)
    pairs = np.array([(h, r) for h in TEAMS for r in TEAMS if h != r])  # 870
    sched = np.concatenate([pairs, pairs[rng.choice(len(pairs), 360, replace=False)]])
    rem = pd.DataFrame({"home_team_id": sched[:, 0], "road_team_id": sched[:, 1],
                        "neutral_site": False})
    zeros = np.zeros(30, dtype=np.int64)
    return SeasonState("2030-31", pd.Timestamp("2030-10-20"), TEAMS, CONF, zeros, zeros, zeros,
                       rem)


def random_model(seed: int = 0, hfa: float = 0.3):
    scores = pd.Series(np.random.default_rng(seed).normal(0, 1, 30), index=TEAMS)
    return logistic_win_prob(scores, home_advantage_logit=hfa, slope=0.8)


def conference_seeds(wins: np.ndarray, point_diff: np.ndarray) -> dict[int, int]:
    """Seeds by the documented rule, written independently: win%, pd per game, team id."""
    df = pd.DataFrame({"team_id": TEAMS, "conf": CONF, "w": wins, "pd": point_diff / 82})
    df = df.sort_values(["w", "pd", "team_id"], ascending=[False, False, True])
    df["seed"] = df.groupby("conf").cumcount() + 1
    return dict(zip(df["team_id"], df["seed"], strict=True))


# --------------------------------------------------------------------------------------------
# best-of-seven
# --------------------------------------------------------------------------------------------
def test_series_closed_form_constant_p_known_answer():
    expected = sum(math.comb(3 + k, k) * 0.6**4 * 0.4**k for k in range(4))
    assert expected == pytest.approx(0.710208)
    assert float(series_win_prob(0.6, 0.6)) == pytest.approx(expected, abs=1e-12)


def _enumerate(p_home: float, p_road: float) -> float:
    """Game by game with early stopping, 2-2-1-1-1 for the home-court team."""
    at_home = (True, True, False, False, True, False, True)

    def go(g: int, w: int, losses: int) -> float:
        if w == 4:
            return 1.0
        if losses == 4:
            return 0.0
        p = p_home if at_home[g] else p_road
        return p * go(g + 1, w + 1, losses) + (1 - p) * go(g + 1, w, losses + 1)

    return go(0, 0, 0)


@pytest.mark.parametrize(("p", "q"), [(0.7, 0.4), (0.55, 0.35), (0.9, 0.1), (0.3, 0.8),
                                      (1.0, 0.0), (0.5, 0.5)])
def test_series_closed_form_matches_game_by_game_enumeration(p, q):
    assert float(series_win_prob(p, q)) == pytest.approx(_enumerate(p, q), abs=1e-12)


def test_series_of_equal_teams_is_a_coin_flip_without_home_edge_and_not_with_it():
    assert float(series_win_prob(0.5, 0.5)) == pytest.approx(0.5, abs=1e-15)
    # equal teams, a home edge: home court is worth something (4 home games of 7)
    assert float(series_win_prob(0.6, 0.4)) > 0.5


def test_series_win_prob_is_vectorised_elementwise():
    p = np.array([[0.6, 0.7], [0.2, 0.5]])
    q = np.array([[0.6, 0.4], [0.9, 0.5]])
    got = series_win_prob(p, q)
    assert got.shape == (2, 2)
    for a, b in itertools.product(range(2), range(2)):
        assert got[a, b] == pytest.approx(_enumerate(p[a, b], q[a, b]), abs=1e-12)


# --------------------------------------------------------------------------------------------
# play-in on a constructed four-team case (indices 0..3 = seeds 7..10)
# --------------------------------------------------------------------------------------------
def _play_in(home_win: np.ndarray, n: int = 1, seed: int = 0):
    u = np.random.default_rng(seed).random((3, n))
    return play_in(home_win, np.tile([0, 1, 2, 3], (n, 1)), u)


def test_play_in_deterministic_outcomes():
    # home always wins: 7 beats 8; 9 beats 10; 8 (the 7/8 loser) hosts 9 and wins
    home = np.ones((4, 4))
    assert [a.item() for a in _play_in(home)] == [0, 1]
    # road always wins: 8 beats 7 (seed 7); 10 beats 9; 10 wins at 7's court (seed 8)
    assert [a.item() for a in _play_in(np.zeros((4, 4)))] == [1, 3]
    # 7 loses to 8, then beats 9/10's winner at home: 7 still makes it, as seed 8
    p = np.full((4, 4), 0.5)
    p[0, 1], p[2, 3], p[0, 2] = 0.0, 1.0, 1.0
    assert [a.item() for a in _play_in(p)] == [1, 0]
    # 7 beats 8; 10 wins at 9, then at 8: seeds 7 and 8 are the 7 and the 10
    p = np.full((4, 4), 0.5)
    p[0, 1], p[2, 3], p[1, 3] = 1.0, 0.0, 0.0
    assert [a.item() for a in _play_in(p)] == [0, 3]


def test_play_in_seed_seven_odds_match_the_formula():
    n = 200_000
    p = np.full((4, 4), 0.5)
    p[0, 1], p[2, 3], p[0, 2], p[0, 3] = 0.6, 0.5, 0.7, 0.2
    # P(7 in) = p78 + (1 - p78) * [P(9 wins) p(7 beats 9) + P(10 wins) p(7 beats 10)]
    expected = 0.6 + 0.4 * (0.5 * 0.7 + 0.5 * 0.2)
    s7, s8 = _play_in(p, n)
    got = np.mean((s7 == 0) | (s8 == 0))
    assert abs(got - expected) < mc_tol(expected, n)
    assert np.mean(s7 == 0) == pytest.approx(0.6, abs=mc_tol(0.6, n))
    assert not np.any(s7 == s8)


# --------------------------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------------------------
def _check_invariants(state: SeasonState, out: sim.SimOutcomes) -> None:
    n = out.n_sims
    remaining = len(state.remaining)
    # every remaining game gives exactly one win, and no team gains more than it plays
    assert (out.wins.sum(axis=1) == state.wins.sum() + remaining).all()
    left = (pd.concat([state.remaining["home_team_id"], state.remaining["road_team_id"]])
            .value_counts().reindex(TEAMS, fill_value=0).to_numpy())
    assert (out.wins >= state.wins).all() and (out.wins <= state.wins + left).all()
    for c in ("E", "W"):
        cols = c == CONF
        seeds, reach = out.seed[:, cols], out.reached[:, cols]
        assert (np.sort(seeds, axis=1) == np.arange(1, 16)).all()  # a permutation per sim
        for level, count in [(1, 8), (2, 4), (3, 2), (4, 1)]:
            assert ((reach >= level).sum(axis=1) == count).all()
        assert (reach[seeds <= 6] >= 1).all() and (reach[seeds >= 11] == 0).all()
        assert ((reach * ((seeds >= 7) & (seeds <= 10)) >= 1).sum(axis=1) == 2).all()
        # a better record never gets a worse seed (teams may play unequal numbers of games)
        pct = (out.wins / (state.wins + state.losses + left))[:, cols]
        order = np.argsort(seeds, axis=1)
        assert (np.diff(np.take_along_axis(pct, order, axis=1), axis=1) <= 0).all()
    assert ((out.reached == REACHED["champion"]).sum(axis=1) == 1).all()
    assert n == out.wins.shape[0]


def _check_table(t: pd.DataFrame) -> None:
    for c, g in t.groupby("conference"):
        assert g["p_playoffs"].sum() == pytest.approx(8, abs=1e-9), c
        assert g["p_play_in"].sum() == pytest.approx(4, abs=1e-9), c
        assert g["p_second_round"].sum() == pytest.approx(4, abs=1e-9), c
        assert g["p_conf_finals"].sum() == pytest.approx(2, abs=1e-9), c
        assert g["p_finals"].sum() == pytest.approx(1, abs=1e-9), c
        assert g["expected_seed"].sum() == pytest.approx(sum(range(1, 16)), abs=1e-9), c
    assert t["p_title"].sum() == pytest.approx(1, abs=1e-9)
    assert t["p_finals"].sum() == pytest.approx(2, abs=1e-9)
    assert t["p_conf_finals"].sum() == pytest.approx(4, abs=1e-9)
    p = t[P_COLS].to_numpy()
    assert (np.diff(p, axis=1) <= 0).all()  # title <= finals <= ... <= playoffs
    assert ((p >= 0) & (p <= 1)).all()


def test_invariants_mid_season():
    state, wp = mid_state(), random_model()
    out = simulate_outcomes(state, wp, SimulationSection(n_sims=3000, seed=1))
    _check_invariants(state, out)
    t = sim.summarise_outcomes(out)
    _check_table(t)
    assert t["p_playoffs"].between(0.01, 0.99).any()  # the state is genuinely open


def test_mean_wins_is_current_wins_plus_expected_wins_of_remaining_games():
    state, wp = mid_state(), random_model()
    n = 4000
    t = simulate_season(state, wp, SimulationSection(n_sims=n, seed=2)).table
    rem = state.remaining
    p = wp(rem["home_team_id"].to_numpy(), rem["road_team_id"].to_numpy(),
           rem["neutral_site"].to_numpy())
    exp = (pd.Series(p).groupby(rem["home_team_id"]).sum()
           .add(pd.Series(1 - p).groupby(rem["road_team_id"]).sum(), fill_value=0)
           .reindex(TEAMS, fill_value=0).to_numpy() + state.wins)
    # sd of a team's wins is at most sqrt(games left / 4); games left < 60 here
    assert np.abs(t["mean_wins"].to_numpy() - exp).max() < 4.5 * math.sqrt(60 / 4 / n)


def test_end_of_season_seeds_are_fixed_and_follow_the_tie_break():
    rng = np.random.default_rng(3)
    wins = rng.integers(25, 60, 30)
    wins[[0, 1, 2]] = 44  # a three-way tie in the East, split by margin then id
    pdiff = rng.integers(-400, 400, 30)
    pdiff[[0, 1, 2]] = [50, 120, 50]
    state = end_state(wins, pdiff)
    out = simulate_outcomes(state, random_model(), SimulationSection(n_sims=2000))
    _check_invariants(state, out)
    expected = conference_seeds(wins, pdiff)
    seeds = np.array([expected[t] for t in TEAMS])
    assert (out.seed == seeds).all()
    assert expected[1002] < expected[1001] < expected[1003]
    t = sim.summarise_outcomes(out)
    _check_table(t)
    assert (t["mean_wins"] == wins).all()
    assert (t.loc[seeds <= 6, "p_playoffs"] == 1).all()
    assert (t.loc[seeds >= 11, "p_playoffs"] == 0).all()
    assert (t.loc[(seeds >= 7) & (seeds <= 10), "p_play_in"] == 1).all()
    assert (t.loc[(seeds < 7) | (seeds > 10), "p_play_in"] == 0).all()


def test_home_court_goes_to_the_better_record_in_every_round_and_across_conferences():
    # the home team always wins: the better record takes every series, the higher seed
    # hosts and wins each play-in game
    wins = np.arange(30, 60)[np.random.default_rng(4).permutation(30)]
    wins[TEAMS == 1030] = 70  # best record, in the West, highest id
    state = end_state(wins)
    home_always = logistic_win_prob(pd.Series(0.0, index=TEAMS), 1e4, 1.0)
    t = simulate_season(state, home_always,
                        SimulationSection(n_sims=500)).table.set_index("team_id")
    seeds = conference_seeds(wins, np.zeros(30))
    seed = t.index.map(seeds)
    assert (t.loc[seed <= 8, "p_playoffs"] == 1).all()
    assert (t.loc[seed > 8, "p_playoffs"] == 0).all()
    assert (t.loc[seed == 1, "p_finals"] == 1).all()
    assert (t.loc[seed == 2, "p_conf_finals"] == 1).all()
    assert t.loc[1030, "p_title"] == 1


def test_bracket_pairings_with_certain_outcomes():
    # East seed k is team 1000 + k; the stronger team always wins. Strength by seed:
    strength = {1: 5, 2: 9, 3: 1, 4: 8, 5: 2, 6: 3, 7: 4, 8: 10, 9: 0, 10: 7}
    # play-in: 8 beats 7 (-> seed 7), 10 beats 9 then 7 (-> seed 8)
    # round 1: 1 v 10 -> 10, 4 v 5 -> 4, 3 v 6 -> 6, 2 v 8 -> 8
    # round 2: 10 v 4 -> 4, 6 v 8 -> 8; conference finals: 4 v 8 -> 8; the West is weaker
    wins = np.zeros(30, dtype=np.int64)
    wins[:15] = 60 - np.arange(1, 16)
    wins[15:] = np.arange(30, 45)
    scores = pd.Series(-100.0, index=TEAMS)
    for k, s in strength.items():
        scores[1000 + k] = s
    wp = logistic_win_prob(scores, 0.0, 1e4)
    t = simulate_season(end_state(wins), wp,
                        SimulationSection(n_sims=50)).table.set_index("team_id")
    east = t.loc[TEAMS[:10]]
    level = (east[P_COLS] == 1).sum(axis=1)  # 0 missed ... 5 champion
    assert level.to_dict() == {1001: 1, 1002: 1, 1003: 1, 1004: 3, 1005: 1, 1006: 2,
                               1007: 0, 1008: 5, 1009: 0, 1010: 2}
    assert ((east[P_COLS] == 0) | (east[P_COLS] == 1)).all().all()


def test_a_team_that_beats_everyone_wins_every_title():
    scores = pd.Series(np.random.default_rng(0).normal(0, 1, 30), index=TEAMS)
    scores[1007] = 1e4
    wp = logistic_win_prob(scores, 0.3, 1.0)
    t = simulate_season(mid_state(), wp, SimulationSection(n_sims=2000)).table.set_index("team_id")
    assert t.loc[1007, "p_title"] == 1
    # even from the 10th seed at the end of the season, through the play-in
    wins = np.arange(30, 60)  # East: 1001 (30 wins) is 15th ... 1015 first; 1006 is 10th
    assert conference_seeds(wins, np.zeros(30))[1006] == 10
    scores[1007], scores[1006] = 0.0, 1e4  # now 1006 is the unbeatable one
    wp = logistic_win_prob(scores, 0.3, 1.0)
    t = simulate_season(end_state(wins), wp,
                        SimulationSection(n_sims=2000)).table.set_index("team_id")
    assert t.loc[1006, "p_play_in"] == 1
    assert t.loc[1006, "p_playoffs"] == 1 and t.loc[1006, "p_title"] == 1


def test_equal_teams_split_every_series_evenly():
    n = 20_000
    coin = logistic_win_prob(pd.Series(0.0, index=TEAMS), 0.0, 1.0)
    state = end_state(np.arange(30, 60))
    t = simulate_season(state, coin, SimulationSection(n_sims=n, seed=7)).table
    seeds = np.array([conference_seeds(np.arange(30, 60), np.zeros(30))[x] for x in TEAMS])
    top = t[seeds <= 6]
    for col, p in [("p_second_round", 0.5), ("p_conf_finals", 0.25), ("p_finals", 0.125),
                   ("p_title", 0.0625)]:
        assert np.abs(top[col] - p).max() < mc_tol(p, n), col
    # the finals between the two champions is a coin flip
    east = t.loc[CONF == "E", "p_title"].sum()
    assert abs(east - 0.5) < mc_tol(0.5, n)


# --------------------------------------------------------------------------------------------
# determinism, chunking, speed, validation
# --------------------------------------------------------------------------------------------
def test_deterministic_by_seed_and_seeds_differ_slightly():
    state, wp = mid_state(), random_model()
    a = simulate_season(state, wp, SimulationSection(n_sims=3000, seed=11)).table
    b = simulate_season(state, wp, SimulationSection(n_sims=3000, seed=11)).table
    c = simulate_season(state, wp, SimulationSection(n_sims=3000, seed=12)).table
    pd.testing.assert_frame_equal(a, b)
    diff = (a[P_COLS] - c[P_COLS]).abs().to_numpy()
    assert diff.max() > 0
    assert diff.max() < 0.06  # a few Monte Carlo standard errors at 3000 sims


def test_results_do_not_depend_on_the_block_size(monkeypatch):
    state, wp = mid_state(), random_model()
    cfg = SimulationSection(n_sims=1000, seed=3)
    ref = simulate_outcomes(state, wp, cfg)
    monkeypatch.setattr(sim, "_CHUNK", 333)
    other = simulate_outcomes(state, wp, cfg)
    assert (ref.wins == other.wins).all() and (ref.reached == other.reached).all()


def test_ten_thousand_sims_from_the_season_start():
    state, wp = full_schedule_state(), random_model()
    assert len(state.remaining) == 1230
    res = simulate_season(state, wp, SimulationSection(n_sims=10_000))
    _check_table(res.table)
    assert res.table["mean_wins"].sum() == pytest.approx(1230)


def test_rejects_a_win_model_that_returns_invalid_probabilities():
    def bad(h, r, n, b2b=None):
        return np.full(np.shape(h), 1.5)

    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        simulate_season(mid_state(), bad, SimulationSection(n_sims=10))


def test_state_validation():
    with pytest.raises(ValueError, match="play-in needs"):
        SeasonState("s", pd.Timestamp("2031-01-01"), TEAMS[:8], CONF[:8], np.zeros(8),
                    np.zeros(8), np.zeros(8), pd.DataFrame(columns=["home_team_id",
                                                                    "road_team_id"]))
    rem = pd.DataFrame({"home_team_id": [1001], "road_team_id": [9999]})
    with pytest.raises(ValueError, match="not in the state"):
        SeasonState("s", pd.Timestamp("2031-01-01"), TEAMS, CONF, np.zeros(30), np.zeros(30),
                    np.zeros(30), rem)


def test_elo_win_prob_fn_matches_the_ratings_module():
    from truestrength.base.ratings import elo_win_prob

    elo = pd.Series(np.random.default_rng(0).normal(1500, 100, 30), index=TEAMS)
    wp = elo_win_prob_fn(elo)
    h, r = TEAMS[:10], TEAMS[10:20]
    neutral = np.arange(10) % 3 == 0
    expected = elo_win_prob(elo[h].to_numpy(), elo[r].to_numpy(), neutral)
    np.testing.assert_allclose(wp(h, r, neutral), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="unknown team"):
        wp(np.array([1]), np.array([1001]), np.array([False]))


# --------------------------------------------------------------------------------------------
# SeasonState from a league
# --------------------------------------------------------------------------------------------
def test_state_from_synthetic_league_mid_season(synth_league):
    from truestrength.base.targets import as_of_points, standings

    season = synth_league.seasons[-1]
    as_of = next(p.date for p in as_of_points(synth_league, season) if p.label == "g41")
    state = SeasonState.from_league(synth_league, season, as_of)
    st = standings(synth_league, season, before=as_of).set_index("team_id").loc[state.teams]
    assert (state.wins == st["wins"].to_numpy()).all()
    assert (state.losses == st["losses"].to_numpy()).all()
    pd_pg = state.point_diff / (state.wins + state.losses)
    np.testing.assert_allclose(pd_pg, st["point_diff_per_game"].to_numpy(), atol=1e-9)
    g = synth_league.games
    g = g[(g["season"] == season) & g["counts_for_standings"]]
    assert len(state.remaining) == int((g["game_date"] >= as_of).sum()) > 0
    assert state.wins.sum() + state.losses.sum() == 2 * int((g["game_date"] < as_of).sum())
    assert list(state.remaining.columns) == ["home_team_id", "road_team_id", "neutral_site",
                                             "b2b"]
    # back-to-backs from the schedule, the first remaining night included (its eve was played)
    later = g[g["game_date"] >= as_of]
    want = later["home_b2b"].astype(int) - later["road_b2b"].astype(int)
    np.testing.assert_array_equal(state.remaining["b2b"].to_numpy(), want.to_numpy())
    assert (want != 0).any()

    known = synth_league.before(as_of)
    with pytest.raises(ValueError, match="pass schedule="):
        SeasonState.from_league(known, season, as_of)
    # a cut view plus the schedule (results stripped) gives the same state
    schedule = g[["season", "game_date", "home_team_id", "road_team_id", "neutral_site",
                  "counts_for_standings"]]
    again = SeasonState.from_league(known, season, as_of, schedule=schedule)
    assert (again.wins == state.wins).all() and (again.point_diff == state.point_diff).all()
    pd.testing.assert_frame_equal(again.remaining, state.remaining)
    with pytest.raises(ValueError, match="before as_of"):
        SeasonState.from_league(synth_league.before(as_of - pd.Timedelta(days=3)), season,
                                as_of, schedule=schedule)

    scores = pd.Series(np.linspace(-1, 1, state.teams.size), index=state.teams)
    res = simulate_season(state, logistic_win_prob(scores, 0.3, 1.0),
                          SimulationSection(n_sims=2000))
    _check_table(res.table)


# --------------------------------------------------------------------------------------------
# real data: 2022-23
# --------------------------------------------------------------------------------------------
@pytest.mark.realdata
def test_end_of_2022_23_with_elo(real_league):
    from truestrength.base.ratings import elo_ratings_before
    from truestrength.base.targets import as_of_points, standings

    season = "2022-23"
    end = next(p.date for p in as_of_points(real_league, season) if p.label == "end")
    state = SeasonState.from_league(real_league, season, end)
    assert state.remaining.empty and (state.wins + state.losses == 82).all()
    elo = elo_ratings_before(real_league.games, end, season)
    res = simulate_season(state, elo_win_prob_fn(elo), SimulationSection(n_sims=10_000))
    print(f"\n2022-23 end, Elo, 10,000 sims: {res.seconds:.3f} s")
    t = res.table.set_index("team_id")
    _check_table(res.table)
    st = standings(real_league, season).set_index("team_id").loc[t.index]
    assert (t["expected_seed"] == st["conference_rank"]).all()
    assert (t["mean_wins"] == st["wins"]).all()
    seed = st["conference_rank"]
    assert (t.loc[seed <= 6, "p_playoffs"] == 1).all()
    assert (t.loc[seed >= 11, "p_playoffs"] == 0).all()
    assert t.loc[(seed >= 7) & (seed <= 10), "p_playoffs"].between(0.01, 0.99).all()
    # the 16 teams that really played the playoffs all had a chance
    series = real_league.playoff_series
    r1 = series[(series["season"] == season) & (series["round"] == 1)]
    real16 = set(r1["team_a"]) | set(r1["team_b"])
    assert len(real16) == 16 and (t.loc[list(real16), "p_playoffs"] > 0).all()
    champion = series[(series["season"] == season) & (series["round"] == 4)]["winner_id"].iloc[0]
    assert t.loc[champion, "p_title"] > 0.01


@pytest.mark.realdata
def test_real_seasons_before_2020_21_have_their_own_postseason(real_league):
    from truestrength.base.ratings import elo_ratings_before
    from truestrength.base.seasons import BUBBLE_PLAY_IN, NO_PLAY_IN
    from truestrength.base.targets import as_of_points, standings

    for season, fmt in (("2018-19", NO_PLAY_IN), ("2019-20", BUBBLE_PLAY_IN)):
        end = next(p.date for p in as_of_points(real_league, season) if p.label == "end")
        state = SeasonState.from_league(real_league, season, end)
        assert state.postseason is fmt and state.remaining.empty
        elo = elo_ratings_before(real_league.games, end, season)
        out = simulate_outcomes(state, elo_win_prob_fn(elo), SimulationSection(n_sims=2000))
        st = standings(real_league, season).set_index("team_id").loc[state.teams]
        abbr = dict(zip(st.index, st["abbreviation"], strict=True))
        seed = st["conference_rank"].to_numpy()
        assert (out.seed == seed).all()
        # the 16 teams that really played the first round
        series = real_league.playoff_series
        r1 = series[(series["season"] == season) & (series["round"] == 1)]
        real16 = set(r1["team_a"]) | set(r1["team_b"])
        t = sim.summarise_outcomes(out).set_index("team_id")
        if fmt is NO_PLAY_IN:
            assert set(t.index[t["p_playoffs"] == 1]) == real16
            assert (t["p_play_in"] == 0).all()
        else:
            # 2020: only the West held one, its 8th (POR, 35-39) v its 9th, 0.5 games back.
            # MEM and PHX tied at 34-39; the NBA's head-to-head made MEM 9th, the project's
            # documented tie-break (point differential) makes it PHX.
            played = {abbr[x] for x in t.index[t["p_play_in"] == 1]}
            west = st["conference"].to_numpy() == "W"
            ninth = abbr[st.index[west & (seed == 9)][0]]
            assert played == {"POR", ninth} and ninth in {"MEM", "PHX"}
            assert abbr[st.index[west & (seed == 8)][0]] == "POR"
            assert (t["p_play_in"].isin([0.0, 1.0])).all()
            sure = {abbr[x] for x in t.index[t["p_playoffs"] == 1]}
            assert len(sure) == 15 and {abbr[x] for x in real16} - sure == {"POR"}


@pytest.mark.realdata
def test_start_of_2022_23_speed_with_elo(real_league):
    from truestrength.base.ratings import elo_ratings_before

    season = "2022-23"
    g = real_league.games
    start = g.loc[g["season"] == season, "game_date"].min()
    state = SeasonState.from_league(real_league, season, start)
    assert len(state.remaining) == 1230 and state.wins.sum() == 0
    elo = elo_ratings_before(real_league.games, start, season)
    res = simulate_season(state, elo_win_prob_fn(elo), SimulationSection(n_sims=10_000))
    _check_table(res.table)
    assert res.table["mean_wins"].sum() == pytest.approx(1230)


# --------------------------------------------------------------------------------------------
# the postseason format of each season
# --------------------------------------------------------------------------------------------
def test_league_format_is_the_nba_history_for_nba_teams_and_7_10_otherwise():
    from truestrength.base.seasons import (
        BUBBLE_PLAY_IN,
        NO_PLAY_IN,
        PLAY_IN_7_10,
        postseason_format,
    )
    from truestrength.data.teams import nba_team_seasons

    assert postseason_format("2010-11") is NO_PLAY_IN
    assert postseason_format("2018-19") is NO_PLAY_IN
    assert postseason_format("2019-20") is BUBBLE_PLAY_IN
    assert postseason_format("2020-21") is PLAY_IN_7_10
    assert postseason_format("2027-28") is PLAY_IN_7_10
    nba = nba_team_seasons("2015-16")
    ids = np.array([t.team_id for t in nba])
    conf = np.array([t.conference for t in nba])
    assert sim.league_postseason_format("2015-16", ids) is NO_PLAY_IN
    assert sim.league_postseason_format("2019-20", ids) is BUBBLE_PLAY_IN
    assert sim.league_postseason_format("2022-23", ids) is PLAY_IN_7_10
    # the synthetic league (ids 1-30) plays what its generator plays: 7-10 in every season
    assert sim.league_postseason_format("2015-16", np.arange(1, 31)) is PLAY_IN_7_10
    mixed = ids.copy()
    mixed[0] = 1
    assert sim.league_postseason_format("2015-16", mixed) is PLAY_IN_7_10
    # SeasonState resolves it when not given, and takes an explicit one
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": []})
    zeros = np.zeros(30)
    st = SeasonState("2016-17", pd.Timestamp("2017-04-13"), ids, conf, zeros, zeros, zeros,
                     empty)
    assert st.postseason is NO_PLAY_IN
    st = SeasonState("2016-17", pd.Timestamp("2017-04-13"), ids, conf, zeros, zeros, zeros,
                     empty, postseason=PLAY_IN_7_10)
    assert st.postseason is PLAY_IN_7_10
    with pytest.raises(ValueError, match="play-in needs at least 9"):
        SeasonState("s", pd.Timestamp("2031-01-01"), TEAMS[:16], CONF[7:23], np.zeros(16),
                    np.zeros(16), np.zeros(16), empty, postseason=BUBBLE_PLAY_IN)


def _check_postseason_counts(out: sim.SimOutcomes) -> None:
    for c in ("E", "W"):
        reach = out.reached[:, c == CONF]
        for level, count in [(1, 8), (2, 4), (3, 2), (4, 1)]:
            assert ((reach >= level).sum(axis=1) == count).all()
    assert ((out.reached == REACHED["champion"]).sum(axis=1) == 1).all()


def test_without_a_play_in_seeds_one_to_eight_go_straight_to_the_playoffs():
    from truestrength.base.seasons import NO_PLAY_IN

    rng = np.random.default_rng(8)
    base = mid_state()
    state = SeasonState(base.season, base.as_of, TEAMS, CONF, base.wins, base.losses,
                        base.point_diff, base.remaining, postseason=NO_PLAY_IN)
    out = simulate_outcomes(state, random_model(int(rng.integers(100))),
                            SimulationSection(n_sims=3000, seed=4))
    _check_postseason_counts(out)
    assert (out.reached[out.seed <= 8] >= 1).all()  # seeds 7 and 8 included, every time
    assert (out.reached[out.seed >= 9] == 0).all()
    assert not out.in_play_in.any()
    t = sim.summarise_outcomes(out)
    assert (t["p_play_in"] == 0).all()
    for _, g in t.groupby("conference"):
        assert g["p_playoffs"].sum() == pytest.approx(8, abs=1e-9)


def bubble_state(w8: int, l8: int, w9: int, l9: int) -> SeasonState:
    """A finished, uneven 2019-20-like season: East seeds 8 and 9 are teams 1008 and 1009
    (ids 1001.. seeded 1..15 by win%), with the given records; the West is spread out."""
    from truestrength.base.seasons import BUBBLE_PLAY_IN

    wins = np.zeros(30, dtype=np.int64)
    losses = np.zeros(30, dtype=np.int64)
    for k in range(15):  # East: seed k+1 has a strictly better win% than seed k+2
        wins[k], losses[k] = 60 - 3 * k, 12 + 3 * k
        wins[15 + k], losses[15 + k] = 55 - 3 * k, 17 + 3 * k
    wins[7], losses[7], wins[8], losses[8] = w8, l8, w9, l9
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": []})
    return SeasonState("2019-20", pd.Timestamp("2020-08-15"), TEAMS, CONF, wins, losses,
                       np.zeros(30, dtype=np.int64), empty, postseason=BUBBLE_PLAY_IN)


def test_bubble_play_in_is_not_held_when_the_ninth_is_more_than_four_games_behind():
    state = bubble_state(38, 34, 33, 39)  # 5 games behind
    assert conference_seeds(state.wins, np.zeros(30))[1009] == 9  # (equal games: by wins)
    # 1009 would win every game it played
    scores = pd.Series(0.0, index=TEAMS)
    scores[1009] = 1e4
    out = simulate_outcomes(state, logistic_win_prob(scores, 0.0, 1.0),
                            SimulationSection(n_sims=2000))
    _check_postseason_counts(out)
    i9, i8 = np.flatnonzero(TEAMS == 1009)[0], np.flatnonzero(TEAMS == 1008)[0]
    assert (out.seed[:, i9] == 9).all() and (out.reached[:, i9] == 0).all()
    assert (out.reached[:, i8] >= 1).all()
    assert not out.in_play_in[:, CONF == "E"].any()
    # the West's 9th is 3 games behind its 8th: its play-in is held in every simulation
    west = out.in_play_in[:, CONF == "W"]
    assert (west.sum(axis=1) == 2).all()
    assert (out.in_play_in[:, TEAMS == 1023] & out.in_play_in[:, TEAMS == 1024]).all()


@pytest.mark.parametrize(("w8", "l8", "w9", "l9"), [(35, 39, 34, 39),  # POR/MEM 2020: 0.5 back
                                                    (40, 32, 36, 36)])  # exactly 4 back
def test_bubble_play_in_matches_the_closed_form(w8, l8, w9, l9):
    state = bubble_state(w8, l8, w9, l9)
    assert (state.wins[7] / (state.wins[7] + state.losses[7])
            > state.wins[8] / (state.wins[8] + state.losses[8]))
    scores = pd.Series(np.random.default_rng(1).normal(0, 0.3, 30), index=TEAMS)
    scores[1008], scores[1009] = 0.0, 0.4
    hfa, slope = 0.5, 1.0
    wp = logistic_win_prob(scores, hfa, slope)
    n = 40_000
    out = simulate_outcomes(state, wp, SimulationSection(n_sims=n, seed=9))
    _check_postseason_counts(out)
    # the bubble was neutral: no home edge in either game
    p = float(1.0 / (1.0 + np.exp(-slope * (0.0 - 0.4))))
    expected = 1.0 - (1.0 - p) ** 2
    i8, i9 = np.flatnonzero(TEAMS == 1008)[0], np.flatnonzero(TEAMS == 1009)[0]
    got8 = np.mean(out.reached[:, i8] >= 1)
    assert abs(got8 - expected) < mc_tol(expected, n)
    assert ((out.reached[:, i8] >= 1) ^ (out.reached[:, i9] >= 1)).all()  # exactly one
    assert out.in_play_in[:, i8].all() and out.in_play_in[:, i9].all()
    t = sim.summarise_outcomes(out).set_index("team_id")
    assert t.loc[1008, "p_play_in"] == 1 and t.loc[1007, "p_play_in"] == 0


def test_play_in_8_9_certain_outcomes():
    p = np.array([[0.5, 1.0], [0.0, 0.5]])  # 0 = seed 8 always beats 1 = seed 9
    u = np.random.default_rng(0).random((2, 100))
    s8, s9 = np.zeros(100, dtype=np.int64), np.ones(100, dtype=np.int64)
    assert (sim.play_in_8_9(p, s8, s9, np.ones(100, bool), u) == 0).all()
    assert (sim.play_in_8_9(p.T, s8, s9, np.ones(100, bool), u) == 1).all()  # 9 always wins
    assert (sim.play_in_8_9(p.T, s8, s9, np.zeros(100, bool), u) == 0).all()  # not held


# --------------------------------------------------------------------------------------------
# strength shocks in the postseason
# --------------------------------------------------------------------------------------------
def test_postseason_sd_zero_is_the_frozen_simulation_and_never_touches_the_regular_season():
    state, wp = mid_state(), random_model()
    cfg = SimulationSection(n_sims=2000, seed=4)
    ref = simulate_outcomes(state, wp, cfg)
    zero = simulate_outcomes(state, wp, cfg, postseason_sd=0.0)
    assert (ref.reached == zero.reached).all()
    shocked = simulate_outcomes(state, wp, cfg, postseason_sd=0.8)
    assert (shocked.wins == ref.wins).all() and (shocked.seed == ref.seed).all()
    assert (shocked.reached != ref.reached).any()
    with pytest.raises(ValueError, match="postseason_sd"):
        simulate_outcomes(state, wp, cfg, postseason_sd=-0.1)


def test_a_shocked_series_is_the_mean_of_the_series_over_the_shocks():
    from scipy.special import logit

    from truestrength.models.postseason import series_win_probs

    wins = np.arange(30, 60)
    seeds = conference_seeds(wins, np.zeros(30))
    east = {seeds[t]: int(t) for t, c in zip(TEAMS, CONF, strict=True) if c == "E"}
    four, five = east[4], east[5]
    scores = pd.Series(0.0, index=TEAMS)
    scores[four], scores[five] = 1.2, -0.3  # the 4 seed, with home court, is much stronger
    wp = logistic_win_prob(scores, home_advantage_logit=0.3, slope=1.0)
    at_home = wp(np.array([four]), np.array([five]), np.array([False]))
    on_road = 1 - wp(np.array([five]), np.array([four]), np.array([False]))
    n, sd = 40_000, 0.9
    for v in (0.0, sd):
        t = simulate_season(end_state(wins), wp, SimulationSection(n_sims=n, seed=2),
                            postseason_sd=v).table.set_index("team_id")
        want = float(series_win_probs(logit(at_home), logit(on_road), v)[0])
        assert abs(t.loc[four, "p_second_round"] - want) < mc_tol(want, n)
    frozen = float(series_win_prob(at_home, on_road)[0])
    assert frozen - float(series_win_probs(logit(at_home), logit(on_road), sd)[0]) > 0.04
