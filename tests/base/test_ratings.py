"""Known-answer tests for truestrength.base.ratings.

Every expected number below is derived by hand in the comments, not recomputed with the code
under test.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import EloSection
from truestrength.base.errors import ModelError
from truestrength.base.game_model import fit_logistic_win_model
from truestrength.base.ratings import (
    elo_history,
    elo_ratings_before,
    elo_ratings_from_history,
    elo_win_prob,
    mov_multiplier,
    point_diff_per_game,
    record,
    srs,
    srs_fit,
    win_pct,
)

A, B, C, D = 101, 102, 103, 104  # synthetic ids (not NBA ids)


def make_games(rows: list[tuple], season: str = "2020-21") -> pd.DataFrame:
    """rows: (date, home, road, home_pts, road_pts[, neutral[, kind[, season]]])."""
    out = []
    for i, row in enumerate(rows):
        date, home, road, hp, rp, *rest = row
        neutral = rest[0] if len(rest) > 0 else False
        kind = rest[1] if len(rest) > 1 else "regular"
        ssn = rest[2] if len(rest) > 2 else season
        out.append(
            {
                "game_id": f"002{int(ssn[2:4]):02d}{i + 1:05d}",
                "season": ssn,
                "game_date": pd.Timestamp(date),
                "kind": kind,
                "home_team_id": home,
                "road_team_id": road,
                "home_pts": hp,
                "road_pts": rp,
                "neutral_site": neutral,
                "counts_for_standings": kind == "regular",
            }
        )
    g = pd.DataFrame(out)
    g["home_team_id"] = g["home_team_id"].astype(np.int64)
    g["road_team_id"] = g["road_team_id"].astype(np.int64)
    g["home_pts"] = g["home_pts"].astype(np.int64)
    g["road_pts"] = g["road_pts"].astype(np.int64)
    return g.sort_values(["game_date", "game_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# record / win% / point differential
# --------------------------------------------------------------------------------------------
# Round robin: A beats B 110-100 at A; B beats C 104-100 at B; A wins 100-98 at C.
ROUND_ROBIN = [
    ("2020-12-22", A, B, 110, 100),
    ("2020-12-23", B, C, 104, 100),
    ("2020-12-24", C, A, 98, 100),
]


def test_record_win_pct_point_diff():
    g = make_games(ROUND_ROBIN)
    rec = record(g)
    # A 2-0, B 1-1, C 0-2.
    assert rec.loc[A].tolist() == [2, 0, 2]
    assert rec.loc[B].tolist() == [1, 1, 2]
    assert rec.loc[C].tolist() == [0, 2, 2]
    assert win_pct(g).to_dict() == {A: 1.0, B: 0.5, C: 0.0}
    # A: (+10 + 2) / 2 = 6; B: (-10 + 4) / 2 = -3; C: (-4 - 2) / 2 = -3.
    assert point_diff_per_game(g).to_dict() == {A: 6.0, B: -3.0, C: -3.0}
    assert point_diff_per_game(g).index.name == "team_id"


def test_tie_is_rejected():
    g = make_games([("2020-12-22", A, B, 100, 100)])
    with pytest.raises(ValueError, match="tied"):
        record(g)
    with pytest.raises(ValueError, match="tied"):
        elo_history(g)


# --------------------------------------------------------------------------------------------
# SRS
# --------------------------------------------------------------------------------------------
def test_srs_round_robin_by_hand():
    # Margins (home - road): A-B +10, B-C +4, C-A -2.
    # Normal equations (classic, no h): games_i * r_i - sum(r_opp) = sum of i's margins.
    #   A: 2 rA - rB - rC = 10 + 2 = 12, and rB + rC = -rA (sum zero) -> 3 rA = 12 -> rA = 4
    #   B: 3 rB = -10 + 4 = -6 -> rB = -2;  C: 3 rC = -4 - 2 = -6 -> rC = -2.   Sum = 0.
    g = make_games(ROUND_ROBIN)
    r = srs(g, home_advantage=False)
    assert r.name == "srs"
    np.testing.assert_allclose(r.loc[[A, B, C]].to_numpy(), [4.0, -2.0, -2.0], atol=1e-12)
    assert abs(r.sum()) < 1e-12


def test_srs_with_home_advantage_exact_fit():
    # True ratings rA=3, rB=0, rC=-3 and h=2; four games generated without noise:
    #   A home v B: 3 - 0 + 2 = +5      B home v C: 0 + 3 + 2 = +5
    #   C home v A: -3 - 3 + 2 = -4     A home v C: 3 + 3 + 2 = +8
    # Summing the first three equations (a cycle) cancels r: 3h = 5 + 5 - 4 = 6 -> h = 2, so
    # the system is identified and least squares must hit it with zero residual.
    rows = [
        ("2020-12-22", A, B, 105, 100),
        ("2020-12-23", B, C, 105, 100),
        ("2020-12-24", C, A, 96, 100),
        ("2020-12-26", A, C, 108, 100),
    ]
    fit = srs_fit(make_games(rows), home_advantage=True)
    assert fit.home_advantage == pytest.approx(2.0, abs=1e-9)
    np.testing.assert_allclose(fit.ratings.loc[[A, B, C]].to_numpy(), [3.0, 0.0, -3.0], atol=1e-9)
    assert abs(fit.ratings.sum()) < 1e-9

    # Classic SRS on the same games credits A's two home games to A:
    #   A (3 games): 3 rA - rB - 2 rC = 5 + 4 + 8 = 17
    #   B (2 games): 2 rB - rA - rC = -5 + 5 = 0, with rA + rC = -rB -> 3 rB = 0 -> rB = 0
    #   so rC = -rA and 5 rA = 17 -> rA = 3.4, rC = -3.4.
    classic = srs_fit(make_games(rows), home_advantage=False)
    assert classic.home_advantage == 0.0
    np.testing.assert_allclose(
        classic.ratings.loc[[A, B, C]].to_numpy(), [3.4, 0.0, -3.4], atol=1e-9
    )


def test_srs_neutral_games_carry_no_home_term():
    # All neutral: h is not estimated, so the classic answer (4, -2, -2) must come back.
    rows = [(*row, True) for row in ROUND_ROBIN]
    fit = srs_fit(make_games(rows), home_advantage=True)
    assert fit.home_advantage == 0.0
    np.testing.assert_allclose(fit.ratings.loc[[A, B, C]].to_numpy(), [4.0, -2.0, -2.0])


def test_srs_mixed_neutral_and_home_games():
    # Same truth as above (rA=3, rB=0, rC=-3, h=2), but the fourth game is on a neutral court
    # with A listed at home: margin 3 - (-3) = +6 with no h. The first three games (a cycle)
    # still give 3h = 6 -> h = 2; an exact fit exists only if the neutral game gets no h.
    rows = [
        ("2020-12-22", A, B, 105, 100),
        ("2020-12-23", B, C, 105, 100),
        ("2020-12-24", C, A, 96, 100),
        ("2020-12-26", A, C, 106, 100, True),
    ]
    fit = srs_fit(make_games(rows))
    assert fit.home_advantage == pytest.approx(2.0, abs=1e-9)
    np.testing.assert_allclose(fit.ratings.loc[[A, B, C]].to_numpy(), [3.0, 0.0, -3.0], atol=1e-9)


def test_srs_disconnected_components_each_centred_and_absent_teams_absent():
    # A beat B by 6, C beat D by 2, never crossing: each pair is centred on zero:
    # rA = 3, rB = -3, rC = 1, rD = -1. Team 999 never played, so it is absent.
    g = make_games([("2020-12-22", A, B, 106, 100), ("2020-12-22", C, D, 102, 100)])
    r = srs(g, home_advantage=False)
    assert sorted(r.index) == [A, B, C, D]
    np.testing.assert_allclose(r.loc[[A, B, C, D]].to_numpy(), [3.0, -3.0, 1.0, -1.0])
    assert srs(g.iloc[:0]).empty


# --------------------------------------------------------------------------------------------
# Elo
# --------------------------------------------------------------------------------------------
def test_elo_first_game_home_win_by_hand():
    # Both 1500, home wins by 10.
    #   p = 1 / (1 + 10 ** (-100/400)) = 1 / (1 + 0.5623413251903491) = 0.6400649998028851
    #   elo_diff_winner = (1500 + 100) - 1500 = 100
    #   mult = (10 + 3) ** 0.8 / (7.5 + 0.6) = 7.783137122039472 / 8.1 = 0.9608811261777126
    #   delta = 20 * 0.9608811261777126 * (1 - 0.6400649998028851) = 6.917094966803579
    h = elo_history(make_games([("2020-12-22", A, B, 110, 100)]))
    row = h.iloc[0]
    assert row["elo_home"] == 1500.0 and row["elo_road"] == 1500.0
    assert row["prob_home"] == pytest.approx(0.6400649998028851, abs=1e-12)
    assert row["mov_mult"] == pytest.approx(0.9608811261777126, abs=1e-12)
    assert row["elo_home_post"] == pytest.approx(1500 + 6.917094966803579, abs=1e-9)
    assert row["elo_road_post"] == pytest.approx(1500 - 6.917094966803579, abs=1e-9)


def test_elo_road_win_uses_winner_diff_with_home_edge():
    # Road team B wins by 5 at A, both 1500: winner's diff = 1500 - (1500 + 100) = -100
    #   mult = 8 ** 0.8 / (7.5 - 0.6) = 5.278031643091578 / 6.9 = 0.7649321221871851
    #   delta(home) = 20 * mult * (0 - 0.6400649998028851) = -9.792125572739222
    h = elo_history(make_games([("2020-12-22", A, B, 100, 105)]))
    row = h.iloc[0]
    assert row["mov_mult"] == pytest.approx(0.7649321221871851, abs=1e-12)
    assert row["elo_home_post"] == pytest.approx(1500 - 9.792125572739222, abs=1e-9)
    assert row["elo_road_post"] == pytest.approx(1500 + 9.792125572739222, abs=1e-9)


def test_elo_neutral_site_has_no_home_advantage():
    # Neutral, both 1500, home-listed team wins by 7: p = 0.5, winner diff 0,
    #   mult = 10 ** 0.8 / 7.5 = 6.309573444801933 / 7.5 = 0.8412764593069244
    #   delta = 20 * 0.8412764593069244 * 0.5 = 8.412764593069245
    h = elo_history(make_games([("2020-12-22", A, B, 107, 100, True)]))
    row = h.iloc[0]
    assert row["hfa"] == 0.0
    assert row["prob_home"] == 0.5
    assert row["elo_home_post"] == pytest.approx(1508.412764593069245, abs=1e-9)
    assert elo_win_prob(1500.0, 1500.0, neutral=True) == 0.5
    assert elo_win_prob(1500.0, 1500.0) == pytest.approx(0.6400649998028851, abs=1e-12)


def test_elo_win_prob_vectorised():
    # 1600 v 1500 at home: diff 200 -> 1 / (1 + 10 ** -0.5) = 1 / 1.316227766 = 0.7597469266
    # 1500 v 1600 neutral: diff -100 -> 1 - 0.6400649998 = 0.3599350002
    p = elo_win_prob(np.array([1600.0, 1500.0]), np.array([1500.0, 1600.0]), [False, True])
    np.testing.assert_allclose(p, [0.7597469266479578, 0.3599350001971149], atol=1e-12)
    # 538's multiplier is exposed for reuse: MOV 10, winner diff 100 (from the first test).
    assert mov_multiplier(10, 100) == pytest.approx(0.9608811261777126, abs=1e-12)


def test_elo_season_carryover():
    # Season 1: A beats B by 10 at A -> A = 1506.917094966803579, B = 1493.082905033196421.
    # Season 2 first game (B home v A): pre-game ratings regress 25% toward 1505:
    #   A: 0.75 * 1506.917094966803579 + 376.25 = 1506.437821225102684
    #   B: 0.75 * 1493.082905033196421 + 376.25 = 1496.062178774897316
    # A new team C appearing in season 2 starts at 1500 with no regression.
    rows = [
        ("2020-12-22", A, B, 110, 100, False, "regular", "2020-21"),
        ("2021-10-20", B, A, 100, 101, False, "regular", "2021-22"),
        ("2021-10-21", C, A, 100, 101, False, "regular", "2021-22"),
    ]
    g = make_games(rows)
    h = elo_history(g)
    assert h.loc[1, "elo_home"] == pytest.approx(1496.062178774897316, abs=1e-9)
    assert h.loc[1, "elo_road"] == pytest.approx(1506.437821225102684, abs=1e-9)
    assert h.loc[2, "elo_home"] == 1500.0

    # Reading before the first season-2 game: same ratings, carry-over applied because
    # as_of belongs to 2021-22 although the last game was in 2020-21 ...
    before = elo_ratings_before(g, pd.Timestamp("2021-10-20"), "2021-22")
    assert before.loc[A] == pytest.approx(1506.437821225102684, abs=1e-9)
    assert before.loc[B] == pytest.approx(1496.062178774897316, abs=1e-9)
    assert C not in before.index
    # ... but not when as_of is still in 2020-21 ...
    same = elo_ratings_before(g, pd.Timestamp("2021-06-01"), "2020-21")
    assert same.loc[A] == pytest.approx(1506.917094966803579, abs=1e-9)
    # ... and twice across two boundaries: 1505 + 0.75**2 * 1.917094966803579 = 1506.078365918827
    # C's last game was in 2021-22: reading in 2023-24 regresses it twice.
    two = elo_ratings_before(g, pd.Timestamp("2022-10-01"), "2023-24")
    c_post = h.loc[2, "elo_home_post"]
    assert two.loc[C] == pytest.approx(1505 + 0.5625 * (c_post - 1505), abs=1e-9)
    assert elo_ratings_before(g.iloc[:1], pd.Timestamp("2022-10-01"), "2022-23").loc[
        A
    ] == pytest.approx(1506.078365918827, abs=1e-9)
    with pytest.raises(ValueError, match="earlier"):
        elo_ratings_before(g, pd.Timestamp("2022-10-01"), "2020-21")


def test_elo_carryover_compounds_over_a_skipped_season():
    # A and B play in 2020-21 (A +6.917094966803579), sit out 2021-22 while C and D play,
    # and meet again in 2022-23: two boundaries -> A = 1505 + 0.75**2 * 1.917094966803579
    # = 1505 + 0.5625 * 1.917094966803579 = 1506.078365918827.
    rows = [
        ("2020-12-22", A, B, 110, 100, False, "regular", "2020-21"),
        ("2021-12-22", C, D, 110, 100, False, "regular", "2021-22"),
        ("2022-12-22", A, B, 110, 100, False, "regular", "2022-23"),
    ]
    h = elo_history(make_games(rows))
    assert h.loc[2, "elo_home"] == pytest.approx(1506.078365918827, abs=1e-9)


def test_elo_ratings_before_is_strictly_before():
    # Game 1 on 12-22 (A beats B by 10), game 2 on 12-23 (A beats B by 10 again).
    g = make_games([("2020-12-22", A, B, 110, 100), ("2020-12-23", A, B, 110, 100)])
    h = elo_history(g)
    on_day2 = elo_ratings_before(g, pd.Timestamp("2020-12-23"), "2020-21")
    # Only game 1 counts: A = 1500 + 6.917094966803579.
    assert on_day2.loc[A] == pytest.approx(1506.917094966803579, abs=1e-9)
    assert on_day2.loc[A] == pytest.approx(h.loc[1, "elo_home"])
    after_day2 = elo_ratings_before(g, pd.Timestamp("2020-12-24"), "2020-21")
    assert after_day2.loc[A] == pytest.approx(h.loc[1, "elo_home_post"])
    assert after_day2.loc[A] > on_day2.loc[A]
    # A time of day on as_of does not let that day's games in.
    noon = elo_ratings_before(g, pd.Timestamp("2020-12-23 12:00"), "2020-21")
    assert noon.loc[A] == on_day2.loc[A]
    # Reading from a precomputed history gives the same answer.
    from_hist = elo_ratings_from_history(h, pd.Timestamp("2020-12-23"), "2020-21")
    pd.testing.assert_series_equal(from_hist, on_day2)
    assert elo_ratings_before(g, pd.Timestamp("2020-12-22"), "2020-21").empty


def test_elo_kinds_configurable_and_same_date_sequential():
    # Default: the playoff game updates. With kinds=("regular",), it gets a probability but
    # post == pre.
    g = make_games([("2021-05-30", A, B, 110, 100, False, "playoff")])
    assert elo_history(g).loc[0, "elo_home_post"] > 1500.0
    h = elo_history(g, EloSection(kinds=("regular",)))
    assert not h.loc[0, "updates_elo"]
    assert h.loc[0, "elo_home_post"] == 1500.0
    assert h.loc[0, "prob_home"] == pytest.approx(0.6400649998028851)

    # Same date, sequential in game_id order: the second game sees A's updated rating.
    g2 = make_games([("2020-12-22", A, B, 110, 100), ("2020-12-22", A, C, 110, 100)])
    h2 = elo_history(g2)
    assert h2.loc[1, "elo_home"] == pytest.approx(1506.917094966803579, abs=1e-9)


def test_elo_custom_config():
    # K = 40 doubles the first-game change: 2 * 6.917094966803579 = 13.834189933607158.
    h = elo_history(make_games([("2020-12-22", A, B, 110, 100)]), EloSection(k=40.0))
    assert h.loc[0, "elo_home_post"] == pytest.approx(1513.834189933607158, abs=1e-9)


# --------------------------------------------------------------------------------------------
# logistic win model
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "b", "sd"), [(0.4, 0.12, 5.0), (0.35, 0.004, 150.0)])
def test_logistic_recovers_known_coefficients(a: float, b: float, sd: float):
    # 40,000 simulated games; standard errors are about 0.015 for a and 1.5% of b, so the
    # tolerances below are > 4 SE. The second case is Elo-scaled (differences in hundreds).
    rng = np.random.default_rng(7)
    n = 40_000
    diff = rng.normal(0.0, sd, n)
    neutral = rng.random(n) < 0.2
    p = 1.0 / (1.0 + np.exp(-(a * ~neutral + b * diff)))
    won = rng.random(n) < p
    model = fit_logistic_win_model(diff, won, neutral)
    assert model.home_advantage == pytest.approx(a, abs=0.07)
    assert model.slope == pytest.approx(b, rel=0.07)
    assert model.n_games == n
    # Neutral zeroes the home term: equal ratings on a neutral court -> 0.5 exactly.
    assert model.predict_proba([0.0], neutral=[True])[0] == 0.5
    expected = 1.0 / (1.0 + math.exp(-model.home_advantage))
    assert model.predict_proba(0.0)[0] == pytest.approx(expected)


def test_logistic_input_validation():
    with pytest.raises(ModelError, match="same winner side"):
        fit_logistic_win_model([1.0, 2.0], [1, 1])
    with pytest.raises(ValueError, match="lengths"):
        fit_logistic_win_model([1.0, 2.0], [1, 0, 1])
    with pytest.raises(ModelError, match="constant"):
        fit_logistic_win_model([1.0, 1.0], [1, 0])


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("func", "column"),
    [
        (srs, "home_pts"),
        (srs, "neutral_site"),
        (record, "road_team_id"),
        (win_pct, "home_pts"),
        (point_diff_per_game, "road_pts"),
        (elo_history, "season"),
        (elo_history, "kind"),
        (lambda g: elo_ratings_before(g, pd.Timestamp("2021-01-01"), "2020-21"), "game_date"),
    ],
)
def test_missing_column_raises(func, column: str):
    g = make_games(ROUND_ROBIN).drop(columns=[column])
    with pytest.raises(ValueError, match=column):
        func(g)


def test_classic_srs_does_not_need_neutral_site():
    g = make_games(ROUND_ROBIN).drop(columns=["neutral_site"])
    assert srs(g, home_advantage=False).loc[A] == pytest.approx(4.0)


# --------------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------------
GAMES_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "nba" / "games"
BOS, CLE, MIL = 1610612738, 1610612739, 1610612749

_KIND = {
    "regular_season": "regular",
    "nba_cup_semi": "regular",
    "nba_cup_final": "cup_final",
    "playoff": "playoff",
    "playoffs": "playoff",
    "playin": "play_in",
    "play_in": "play_in",
}


def _read_games(path: Path) -> pd.DataFrame:
    """A real games file as a contract-shaped games frame (test-local, no ingest dependency)."""
    raw = pd.read_csv(path, dtype={"game_id": str, "season": str})
    g = pd.DataFrame(
        {
            "game_id": raw["game_id"],
            "season": raw["season"],
            "game_date": pd.to_datetime(raw["game_date"], format="mixed").dt.normalize(),
            "kind": raw["game_type"].map(_KIND),
            "home_team_id": raw["team_id_home"].astype(np.int64),
            "road_team_id": raw["team_id_road"].astype(np.int64),
            "home_pts": raw["pts_home"].astype(np.int64),
            "road_pts": raw["pts_road"].astype(np.int64),
            "neutral_site": raw["neutral_site"].astype(bool),
            "counts_for_standings": raw["game_type"].isin(["regular_season", "nba_cup_semi"]),
        }
    )
    assert g["kind"].notna().all(), set(raw["game_type"])
    return g.sort_values(["game_date", "game_id"]).reset_index(drop=True)


def _need_real(name: str) -> Path:
    path = GAMES_DIR / name
    if not path.exists():
        pytest.skip(f"real data absent: {path} (see ../shared/data/DATA.md)")
    return path


@pytest.mark.realdata
def test_real_srs_2022_23_matches_basketball_reference():
    g = _read_games(_need_real("2022-23.csv.gz"))
    g = g[(g["kind"] == "regular") & g["counts_for_standings"]]
    assert len(g) == 1230
    classic = srs(g, home_advantage=False).sort_values(ascending=False)
    assert len(classic) == 30
    assert classic.index[0] == BOS
    # Basketball-Reference 2022-23 SRS: BOS 6.38, CLE 5.23, MIL 3.61.
    assert classic.loc[BOS] == pytest.approx(6.38, abs=0.3)
    assert classic.loc[CLE] == pytest.approx(5.23, abs=0.3)
    assert classic.loc[MIL] == pytest.approx(3.61, abs=0.3)
    assert {BOS, CLE} <= set(classic.index[:3])
    fit = srs_fit(g, home_advantage=True)
    assert 1.0 < fit.home_advantage < 4.0  # NBA home edge in points, ~2.5 in 2022-23
    assert fit.ratings.idxmax() == BOS


@pytest.mark.realdata
def test_real_elo_full_history_is_fast_and_predictive():
    paths = sorted(GAMES_DIR.glob("*.csv.gz")) if GAMES_DIR.exists() else []
    if len(paths) < 2:
        pytest.skip(f"real data absent: {GAMES_DIR} (see ../shared/data/DATA.md)")
    g = pd.concat([_read_games(p) for p in paths], ignore_index=True)
    g = g.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    start = time.perf_counter()
    h = elo_history(g)
    elapsed = time.perf_counter() - start
    print(f"elo_history: {len(g)} games in {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0
    # Elo after warm-up must beat the coin flip and the "home always 0.6" baseline.
    late = h[h["season"] >= "2015-16"]
    home_won = (
        g.set_index("game_id").loc[late["game_id"], "home_pts"].to_numpy()
        > g.set_index("game_id").loc[late["game_id"], "road_pts"].to_numpy()
    )
    p = late["prob_home"].to_numpy()
    logloss = -np.mean(np.where(home_won, np.log(p), np.log(1 - p)))
    base = home_won.mean()
    base_loss = -(base * math.log(base) + (1 - base) * math.log(1 - base))
    assert logloss < base_loss - 0.02
