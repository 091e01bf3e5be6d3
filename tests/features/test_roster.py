"""Roster snapshots: leakage, roster membership, ordering/padding, known answers, guards."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.league_factory import TEAMS, Game, Line, make_league, random_league, season_of
from truestrength.base.config import RosterSection
from truestrength.features.player_stats import FEATURE_NAMES
from truestrength.features.roster import KEY_COLUMNS, RosterSnapshots, build_snapshots, check_finite
from truestrength.features.scaling import FeatureScaler

F = {name: i for i, name in enumerate(FEATURE_NAMES)}
S1, S2 = "2021-22", "2022-23"


def row(snaps: RosterSnapshots, date: str, team: int) -> int:
    k = snaps.keys
    hit = np.flatnonzero((k["date"] == pd.Timestamp(date)).to_numpy()
                         & (k["team_id"] == team).to_numpy())
    assert len(hit) == 1, f"expected one snapshot of team {team} at {date}, got {len(hit)}"
    return int(hit[0])


def player_vec(snaps: RosterSnapshots, date: str, team: int, pid: int) -> np.ndarray:
    r = row(snaps, date, team)
    slot = np.flatnonzero(snaps.player_ids[r] == pid)
    assert len(slot) == 1, f"player {pid} not on team {team} at {date}"
    return snaps.x[r, slot[0]]


def assert_same(a: RosterSnapshots, b: RosterSnapshots) -> None:
    pd.testing.assert_frame_equal(a.keys, b.keys)
    for name in ("x", "player_ids", "minutes", "mask"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def truncate(games: list[Game], day: str) -> list[Game]:
    return [g for g in games if pd.Timestamp(g.date) < pd.Timestamp(day)]


def alter_future(games: list[Game], day: str) -> list[Game]:
    """Every game on/after ``day`` changed beyond recognition, plus a new player and team
    change, plus an extra game on ``day`` itself."""
    out = []
    for g in games:
        if pd.Timestamp(g.date) < pd.Timestamp(day):
            out.append(g)
            continue
        lines = tuple(dataclasses.replace(ln, pts=ln.pts * 3 + 7, min=40.0, fga=ln.fga + 9,
                                          tov=ln.tov + 5, pm=ln.pm - 20) for ln in g.lines)
        lines += (Line(pid=999, team=g.home, min=48.0, pts=60),)
        out.append(dataclasses.replace(g, lines=lines))
    team1 = [ln for ln in games[0].lines if ln.team == 1]
    out.append(Game(day, 1, 4, tuple(dataclasses.replace(ln, team=4) for ln in team1)
                    + (Line(pid=41, team=1),)))
    return out


# -- leakage -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("season", "k"), [(S1, 1), (S1, 5), (S2, 1), (S2, 4), (S2, 7)])
def test_snapshot_at_d_ignores_games_on_or_after_d(seed: int, season: str, k: int) -> None:
    # S1 has no previous season: its newcomer baseline comes from the season to date, so it
    # tests that path; S2 tests the previous-season prior and the trade.
    games, dates2 = random_league(seed)
    dates = dates2 if season == S2 else [g.date for g in games if season_of(g.date) == S1]
    day = sorted(set(dates))[k]
    full = build_snapshots(make_league(games), [season], dates=[day])
    assert len(full) == 4
    for variant in (truncate(games, day), alter_future(games, day)):
        assert_same(full, build_snapshots(make_league(variant), [season], dates=[day]))
    # The alteration is real: a date after d does see it.
    later = pd.Timestamp(day) + pd.Timedelta(days=1)
    a = build_snapshots(make_league(games), [season], dates=[later])
    b = build_snapshots(make_league(alter_future(games, day)), [season], dates=[later])
    assert not np.array_equal(a.x, b.x)


def test_default_dates_match_on_a_truncated_league() -> None:
    games, dates2 = random_league(3)
    full = build_snapshots(make_league(games))
    cut = build_snapshots(make_league(truncate(games, dates2[5])))
    merged = cut.keys.reset_index().merge(full.keys.reset_index(),
                                          on=["season", "date", "team_id"])
    # Every truncated snapshot exists in the full build, except the truncated league's own
    # "day after its last game", which is no game date of the full league.
    extra = pd.Timestamp(dates2[4]) + pd.Timedelta(days=1)
    assert len(merged) == len(cut) - len(TEAMS)
    assert set(cut.keys["date"]) - set(merged["date"]) == {extra}
    i, j = merged["index_x"].to_numpy(), merged["index_y"].to_numpy()
    np.testing.assert_array_equal(cut.x[i], full.x[j])
    np.testing.assert_array_equal(cut.player_ids[i], full.player_ids[j])
    at_extra = build_snapshots(make_league(games), [S2], dates=[extra])
    np.testing.assert_array_equal(cut.x[(cut.keys["date"] == extra).to_numpy()], at_extra.x)


def test_before_view_gives_the_same_snapshot() -> None:
    games, dates2 = random_league(4)
    league = make_league(games)
    day = pd.Timestamp(dates2[6])
    assert_same(build_snapshots(league, [S2], dates=[day]),
                build_snapshots(league.before(day), [S2], dates=[day]))


# -- dates and keys ------------------------------------------------------------------------
def test_default_dates_are_game_dates_plus_the_day_after_and_every_team() -> None:
    games, dates2 = random_league(0, n_dates=6)
    snaps = build_snapshots(make_league(games))
    k = snaps.keys
    assert list(k.columns) == list(KEY_COLUMNS)
    s2 = k[k["season"] == S2]
    expected = [*pd.to_datetime(dates2), pd.Timestamp(dates2[-1]) + pd.Timedelta(days=1)]
    assert sorted(s2["date"].unique()) == expected
    assert (s2.groupby("date").size() == len(TEAMS)).all()
    # First date of the first season: nobody has played, no previous season -> no snapshot.
    s1 = k[k["season"] == S1]
    assert s1["date"].min() > pd.Timestamp(games[0].date)
    assert (k["n_players"] >= 1).all()
    assert (k["n_players"] == snaps.mask.sum(axis=1)).all()
    conf = k["team_id"].map(TEAMS)
    assert (k["conference"] == conf).all()
    assert k.sort_values(["season", "date", "team_id"]).index.equals(k.index)


def test_playoff_logs_do_not_enter_features() -> None:
    base = [Game("2021-10-20", 1, 2, (Line(1, 1, pts=10), Line(2, 2))),
            Game("2021-10-22", 1, 2, (Line(1, 1, pts=20), Line(2, 2)))]
    po = base + [Game("2021-10-24", 1, 2, (Line(1, 1, pts=90), Line(2, 2)), kind="playoff")]
    cfg = RosterSection(prior_games=1e-9)
    a = build_snapshots(make_league(base), [S1], cfg, dates=["2021-10-30"])
    b = build_snapshots(make_league(po), [S1], cfg, dates=["2021-10-30"])
    np.testing.assert_array_equal(a.x, b.x)


def test_explicit_dates_without_seasons_go_to_the_latest_season_before() -> None:
    games, dates2 = random_league(0, n_dates=6)
    snaps = build_snapshots(make_league(games), dates=["2021-01-01", "2022-01-01", dates2[2]])
    assert snaps.keys.groupby("season")["date"].unique().map(list).to_dict() == {
        S1: [pd.Timestamp("2022-01-01")], S2: [pd.Timestamp(dates2[2])]}


# -- roster membership and ordering ----------------------------------------------------------
def test_traded_player_moves_with_his_latest_team() -> None:
    games, dates2 = random_league(0)
    snaps = build_snapshots(make_league(games), [S2])
    trade_day = dates2[4]  # his first game for team 3
    for d in dates2[1:5]:
        assert 13 in snaps.player_ids[row(snaps, d, 1)]
        assert 13 not in snaps.player_ids[row(snaps, d, 3)]
    after = (pd.Timestamp(trade_day) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    snaps = build_snapshots(make_league(games), [S2], dates=[after, dates2[-1]])
    for d in (after, dates2[-1]):
        assert 13 in snaps.player_ids[row(snaps, d, 3)]
        assert 13 not in snaps.player_ids[row(snaps, d, 1)]


def _roster_league() -> list[Game]:
    """Team 1: six players, minutes chosen so season and recent orders differ; team 2: three."""
    g1 = (Line(1, 1, min=40), Line(2, 1, min=30), Line(3, 1, min=20), Line(4, 1, min=10),
          Line(5, 1, min=5), Line(6, 1, min=1), Line(7, 2, min=30), Line(8, 2, min=20),
          Line(9, 2, min=20))
    g2 = (Line(1, 1, min=2), Line(2, 1, min=30), Line(3, 1, min=20), Line(4, 1, min=10),
          Line(5, 1, min=5), Line(6, 1, min=35), Line(7, 2, min=30), Line(8, 2, min=20),
          Line(9, 2, min=20))
    g3 = tuple(dataclasses.replace(ln, min=ln.min) for ln in g2)
    return [Game("2021-10-20", 1, 2, g1), Game("2021-10-22", 1, 2, g2),
            Game("2021-10-24", 1, 2, g3)]


def test_ordering_by_recent_minutes_top_p_and_padding() -> None:
    cfg = RosterSection(max_players=5, recent_games=2)
    snaps = build_snapshots(make_league(_roster_league()), [S1], cfg, dates=["2021-10-25"])
    r1, r2 = row(snaps, "2021-10-25", 1), row(snaps, "2021-10-25", 2)
    # Recent (last 2 games) minutes: 6 -> 35, 2 -> 30, 3 -> 20, 4 -> 10, 5 -> 5, 1 -> 2.
    assert snaps.player_ids[r1].tolist() == [6, 2, 3, 4, 5]
    np.testing.assert_allclose(snaps.minutes[r1], [35, 30, 20, 10, 5])
    assert snaps.mask[r1].all() and snaps.keys.loc[r1, "n_players"] == 5
    # Team 2: three players (ties 20/20 broken by player id), two padding slots.
    assert snaps.player_ids[r2].tolist() == [7, 8, 9, 0, 0]
    assert snaps.mask[r2].tolist() == [True, True, True, False, False]
    assert (snaps.x[r2, 3:] == 0).all() and (snaps.minutes[r2, 3:] == 0).all()
    assert (snaps.x[r2, :3] != 0).any(axis=1).all()


def test_fallback_to_previous_season_before_the_first_game() -> None:
    s1 = [Game("2021-10-20", 1, 2, (Line(1, 1, min=30), Line(2, 1, min=20), Line(3, 2))),
          Game("2021-10-22", 3, 4, (Line(4, 3), Line(5, 4))),
          Game("2021-10-24", 1, 3, (Line(2, 3, min=25), Line(1, 1, min=30), Line(4, 3)))]
    s2 = [Game("2022-10-20", 1, 4, (Line(6, 1), Line(2, 4), Line(5, 4))),
          Game("2022-10-22", 2, 3, (Line(3, 2), Line(4, 3)))]
    snaps = build_snapshots(make_league(s1 + s2), [S2])
    k = snaps.keys
    first = k[k["date"] == pd.Timestamp("2022-10-20")].set_index("team_id")
    assert first["from_previous_season"].all()
    # Team 1 at its end of 2021-22: player 1 (player 2 was traded to team 3).
    assert snaps.player_ids[row(snaps, "2022-10-20", 1)].tolist()[:2] == [1, 0]
    assert sorted(snaps.player_ids[row(snaps, "2022-10-20", 3)][:3].tolist()) == [0, 2, 4]
    second = k[k["date"] == pd.Timestamp("2022-10-22")].set_index("team_id")
    assert not second.loc[[1, 4], "from_previous_season"].any()
    assert second.loc[[2, 3], "from_previous_season"].all()
    assert snaps.player_ids[row(snaps, "2022-10-22", 1)].tolist()[:2] == [6, 0]
    # Player 2 has signed with team 4 and played: on its current roster, and no longer in
    # team 3's fallback roster.
    assert 2 in snaps.player_ids[row(snaps, "2022-10-22", 4)]
    assert snaps.player_ids[row(snaps, "2022-10-22", 3)].tolist()[:2] == [4, 0]
    # Fallback values are his end-of-previous-season features.
    prev_end = build_snapshots(make_league(s1 + s2), [S1], dates=["2021-10-25"])
    np.testing.assert_array_equal(player_vec(snaps, "2022-10-20", 3, 2),
                                  player_vec(prev_end, "2021-10-25", 3, 2))


def test_first_season_team_without_games_has_no_snapshot() -> None:
    games = [Game("2021-10-20", 1, 2, (Line(1, 1), Line(2, 2))),
             Game("2021-10-22", 1, 3, (Line(1, 1), Line(3, 3)))]
    snaps = build_snapshots(make_league(games))
    k = snaps.keys
    assert set(k.loc[k["date"] == pd.Timestamp("2021-10-22"), "team_id"]) == {1, 2}
    assert set(k.loc[k["date"] == pd.Timestamp("2021-10-23"), "team_id"]) == {1, 2, 3}
    assert 4 not in set(k["team_id"])
    assert (snaps.mask.sum(axis=1) >= 1).all()


# -- known answers ---------------------------------------------------------------------------
def test_season_to_date_points_and_ts_by_hand() -> None:
    # Player 1: 20 pts on 10 FGA + 5 FTA, then 10 pts on 8 FGA + 0 FTA; a game on the date
    # itself (50 pts) must not count. A prior weight of ~0 leaves the raw season rates.
    games = [
        Game("2021-10-20", 1, 2, (Line(1, 1, min=30, pts=20, fga=10, fta=5), Line(3, 1),
                                  Line(2, 2))),
        Game("2021-10-22", 1, 2, (Line(1, 1, min=34, pts=10, fga=8, fta=0), Line(3, 1),
                                  Line(2, 2))),
        Game("2021-10-24", 1, 2, (Line(1, 1, min=40, pts=50, fga=20, fta=10), Line(2, 2))),
    ]
    cfg = RosterSection(prior_games=1e-9, recent_prior_games=1e-9)
    snaps = build_snapshots(make_league(games), [S1], cfg, dates=["2021-10-24"])
    v = player_vec(snaps, "2021-10-24", 1, 1)
    assert v[F["sea_pts_pg"]] == pytest.approx(15.0, rel=1e-6)
    assert v[F["sea_ts"]] == pytest.approx(30 / (2 * (18 + 0.44 * 5)), rel=1e-6)
    assert v[F["sea_min_pg"]] == pytest.approx(32.0, rel=1e-6)
    assert v[F["sea_pts_p36"]] == pytest.approx(36 * 30 / 64, rel=1e-6)
    assert v[F["sea_gp_log1p"]] == pytest.approx(np.log1p(2), rel=1e-6)
    # Usage: his (tsa + tov) per minute over his team's per player-minute, times 0.2. The
    # teammate (player 3) uses 8 + 0.44 * 2 + 1 per game; team minutes are floored at 240.
    use, team_use = (10 + 2.2 + 1) + (8 + 1), (13.2 + 9.88) + (9 + 9.88)
    assert v[F["sea_usg"]] == pytest.approx(0.2 * (use / 64) / (team_use / 480), rel=1e-6)
    assert v[F["sea_avail"]] == 1.0 and v[F["rec_missed_log1p"]] == 0.0
    assert snaps.minutes[row(snaps, "2021-10-24", 1), 0] == pytest.approx(32.0)


def test_prior_blend_by_hand() -> None:
    """Previous season: player 9 is the only rotation player, so the newcomer baseline is his
    per-game line; player 1's prior is his own line shrunk toward it by his 2 games."""
    k = 4.0
    prev = [
        Game("2021-10-20", 1, 2, (Line(9, 1, min=30, pts=20, fga=14, fta=4),
                                  Line(1, 1, min=10, pts=4, fga=4, fta=0), Line(3, 2, min=5))),
        Game("2021-10-22", 1, 2, (Line(9, 1, min=30, pts=20, fga=14, fta=4),
                                  Line(1, 1, min=10, pts=8, fga=4, fta=2), Line(3, 2, min=5))),
    ]
    cur = [Game("2022-10-20", 1, 2, (Line(1, 1, min=20, pts=12, fga=9, fta=2),
                                     Line(7, 1, min=20, pts=0, fga=3, fta=0),
                                     Line(3, 2, min=5)))]
    cfg = RosterSection(prior_games=k)
    snaps = build_snapshots(make_league(prev + cur), [S2], cfg, dates=["2022-10-21"])
    v = player_vec(snaps, "2022-10-21", 1, 1)
    prior_pts = (4 + 8 + k * 20) / (2 + k)
    prior_tsa = (8 + 0.44 * 2 + k * (14 + 0.44 * 4)) / (2 + k)
    prior_min = (20 + k * 30) / (2 + k)
    assert v[F["prior_pts_pg"]] == pytest.approx(prior_pts, rel=1e-6)
    assert v[F["prior_ts"]] == pytest.approx(prior_pts / (2 * prior_tsa), rel=1e-6)
    assert v[F["prior_min_pg"]] == pytest.approx(prior_min, rel=1e-6)
    assert v[F["prior_gp_log1p"]] == pytest.approx(np.log1p(2), rel=1e-6)
    assert v[F["prior_newcomer"]] == 0.0
    sea_pts = (12 + k * prior_pts) / (1 + k)
    sea_tsa = (9 + 0.44 * 2 + k * prior_tsa) / (1 + k)
    assert v[F["sea_pts_pg"]] == pytest.approx(sea_pts, rel=1e-6)
    assert v[F["sea_ts"]] == pytest.approx(sea_pts / (2 * sea_tsa), rel=1e-6)
    # A rookie's prior is the baseline itself.
    r = player_vec(snaps, "2022-10-21", 1, 7)
    assert r[F["prior_pts_pg"]] == pytest.approx(20.0, rel=1e-6)
    assert r[F["prior_ts"]] == pytest.approx(20 / (2 * (14 + 0.44 * 4)), rel=1e-6)
    assert r[F["prior_newcomer"]] == 1.0


