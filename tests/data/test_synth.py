"""The synthetic league: real-file formats, hard invariants, realism, truth and determinism."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from truestrength.base.config import SynthSection
from truestrength.data.synth import (
    GAMES_COLUMNS,
    PLAYER_LOG_COLUMNS,
    TEAMS_COLUMNS,
    SynthSummary,
    age_curve,
    generate_league,
)
from truestrength.data.teams import nba_team_season

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "nba"
COUNTS = ["MIN", "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "DREB", "REB", "AST", "STL",
          "BLK", "TOV", "PF", "PTS"]  # fmt: skip
BOX = ["fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb", "reb", "ast", "stl", "blk",
       "tov", "pf"]  # fmt: skip
PCTS = [("FG_PCT", "FGM", "FGA"), ("FG3_PCT", "FG3M", "FG3A"), ("FT_PCT", "FTM", "FTA")]
HOME_ADVANTAGE = SynthSection().home_advantage


@pytest.fixture(scope="module")
def league(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate_league(tmp_path_factory.mktemp("league"), SynthSection(n_seasons=2, seed=0))


@pytest.fixture(scope="module")
def games(league: SynthSummary) -> dict[str, pd.DataFrame]:
    return {
        s: pd.read_csv(league.out_dir / "games" / f"{s}.csv.gz", dtype={"game_id": str})
        for s in league.seasons
    }


@pytest.fixture(scope="module")
def logs(league: SynthSummary) -> dict[str, pd.DataFrame]:
    text = {"GAME_ID": str, "FANTASY_PTS": str, **{p: str for p, _, _ in PCTS}}
    return {
        s: pd.read_csv(
            league.out_dir / "player_game_logs" / f"{s}.csv.gz", dtype=text, keep_default_na=False
        )
        for s in league.seasons
    }


@pytest.fixture(scope="module")
def truth(league: SynthSummary) -> tuple[pd.DataFrame, pd.DataFrame]:
    strength = pd.read_csv(league.out_dir / "truth" / "team_strength.csv")
    players = pd.read_csv(league.out_dir / "truth" / "players.csv")
    return strength, players


def _regular(g: pd.DataFrame) -> pd.DataFrame:
    return g[g.game_type == "regular_season"]


def _wins(g: pd.DataFrame) -> pd.Series:
    r = _regular(g)
    home_won = r.pts_home > r.pts_road
    winners = pd.concat([r.team_id_home[home_won], r.team_id_road[~home_won]])
    return winners.value_counts().reindex(range(1, 31), fill_value=0)


def _half_up_pct(made: pd.Series, att: pd.Series) -> pd.Series:
    k = np.floor(made / att.clip(lower=1) * 1000 + 0.5).astype(int)
    return pd.Series([repr(x / 1000) if a else "" for x, a in zip(k, att, strict=True)], made.index)


def _team_sides(g: pd.DataFrame) -> pd.DataFrame:
    """One row per team per game: team_id, game_id, pts, margin and the box totals."""
    sides = []
    for side, other in (("home", "road"), ("road", "home")):
        df = g[["game_id", "game_date", "game_type", f"team_id_{side}", f"pts_{side}"]].copy()
        df.columns = ["game_id", "game_date", "game_type", "team_id", "pts"]
        df["margin"] = g[f"pts_{side}"] - g[f"pts_{other}"]
        df["home"] = side == "home"
        for b in [*BOX, "plus_minus"]:
            df[b] = g[f"{b}_{side}"]
        sides.append(df)
    return pd.concat(sides, ignore_index=True)


# ---------------------------------------------------------------------------- formats


@pytest.mark.realdata
def test_headers_match_the_real_files(league: SynthSummary) -> None:
    real_games = REAL / "games" / "2022-23.csv.gz"
    real_logs = REAL / "player_game_logs" / "2022-23.csv.gz"
    if not (real_games.exists() and real_logs.exists()):
        pytest.skip(f"real NBA data not found under {REAL}")
    season = league.seasons[0]
    for real, ours, constant in (
        (real_games, league.out_dir / "games" / f"{season}.csv.gz", GAMES_COLUMNS),
        (real_logs, league.out_dir / "player_game_logs" / f"{season}.csv.gz", PLAYER_LOG_COLUMNS),
    ):
        with gzip.open(real, "rt") as fh:
            real_header = fh.readline().rstrip("\n")
        with gzip.open(ours, "rt") as fh:
            our_header = fh.readline().rstrip("\n")
        assert our_header == real_header
        assert real_header.split(",") == constant


def test_teams_file(league: SynthSummary, games: dict[str, pd.DataFrame]) -> None:
    teams = pd.read_csv(league.out_dir / "teams.csv")
    assert list(teams.columns) == TEAMS_COLUMNS
    assert (league.out_dir / "teams.csv").read_text().startswith(",".join(TEAMS_COLUMNS) + "\n")
    for season, t in teams.groupby("season"):
        assert sorted(t.team_id) == list(range(1, 31))
        assert t.conference.value_counts().to_dict() == {"E": 15, "W": 15}
        assert t.abbreviation.str.fullmatch(r"[A-Z]{3}").all() and t.abbreviation.is_unique
        assert t.name.is_unique
        assert all(nba_team_season(int(i), str(season)) is None for i in t.team_id)
        names = dict(zip(t.team_id, t.name, strict=True))
        g = games[str(season)]
        assert (g.team_name_home == g.team_id_home.map(names)).all()
        assert (g.team_name_road == g.team_id_road.map(names)).all()
    assert sorted(teams.season.unique()) == league.seasons


def test_summary_lists_every_file(league: SynthSummary) -> None:
    assert league.seasons == ["2015-16", "2016-17"]
    assert all(f.exists() for f in league.files)
    written = {p for p in league.out_dir.rglob("*") if p.is_file()}
    assert written == set(league.files)
    n_rows = sum(
        len(pd.read_csv(league.out_dir / "player_game_logs" / f"{s}.csv.gz"))
        for s in league.seasons
    )
    assert n_rows == league.n_player_rows


def test_percentages_and_fantasy_points_are_formatted_like_nba(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for p in logs.values():
        for pct, made, att in PCTS:
            assert (p[pct] == _half_up_pct(p[made], p[att])).all(), pct
            assert ((p[pct] == "") == (p[att] == 0)).all()
            assert (p[att] == 0).any()  # the empty case is exercised
        fantasy = (10 * p.PTS + 12 * p.REB + 15 * p.AST + 30 * p.STL + 30 * p.BLK - 10 * p.TOV) / 10
        assert (p["FANTASY_PTS"] == fantasy.map(repr)).all()
        assert p.GAME_ID.str.fullmatch(r"002\d{7}").all()
        assert (p.SEASON_ID.astype(str) == "2" + p.SEASON.str[:4]).all()
        assert p.GAME_DATE.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        assert (p.VIDEO_AVAILABLE == 1).all()
    for g in games.values():
        assert (g.neutral_site.astype(str) == "False").all()
        for side in ("home", "road"):
            for stat in ("fg", "fg3", "ft"):
                made, att = g[f"{stat}m_{side}"], g[f"{stat}a_{side}"]
                expected = _half_up_pct(made, att).replace("", np.nan).astype(float)
                assert np.allclose(g[f"{stat}_pct_{side}"], expected, equal_nan=True)


def test_matchup_and_team_columns(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for season, p in logs.items():
        g = _regular(games[season]).set_index("game_id")
        row = g.loc[p.GAME_ID]
        home = row.team_id_home.to_numpy() == p.TEAM_ID.to_numpy()
        assert (home | (row.team_id_road.to_numpy() == p.TEAM_ID.to_numpy())).all()
        expected = np.where(
            home,
            row.team_abbreviation_home.to_numpy() + " vs. " + row.team_abbreviation_road.to_numpy(),
            row.team_abbreviation_road.to_numpy() + " @ " + row.team_abbreviation_home.to_numpy(),
        )
        assert (p.MATCHUP.to_numpy() == expected).all()
        assert (p.GAME_DATE.to_numpy() == row.game_date.to_numpy()).all()


# ---------------------------------------------------------------------------- hard invariants


def test_player_points_sum_to_team_scores(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for season, p in logs.items():
        sides = _team_sides(_regular(games[season]))
        summed = p.groupby(["GAME_ID", "TEAM_ID"]).PTS.sum()
        assert len(summed) == len(sides)  # every team of every regular-season game has players
        key = pd.MultiIndex.from_arrays([sides.game_id, sides.team_id])
        assert (summed.reindex(key).to_numpy() == sides.pts.to_numpy()).all()


def test_box_totals_equal_sums_of_player_rows(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for season, p in logs.items():
        sides = _team_sides(_regular(games[season]))
        key = pd.MultiIndex.from_arrays([sides.game_id, sides.team_id])
        summed = p.groupby(["GAME_ID", "TEAM_ID"])[[b.upper() for b in BOX]].sum().reindex(key)
        for b in BOX:
            assert (summed[b.upper()].to_numpy() == sides[b].to_numpy()).all(), b


def test_counting_identities(logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]) -> None:
    for p in logs.values():
        for c in [*COUNTS, "PLUS_MINUS"]:
            assert pd.api.types.is_integer_dtype(p[c]), c
        assert (p[COUNTS] >= 0).all().all()
        assert (p.PTS == 2 * (p.FGM - p.FG3M) + 3 * p.FG3M + p.FTM).all()
        assert ((p.FG3M <= p.FGM) & (p.FGM <= p.FGA)).all()
        assert ((p.FG3M <= p.FG3A) & (p.FG3A <= p.FGA)).all()
        assert (p.FTM <= p.FTA).all()
        assert (p.REB == p.OREB + p.DREB).all()
        assert (p.PF <= 6).all()
    for g in games.values():  # postseason games have consistent box totals too
        s = _team_sides(g)
        assert (s[BOX] >= 0).all().all()
        assert (s.pts == 2 * (s.fgm - s.fg3m) + 3 * s.fg3m + s.ftm).all()
        assert ((s.fg3m <= s.fgm) & (s.fgm <= s.fga) & (s.fg3a <= s.fga) & (s.ftm <= s.fta)).all()
        assert (s.reb == s.oreb + s.dreb).all()


def test_no_ties_and_results_agree(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for season, g in games.items():
        assert (g.pts_home != g.pts_road).all()
        assert (g.wl_home == np.where(g.pts_home > g.pts_road, "W", "L")).all()
        assert (g.plus_minus_home == g.pts_home - g.pts_road).all()
        assert (g.plus_minus_road == g.pts_road - g.pts_home).all()
        p = logs[season]
        sides = _team_sides(_regular(g)).set_index(["game_id", "team_id"])
        margin = sides.margin.reindex(pd.MultiIndex.from_arrays([p.GAME_ID, p.TEAM_ID]))
        assert (p.WL.to_numpy() == np.where(margin.to_numpy() > 0, "W", "L")).all()
        pm = p.groupby(["GAME_ID", "TEAM_ID"]).PLUS_MINUS.sum()
        assert (pm.to_numpy() == 5 * sides.margin.reindex(pm.index).to_numpy()).all()


def test_minutes_rotations_and_scale(logs: dict[str, pd.DataFrame]) -> None:
    for p in logs.values():
        tg = p.groupby(["GAME_ID", "TEAM_ID"])
        total = tg.MIN.sum()
        assert ((total - 240) % 25 == 0).all() and (total >= 240).all()
        assert (total == 240).mean() > 0.9
        assert (total > 240).any()  # overtime happens
        # Both teams of a game play the same number of overtimes.
        ot = (total - 240) // 25
        assert (ot.groupby(level=0).nunique() == 1).all()
        size = tg.size()
        assert size.min() >= 8 and size.max() <= 16
        assert 9.5 <= size.mean() <= 11.5
        assert 34 <= tg.MIN.max().mean() <= 40  # the top player of a team-game
        assert p.MIN.max() <= 48 + 5 * ot.max()
        assert 22_000 <= len(p) <= 30_000  # real: ~26,000 a season


def test_regular_season_schedule(games: dict[str, pd.DataFrame]) -> None:
    for season, g in games.items():
        r = _regular(g)
        assert len(r) == 1230
        home = r.team_id_home.value_counts()
        road = r.team_id_road.value_counts()
        assert (home == 41).all() and (road == 41).all() and len(home) == 30
        dates = pd.to_datetime(r.game_date)
        first, last = dates.min(), dates.max()
        assert first.month == 10 and first.day >= 15 and first.year == int(season[:4])
        assert 150 <= (last - first).days <= 190
        s = _team_sides(g)
        assert not s.duplicated(["team_id", "game_date"]).any()  # nobody plays twice on a date
        s = s[s.game_type == "regular_season"]
        d = pd.to_datetime(s.game_date)
        gaps = d.groupby(s.team_id).apply(lambda x: x.sort_values().diff().dt.days.dropna())
        assert gaps.min() == 1  # back-to-backs exist
        assert 5 <= (gaps == 1).sum() / 30 <= 25
        assert pd.to_datetime(g.game_date).is_monotonic_increasing


def test_game_ids(games: dict[str, pd.DataFrame]) -> None:
    prefix = {"regular_season": "002", "play_in": "005", "playoffs": "004"}
    for season, g in games.items():
        assert g.game_id.is_unique
        assert g.game_id.str.fullmatch(r"\d{10}").all()
        assert set(g.game_type) == set(prefix)
        assert (g.game_id.str[:3] == g.game_type.map(prefix)).all()
        assert (g.game_id.str[3:5] == season[2:4]).all()
        assert (g.game_type == "play_in").sum() == 6


def _series(g: pd.DataFrame) -> pd.DataFrame:
    po = g[g.game_type == "playoffs"].copy()
    po["series"] = po.game_id.str[:9]
    po["round"] = po.game_id.str[7].astype(int)
    po["game_no"] = po.game_id.str[9].astype(int)
    po["winner"] = np.where(po.pts_home > po.pts_road, po.team_id_home, po.team_id_road)
    return po.sort_values(["series", "game_no"])


def test_playoff_series(games: dict[str, pd.DataFrame], league: SynthSummary) -> None:
    teams = pd.read_csv(league.out_dir / "teams.csv")
    conf = dict(zip(teams.team_id, teams.conference, strict=False))
    for g in games.values():
        wins = _wins(g)
        po = _series(g)
        assert po.groupby("round").series.nunique().to_dict() == {1: 8, 2: 4, 3: 2, 4: 1}
        prev_winners: set[int] | None = None
        for rnd in (1, 2, 3, 4):
            winners, teams_in = set(), set()
            for _, s in po[po["round"] == rnd].groupby("series"):
                assert list(s.game_no) == list(range(1, len(s) + 1))
                pair = {int(s.team_id_home.iloc[0]), int(s.team_id_road.iloc[0])}
                assert set(s.team_id_home) | set(s.team_id_road) == pair
                counts = s.winner.value_counts()
                assert counts.max() == 4 and (len(counts) == 1 or counts.min() < 4)
                assert s.winner.iloc[-1] == counts.idxmax()  # the series ends when someone gets 4
                hi = int(s.team_id_home.iloc[0])
                lo = (pair - {hi}).pop()
                # 2-2-1-1-1 with home court to the better regular-season record.
                expected_home = [hi if k in (1, 2, 5, 7) else lo for k in s.game_no]
                assert list(s.team_id_home) == expected_home
                assert wins[hi] >= wins[lo]
                if rnd < 4:
                    assert conf[hi] == conf[lo]
                else:
                    assert conf[hi] != conf[lo]
                winners.add(int(counts.idxmax()))
                teams_in |= pair
            if prev_winners is None:
                assert len(teams_in) == 16
            else:
                assert teams_in == prev_winners
            prev_winners = winners
        assert prev_winners is not None and len(prev_winners) == 1  # one champion
        assert po.groupby("series").size().between(4, 7).all()


def test_play_in_and_seeding(games: dict[str, pd.DataFrame], league: SynthSummary) -> None:
    teams = pd.read_csv(league.out_dir / "teams.csv")
    conf = dict(zip(teams.team_id, teams.conference, strict=False))
    for g in games.values():
        wins = _wins(g)
        pin = g[g.game_type == "play_in"].set_index("game_id")
        yy = g.game_id.iloc[0][3:5]
        r1 = _series(g)
        r1 = r1[r1["round"] == 1]
        for c, (s78, s910, s2) in {"E": (0, 1, 0), "W": (2, 3, 1)}.items():
            g78 = pin.loc[f"005{yy}001{s78}1"]
            g910 = pin.loc[f"005{yy}001{s910}1"]
            g2 = pin.loc[f"005{yy}002{s2}1"]
            w78 = g78.team_id_home if g78.pts_home > g78.pts_road else g78.team_id_road
            l78 = g78.team_id_road if w78 == g78.team_id_home else g78.team_id_home
            w910 = g910.team_id_home if g910.pts_home > g910.pts_road else g910.team_id_road
            assert (g2.team_id_home, g2.team_id_road) == (l78, w910)
            w2 = g2.team_id_home if g2.pts_home > g2.pts_road else g2.team_id_road
            in_conf = [t for t in range(1, 31) if conf[t] == c]
            play_in = {g78.team_id_home, g78.team_id_road, g910.team_id_home, g910.team_id_road}
            assert all(conf[t] == c for t in play_in)
            r1_teams = set(r1.team_id_home[r1.team_id_home.map(conf) == c])
            r1_teams |= set(r1.team_id_road[r1.team_id_road.map(conf) == c])
            direct = r1_teams - {w78, w2}
            assert len(r1_teams) == 8 and len(direct) == 6 and not direct & play_in
            out = set(in_conf) - direct - play_in
            assert min(wins[t] for t in direct) >= max(wins[t] for t in play_in)
            assert min(wins[t] for t in play_in) >= max(wins[t] for t in out)
            assert wins[g78.team_id_home] >= wins[g78.team_id_road]  # 7 hosts 8
            assert wins[g910.team_id_home] >= wins[g910.team_id_road]  # 9 hosts 10
            # The play-in 8 seed meets the conference's best team, the 7 seed its second best.
            opp_of = {}
            for _, s in r1.groupby("series"):
                a, b = int(s.team_id_home.iloc[0]), int(s.team_id_road.iloc[0])
                opp_of[a], opp_of[b] = b, a
            best = max(wins[t] for t in in_conf)
            assert wins[opp_of[int(w2)]] == best
            assert wins[opp_of[int(w78)]] >= max(wins[t] for t in direct if t != opp_of[int(w2)])


def test_player_logs_cover_the_regular_season_only(
    logs: dict[str, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    for season, p in logs.items():
        assert set(p.GAME_ID) == set(_regular(games[season]).game_id)


# ---------------------------------------------------------------------------- realism


def test_rosters_trades_callups_rookies_and_retirements(
    logs: dict[str, pd.DataFrame], truth: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, players = truth
    for p in logs.values():
        per_player = p.groupby("PLAYER_ID").TEAM_ID.nunique()
        assert (per_player >= 2).sum() >= 3  # traded (or ten-day) players appear under each team
        per_team = p.groupby("TEAM_ID").PLAYER_ID.nunique()
        assert per_team.min() >= 14 and per_team.max() <= 28
        assert 380 <= p.PLAYER_ID.nunique() <= 600
        name_of = p.groupby("PLAYER_ID").PLAYER_NAME.nunique()
        assert (name_of == 1).all() and p.groupby("PLAYER_NAME").PLAYER_ID.nunique().max() == 1
    s1, s2 = (set(p.PLAYER_ID) for p in logs.values())
    assert len(s2 - s1) >= 40  # rookies, journeymen and call-ups arrived
    assert len(s1 - s2) >= 30  # retirements and releases
    t1, t2 = (set(players[players.season == s].player_id) for s in sorted(players.season.unique()))
    assert len(t1 & t2) >= 250  # but most of the league carries over


def test_injuries_make_players_miss_stretches(logs: dict[str, pd.DataFrame]) -> None:
    for p in logs.values():
        team_games = p.groupby("TEAM_ID").GAME_ID.unique().map(sorted)
        stretches = 0
        regulars = p.groupby(["PLAYER_ID", "TEAM_ID"]).MIN.agg(["mean", "size"])
        regulars = regulars[(regulars["mean"] >= 25) & (regulars["size"] >= 20)]
        for (pid, tid), _ in regulars.iterrows():
            mine = set(p.GAME_ID[(p["PLAYER_ID"] == pid) & (p["TEAM_ID"] == tid)])
            tg = team_games[tid]
            first = next(i for i, x in enumerate(tg) if x in mine)
            last = max(i for i, x in enumerate(tg) if x in mine)
            missed = np.array([x not in mine for x in tg[first : last + 1]])
            runs = np.diff(np.flatnonzero(np.diff(np.r_[0, missed.astype(int), 0])))[::2]
            stretches += int((runs >= 3).any())
        assert stretches >= 20  # regular starters who sat out 3+ straight games mid-tenure


def test_home_advantage_and_scoring(games: dict[str, pd.DataFrame]) -> None:
    for g in games.values():
        r = _regular(g)
        margin = r.pts_home - r.pts_road
        assert 0.53 <= (margin > 0).mean() <= 0.65
        assert 1.0 <= margin.mean() <= 4.5
        assert 11.0 <= margin.std() <= 16.0
        assert 95 <= (r.pts_home + r.pts_road).mean() / 2 <= 120


def test_win_spread_like_the_nba(games: dict[str, pd.DataFrame]) -> None:
    for g in games.values():
        w = _wins(g)
        assert w.max() >= 55 and w.min() <= 27
        assert 8 <= w.std() <= 16


def test_age_curve_shape() -> None:
    ages = np.arange(19, 40)
    c = age_curve(ages)
    assert c[ages == 27][0] == 0 and c[ages == 29][0] == 0
    assert (np.diff(c[ages <= 27]) > 0).all()  # the young improve
    assert (np.diff(c[ages >= 29]) < 0).all()  # the old decline
    assert age_curve(20) < -2 and age_curve(36) < -2


def test_abilities_develop_between_seasons(truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, players = truth
    wide = (
        players.assign(v=players.offense + players.defense)
        .pivot(index="player_id", columns="season", values="v")
        .dropna()
    )
    r = np.corrcoef(wide.iloc[:, 0], wide.iloc[:, 1])[0, 1]
    assert 0.6 <= r <= 0.99  # persistent, but players change
    assert (wide.iloc[:, 1] - wide.iloc[:, 0]).abs().mean() > 0.3


# ---------------------------------------------------------------------------- truth


def test_truth_files_cover_every_team_and_date(
    truth: tuple[pd.DataFrame, pd.DataFrame],
    games: dict[str, pd.DataFrame],
    logs: dict[str, pd.DataFrame],
) -> None:
    strength, players = truth
    assert list(strength.columns) == ["season", "game_date", "team_id", "strength"]
    assert list(players.columns) == ["season", "player_id", "player_name", "offense", "defense"]
    for season, g in games.items():
        s = strength[strength.season == season]
        assert set(s.game_date) == set(g.game_date)
        per_date = s.groupby("game_date").team_id.agg(["nunique", "size"])
        assert (per_date["nunique"] == 30).all() and (per_date["size"] == 30).all()
        assert s.groupby("game_date").strength.mean().abs().max() < 0.01  # centred on every date
        assert (s.groupby("team_id").strength.std() > 0).mean() > 0.9  # injuries and trades move it
        assert 2.5 <= s.groupby("team_id").strength.mean().std() <= 8.0
        pl = players[players.season == season]
        assert pl.player_id.is_unique
        p = logs[season]
        names = dict(zip(pl.player_id, pl.player_name, strict=True))
        assert set(p.PLAYER_ID) <= set(pl.player_id)
        assert (p.PLAYER_ID.map(names) == p.PLAYER_NAME).all()


def test_truth_strength_predicts_margins_on_its_own_scale(
    truth: tuple[pd.DataFrame, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    """Strength is in points: strength(home) - strength(road) + h is the expected margin."""
    strength, _ = truth
    for season, g in games.items():
        r = _regular(g)
        s = strength[strength.season == season].set_index(["game_date", "team_id"]).strength
        sh = s.reindex(pd.MultiIndex.from_arrays([r.game_date, r.team_id_home])).to_numpy()
        sr = s.reindex(pd.MultiIndex.from_arrays([r.game_date, r.team_id_road])).to_numpy()
        expected = sh - sr
        margin = (r.pts_home - r.pts_road).to_numpy()
        slope, intercept = np.polyfit(expected, margin, 1)
        assert 0.8 <= slope <= 1.2
        assert abs(intercept - HOME_ADVANTAGE) <= 1.2
        residual = margin - expected - HOME_ADVANTAGE
        assert 10.5 <= residual.std() <= 13.5  # game noise ~12 points


def test_truth_strength_correlates_with_win_pct(
    truth: tuple[pd.DataFrame, pd.DataFrame], games: dict[str, pd.DataFrame]
) -> None:
    strength, _ = truth
    for season, g in games.items():
        r = _regular(g)
        s = strength[(strength.season == season) & (strength.game_date <= r.game_date.max())]
        mean_strength = s.groupby("team_id").strength.mean().reindex(range(1, 31))
        corr = np.corrcoef(mean_strength, _wins(g) / 82)[0, 1]
        assert 0.75 <= corr < 0.99  # strong, but 82 games of noise keep it off 1


def test_plus_minus_beyond_the_share_of_the_margin_follows_the_players_ability(
    truth: tuple[pd.DataFrame, pd.DataFrame], logs: dict[str, pd.DataFrame],
    games: dict[str, pd.DataFrame]
) -> None:
    """A player's plus-minus beyond his minutes' share of 5 x margin is his on-floor edge over
    his teammates: summed over a season, per 48 minutes, it ranks the players by o + d
    against their teammates'."""
    _, players = truth
    for season, p in logs.items():
        sides = _team_sides(_regular(games[season]))
        p = p.merge(sides[["game_id", "team_id", "margin"]].rename(
            columns={"game_id": "GAME_ID", "team_id": "TEAM_ID"}), on=["GAME_ID", "TEAM_ID"])
        team_min = p.groupby(["GAME_ID", "TEAM_ID"]).MIN.transform("sum")
        p["beyond"] = p.PLUS_MINUS - 5 * p.MIN / team_min * p.margin
        # A side's residuals sum to zero: plus-minus sums to 5 x the margin.
        assert p.groupby(["GAME_ID", "TEAM_ID"]).beyond.sum().abs().max() < 1e-6
        per48 = p.groupby("PLAYER_ID").agg(beyond=("beyond", "sum"), mins=("MIN", "sum"))
        per48 = per48[per48.mins >= 1000]
        ab = players[players.season == season].set_index("player_id")
        net = (ab.offense + ab.defense).reindex(per48.index)
        rho = pd.Series(48 * per48.beyond / per48.mins).corr(net, method="spearman")
        # 0.77-0.81 on the two seasons; 0.00 before plus-minus carried the ability.
        assert rho > 0.5, f"{season}: Spearman {rho:.3f}"


# ---------------------------------------------------------------------------- determinism


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    cfg = SynthSection(n_seasons=1, seed=7)
    a = _tree_bytes(generate_league(tmp_path / "a", cfg).out_dir)
    b = _tree_bytes(generate_league(tmp_path / "b", cfg).out_dir)
    c = _tree_bytes(generate_league(tmp_path / "c", SynthSection(n_seasons=1, seed=8)).out_dir)
    assert a.keys() == b.keys() == c.keys()
    assert a == b
    assert a["games/2015-16.csv.gz"] != c["games/2015-16.csv.gz"]
    assert a["player_game_logs/2015-16.csv.gz"] != c["player_game_logs/2015-16.csv.gz"]
    assert a["truth/team_strength.csv"] != c["truth/team_strength.csv"]
    for name, data in a.items():
        if name.endswith(".gz"):
            assert data[:2] == b"\x1f\x8b" and data[4:8] == b"\0\0\0\0"  # gzip, mtime 0


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        SynthSection(n_teams=28)
    with pytest.raises(ValueError):
        SynthSection(n_seasons=0)
    with pytest.raises(ValueError):
        SynthSection(team_noise_sd=0.0)