def test_zero_attempts_and_zero_minutes_fall_back_to_the_prior() -> None:
    lines = (Line(1, 1, min=30, pts=20, fga=14, fta=4), Line(5, 1, min=12, pts=0, fga=0, fta=0),
             Line(6, 1, min=0, pts=0, fga=0, fta=0, oreb=0, dreb=0, ast=0, stl=0, blk=0, tov=0,
                  pf=0), Line(2, 2))
    games = [Game("2021-10-20", 1, 2, lines), Game("2021-10-22", 1, 2, lines)]
    snaps = build_snapshots(make_league(games), [S1], dates=["2021-10-23"])
    z = player_vec(snaps, "2021-10-23", 1, 5)
    assert np.isfinite(z).all()
    assert z[F["sea_ts"]] == pytest.approx(z[F["prior_ts"]], rel=1e-6)
    assert z[F["rec_ts"]] == pytest.approx(z[F["prior_ts"]], rel=1e-6)
    assert z[F["prior_ts"]] > 0.3  # a real shooting rate, not a "missing" zero
    m = player_vec(snaps, "2021-10-23", 1, 6)
    assert np.isfinite(m).all()
    for s in ("pts", "ast", "tov"):
        assert m[F[f"sea_{s}_p36"]] == pytest.approx(m[F[f"prior_{s}_p36"]], rel=1e-6)
    assert m[F["sea_ts"]] == pytest.approx(m[F["prior_ts"]], rel=1e-6)


def test_availability_and_games_missed() -> None:
    cfg = RosterSection(recent_games=3)
    games = []
    for i in range(5):
        lines = [Line(1, 1, min=30), Line(2, 2)]
        if i < 2:
            lines.append(Line(3, 1, min=24))
        games.append(Game(f"2021-10-{20 + 2 * i}", 1, 2, tuple(lines)))
    snaps = build_snapshots(make_league(games), [S1], cfg, dates=["2021-10-29"])
    v = player_vec(snaps, "2021-10-29", 1, 3)
    assert v[F["rec_avail"]] == 0.0  # none of team 1's last 3 games
    assert v[F["sea_avail"]] == pytest.approx(2 / 5)
    assert v[F["rec_missed_log1p"]] == pytest.approx(np.log1p(3))
    team_min = 5 * max(54.0, 240.0)  # players' minutes per game floored at 240
    assert v[F["sea_min_share"]] == pytest.approx(48 / (team_min / 5), rel=1e-6)
    w = player_vec(snaps, "2021-10-29", 1, 1)
    assert w[F["rec_avail"]] == 1.0 and w[F["rec_missed_log1p"]] == 0.0
    assert w[F["rec_min_share"]] == pytest.approx(90 / (3 * 240 / 5), rel=1e-6)
    # Two team games so far: the window is those two, not recent_games.
    early = build_snapshots(make_league(games), [S1], cfg, dates=["2021-10-23"])
    e = player_vec(early, "2021-10-23", 1, 1)
    assert e[F["rec_avail"]] == 1.0
    assert e[F["rec_min_share"]] == pytest.approx(60 / (2 * 240 / 5), rel=1e-6)


# -- guards ----------------------------------------------------------------------------------
def test_nan_in_the_data_raises_naming_player_team_date_feature() -> None:
    games = [Game("2021-10-20", 1, 2, (Line(1, 1, min=float("nan")), Line(2, 2))),
             Game("2021-10-22", 1, 2, (Line(1, 1), Line(2, 2)))]
    with pytest.raises(ValueError, match=r"feature '.*' .* player 1, team 1, date 2021-10-2"):
        build_snapshots(make_league(games), [S1])


def test_check_finite_names_the_slot() -> None:
    games, _ = random_league(0, n_dates=4)
    snaps = build_snapshots(make_league(games), [S2])
    check_finite(snaps, "built")
    x = snaps.x.copy()
    x[3, 1, F["rec_ts"]] = np.inf
    bad = dataclasses.replace(snaps, x=x)
    k = snaps.keys.iloc[3]
    with pytest.raises(ValueError, match=rf"'rec_ts' = inf for player "
                       rf"{snaps.player_ids[3, 1]}, team {k['team_id']}"):
        check_finite(bad, "built")


def test_select_keeps_rows_aligned() -> None:
    games, _ = random_league(0, n_dates=4)
    snaps = build_snapshots(make_league(games))
    rows = np.array([5, 0, 2])
    sub = snaps.select(rows)
    assert sub.keys["team_id"].tolist() == snaps.keys["team_id"].iloc[rows].tolist()
    np.testing.assert_array_equal(sub.x, snaps.x[rows])
    mask = (snaps.keys["season"] == S2).to_numpy()
    assert len(snaps.select(mask)) == mask.sum()


def test_config_roundtrip_and_validation() -> None:
    cfg = RosterSection(max_players=12, prior_games=10.0)
    assert RosterSection.model_validate(cfg.model_dump(mode="json")) == cfg
    assert cfg != RosterSection()
    # both pseudo-game counts must be > 0: they keep every denominator positive
    for field in ("prior_games", "recent_prior_games"):
        with pytest.raises(ValueError, match=field):
            RosterSection(**{field: 0.0})
    with pytest.raises(ValueError, match="newcomer_quantile"):
        RosterSection(newcomer_quantile=1.5)
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        RosterSection.model_validate({"bogus": 1})


# -- real data -------------------------------------------------------------------------------
NINE = [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2024)]
TRAIN = NINE[:6]


@pytest.fixture(scope="module")
def real_snaps(real_league):
    return build_snapshots(real_league, NINE), None


@pytest.mark.realdata
def test_real_nine_seasons_build_clean(real_snaps) -> None:
    snaps, _ = real_snaps
    assert sorted(snaps.keys["season"].unique()) == NINE
    check_finite(snaps, "built")
    n = snaps.keys["n_players"]
    assert (n >= 1).all()
    assert ((n >= 13) & (n <= 15)).mean() > 0.9
    assert snaps.x.shape[1:] == (15, len(FEATURE_NAMES))
    # Every team at every date except the first season's opening days.
    per_date = snaps.keys.groupby(["season", "date"]).size()
    assert (per_date.drop(NINE[0], level="season") == 30).all()
    assert snaps.keys.loc[snaps.keys["season"] != NINE[0], "from_previous_season"].any()


@pytest.mark.realdata
def test_real_scaler_standardises_training_seasons(real_snaps) -> None:
    snaps, _ = real_snaps
    train = snaps.select(snaps.keys["season"].isin(TRAIN).to_numpy())
    z = FeatureScaler.fit(train).transform(train)
    values = z.x[z.mask].astype(np.float64)
    np.testing.assert_allclose(values.mean(axis=0), 0.0, atol=2e-3)
    np.testing.assert_allclose(values.std(axis=0), 1.0, atol=1e-2)


@pytest.mark.realdata
@pytest.mark.parametrize(("season", "day"), [
    ("2015-16", "2015-11-20"),  # first season: baseline from the season to date
    ("2018-19", "2018-11-02"),
    ("2020-21", "2021-03-10"),
    ("2023-24", "2023-10-25"),  # opening days: previous-season fallback rosters
])
def test_real_snapshot_does_not_see_the_future(real_league, season: str, day: str) -> None:
    d = pd.Timestamp(day)
    full = build_snapshots(real_league, [season], dates=[d])
    assert len(full) > 0
    assert_same(full, build_snapshots(real_league.before(d), [season], dates=[d]))


def test_season_start_snapshot_is_the_same_built_alone_or_with_all_seasons(synth_league):
    """Prediction builds one season at one date; training builds every season at once. The
    previous-season fallback's prior must not depend on which (it needs two seasons back)."""
    season = synth_league.seasons[2]
    first_day = synth_league.games.loc[synth_league.games["season"] == season,
                                       "game_date"].min()
    everything = build_snapshots(synth_league, synth_league.seasons)
    rows = ((everything.keys["season"] == season)
            & (everything.keys["date"] == first_day)).to_numpy()
    together = everything.select(rows)
    alone = build_snapshots(synth_league.before(first_day), [season], dates=[first_day])
    assert together.keys["from_previous_season"].all()
    np.testing.assert_array_equal(together.keys["team_id"], alone.keys["team_id"])
    np.testing.assert_allclose(together.x, alone.x, rtol=1e-6)
