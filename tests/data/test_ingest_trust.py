"""A store you can trust: NBA.com's neutral-site rows, every problem of a file at once, and
wrong data that used to get in (issue 9).

Every file is cut from the session's synthetic league (``synth_dir``) and edited the way NBA.com
publishes or the way a user could get it wrong; expected answers come from the cut files.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from truestrength.cli import app
from truestrength.data.errors import IngestError
from truestrength.data.formats import designated_home
from truestrength.data.ingest import ingest_files
from truestrength.data.store import TABLES, Store

runner = CliRunner()


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def first_season(synth_dir: Path) -> str:
    return min(p.name.removesuffix(".csv.gz") for p in (synth_dir / "games").iterdir())


def both_at(players: pd.DataFrame, game_ids) -> pd.DataFrame:
    """NBA.com's neutral-site convention: "@" on both teams' MATCHUP rows."""
    players = players.copy()
    rows = players["GAME_ID"].isin(list(game_ids))
    players.loc[rows, "MATCHUP"] = players.loc[rows, "MATCHUP"].str.replace(" vs. ", " @ ")
    return players


@pytest.fixture(scope="module")
def season_files(synth_dir, tmp_path_factory):
    """A slice of a season in NBA.com's shape: 40 regular games of which five are neutral
    (both "@"), a cup final (an 006 id, neutral, not a standings game) in the player logs, and
    a play-in game in the games file (player logs hold regular-season rows only, like the real
    ones)."""
    season = first_season(synth_dir)
    out = tmp_path_factory.mktemp("nba_shape")
    games = read(synth_dir / "games" / f"{season}.csv.gz")
    players = read(synth_dir / "player_game_logs" / f"{season}.csv.gz")
    regular = list(games.loc[games["game_type"] == "regular_season", "game_id"][:41])
    play_in = list(games.loc[games["game_type"] == "play_in", "game_id"][:1])
    assert len(play_in) == 1
    neutral, cup_source = regular[:5], regular[40]
    cup_final = "006" + cup_source[3:]
    players = players[players["GAME_ID"].isin(regular)].copy()
    players.loc[players["GAME_ID"] == cup_source, "GAME_ID"] = cup_final
    players = both_at(players, [*neutral, cup_final])
    games = games[games["game_id"].isin(regular[:40] + play_in)]
    shutil.copyfile(synth_dir / "teams.csv", out / "teams.csv")
    return {
        "season": season, "dir": out, "teams": out / "teams.csv",
        "players": write(players, out / "player_logs.csv"),
        "games": write(games, out / "games.csv"),
        "neutral": neutral, "cup_final": cup_final, "play_in": play_in[0],
    }


def fresh_store(tmp_path: Path, teams: Path) -> Store:
    store = Store(tmp_path / "s.duckdb")
    ingest_files(store, [teams])
    return store


def test_both_at_games_ingest_as_neutral_from_player_logs_alone(tmp_path, season_files):
    f = season_files
    with fresh_store(tmp_path, f["teams"]) as store:
        report = ingest_files(store, [f["players"]])
        assert report.games_added == 41
        g = store.query("SELECT game_id, kind, neutral_site, counts_for_standings, "
                        "home_team_id, road_team_id FROM games").set_index("game_id")
        neutral = {*f["neutral"], f["cup_final"]}
        assert set(g.index[g["neutral_site"]]) == neutral
        assert g.loc[f["cup_final"], "kind"] == "cup_final"
        assert not g.loc[f["cup_final"], "counts_for_standings"]
        assert int(g["counts_for_standings"].sum()) == 40
        # No games file and no schedule: the documented rule books the lower id as home.
        for gid in neutral:
            home, road = g.loc[gid, ["home_team_id", "road_team_id"]]
            assert home == designated_home(home, road) and home < road
        # The derived tables agree: each neutral game is neutral for both teams.
        tg = store.query("SELECT game_id, bool_and(neutral_site) AS n, count(*) AS k "
                         "FROM team_game_logs GROUP BY game_id").set_index("game_id")
        assert set(tg.index[tg["n"]]) == neutral and (tg["k"] == 2).all()


def test_games_file_sets_home_and_both_at_rows_win_on_neutrality(tmp_path, season_files):
    """The games file books home and road; it says home court, the both-"@" rows say neutral:
    neutral is stored and the report says so."""
    f = season_files
    games = read(f["games"])
    assert not games.loc[games["game_id"].isin(f["neutral"]), "neutral_site"].map(
        {"True": True, "False": False}).any()
    with fresh_store(tmp_path, f["teams"]) as store:
        report = ingest_files(store, [f["games"], f["players"]])
        assert report.games_added == 42
        g = store.query("SELECT game_id, kind, neutral_site, counts_for_standings, "
                        "home_team_id FROM games").set_index("game_id")
        assert set(g.index[g["neutral_site"]]) == {*f["neutral"], f["cup_final"]}
        assert g.loc[f["play_in"], "kind"] == "play_in"
        assert not g.loc[[f["cup_final"], f["play_in"]], "counts_for_standings"].any()
        assert int(g["counts_for_standings"].sum()) == 40
        booked = games.set_index("game_id")["team_id_home"].astype(int)
        for gid in f["neutral"]:
            assert g.loc[gid, "home_team_id"] == booked[gid]
        assert len(report.notes) == 1 and "5 game(s)" in report.notes[0]
        assert "both teams on the road" in report.notes[0]
        # Player rows sit on the games file's sides.
        side = store.query("SELECT p.game_id, bool_and(p.is_home = (p.team_id = g.home_team_id))"
                           " AS ok FROM player_game_logs p JOIN games g USING (game_id) "
                           "GROUP BY p.game_id")
        assert side["ok"].all()


def test_games_file_after_player_logs_can_book_the_other_home_team(tmp_path, season_files):
    """Stored from player logs with the rule's home team, a neutral game whose games file
    names the other team as home is upgraded, and its player rows change sides."""
    f = season_files
    games = read(f["games"])
    gid = f["neutral"][0]
    row = games["game_id"] == gid
    home, road = int(games.loc[row, "team_id_home"].iloc[0]), int(
        games.loc[row, "team_id_road"].iloc[0])
    # Make the games file book the higher id as home whatever the synthetic draw was.
    if home < road:
        swap = {c: c.replace("_home", "_TMP").replace("_road", "_home").replace("_TMP", "_road")
                for c in games.columns}
        flipped = games.loc[row].rename(columns=swap)[games.columns]
        flipped["wl_home"] = flipped["wl_home"].map({"W": "L", "L": "W"})
        games = pd.concat([games.loc[~row], flipped])
    booked_home = max(home, road)
    with fresh_store(tmp_path, f["teams"]) as store:
        ingest_files(store, [f["players"]])
        assert store.query("SELECT home_team_id FROM games WHERE game_id = ?",
                           [gid]).iloc[0, 0] == min(home, road)
        report = ingest_files(store, [write(games, tmp_path / "games.csv")])
        assert report.games_upgraded == 40 and report.games_added == 1  # + the play-in
        g = store.query("SELECT home_team_id, neutral_site, source FROM games WHERE game_id = ?",
                        [gid]).iloc[0]
        assert (g["home_team_id"], bool(g["neutral_site"]), g["source"]) == (
            booked_home, True, "games_file")
        sides = store.query("SELECT team_id, bool_and(is_home) AS h FROM player_game_logs "
                            "WHERE game_id = ? GROUP BY team_id", [gid]).set_index("team_id")
        assert bool(sides.loc[booked_home, "h"]) and not bool(sides.loc[min(home, road), "h"])


def test_both_teams_at_home_is_refused(tmp_path, season_files):
    f = season_files
    players = read(f["players"])
    gid = f["neutral"][1]
    rows = players["GAME_ID"] == gid
    players.loc[rows, "MATCHUP"] = players.loc[rows, "MATCHUP"].str.replace(" @ ", " vs. ")
    bad = write(players, tmp_path / "home_home.csv")
    with pytest.raises(IngestError, match="both teams at home") as info:
        ingest_files(Store(tmp_path / "x.duckdb"), [bad])
    assert info.value.field == "MATCHUP"


def test_a_file_with_three_broken_rows_reports_all_three(tmp_path, season_files):
    f = season_files
    players = read(f["players"])
    players.loc[3, "PTS"] = "abc"
    players.loc[10, "STL"] = "500"
    players.loc[20, "GAME_DATE"] = "yesterday"
    bad = write(players, tmp_path / "three.csv")
    with pytest.raises(IngestError) as info:
        ingest_files(Store(tmp_path / "x.duckdb"), [bad])
    got = [(p.line, p.field) for p in info.value.problems]
    assert got == [(5, "PTS"), (12, "STL"), (22, "GAME_DATE")], str(info.value)
    assert str(info.value).startswith(f"{bad}: 3 problems")
    for line in ("line 5, field PTS", "line 12, field STL", "line 22, field GAME_DATE"):
        assert line in str(info.value)


def test_problems_past_the_limit_are_counted_not_listed(tmp_path, season_files):
    players = read(season_files["players"])
    players.loc[:29, "AST"] = "x"
    bad = write(players, tmp_path / "many.csv")
    with pytest.raises(IngestError) as info:
        ingest_files(Store(tmp_path / "x.duckdb"), [bad])
    assert len(info.value.problems) == 20 and info.value.more == 10
    assert "30 problems (the first 20 shown)" in str(info.value)


# ---- wrong data that used to be accepted: refused, and the store is left as it was ----------


def _store_state(db: Path) -> tuple[dict[str, int], str]:
    with Store(db, read_only=True) as s:
        counts = {t: s.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return counts, hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def loaded(tmp_path, season_files) -> Path:
    """A store holding the slice (teams, games, player logs), closed."""
    db = tmp_path / "loaded.duckdb"
    with Store(db) as s:
        ingest_files(s, [season_files["teams"], season_files["games"], season_files["players"]])
    return db


def _other_game(synth_dir: Path, season: str, taken: set[str]) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    games = read(synth_dir / "games" / f"{season}.csv.gz")
    players = read(synth_dir / "player_game_logs" / f"{season}.csv.gz")
    gid = next(g for g in games.loc[games["game_type"] == "regular_season", "game_id"]
               if g not in taken)
    return games[games["game_id"] == gid].copy(), players[players["GAME_ID"] == gid].copy()


def _case_files(case: str, synth_dir: Path, season_files: dict, tmp_path: Path) -> list[Path]:
    season = season_files["season"]
    taken = set(read(season_files["games"])["game_id"])
    games, players = _other_game(synth_dir, season, taken)
    if case == "game dated in another season":
        year = int(season[:4]) - 1
        players["GAME_DATE"] = f"{year}-11-10"
        games["game_date"] = f"{year}-11-10"
        return [write(games, tmp_path / "g.csv"), write(players, tmp_path / "p.csv")]
    if case == "500 steals":
        players.iloc[0, players.columns.get_loc("STL")] = "500"
        return [write(players, tmp_path / "p.csv")]
    if case == "points changed with no games file":
        # Consistent in itself (a made two added to PTS, FGM, FGA), so only the plus-minus,
        # which still says the real margin, shows it.
        i = players.index[0]
        for col, add in (("PTS", 2), ("FGM", 1), ("FGA", 1)):
            players.loc[i, col] = str(int(players.loc[i, col]) + add)
        return [write(players, tmp_path / "p.csv")]
    if case == "one row's WL flipped":
        i = players.index[0]
        players.loc[i, "WL"] = {"W": "L", "L": "W"}[players.loc[i, "WL"]]
        return [write(players, tmp_path / "p.csv")]
    if case == "another league's teams file":
        teams = read(season_files["teams"])
        teams["team_id"] = (teams["team_id"].astype(int) + 1000).astype(str)
        return [write(teams, tmp_path / "teams.csv")]
    raise AssertionError(case)


BAD_CASES = {
    # case: (field, words in the message)
    "game dated in another season": ("game_date", "outside the row's season"),
    "500 steals": ("STL", "above any NBA record"),
    "points changed with no games file": ("PLUS_MINUS", "plus-minus"),
    "one row's WL flipped": ("WL", "disagree on WL"),
    "another league's teams file": ("team_id", "already holds a league"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_wrong_data_is_refused_and_the_store_is_unchanged(case, loaded, synth_dir, season_files,
                                                          tmp_path):
    field, words = BAD_CASES[case]
    files = _case_files(case, synth_dir, season_files, tmp_path)
    before = _store_state(loaded)
    with Store(loaded) as s, pytest.raises(IngestError) as info:
        ingest_files(s, files)
    assert info.value.field == field, str(info.value)
    assert words in str(info.value)
    assert info.value.file in {str(p) for p in files}
    assert _store_state(loaded) == before
    # Through the command line: one error, nothing written, the file's bytes unchanged.
    r = runner.invoke(app, ["ingest", *map(str, files), "--db", str(loaded)])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert r.output.startswith("error:") and "Nothing was written" in r.output
    assert _store_state(loaded) == before


def test_the_unchanged_game_is_accepted(loaded, synth_dir, season_files, tmp_path):
    """The control for the cases above: the same game, unedited, goes in."""
    taken = set(read(season_files["games"])["game_id"])
    games, players = _other_game(synth_dir, season_files["season"], taken)
    with Store(loaded) as s:
        report = ingest_files(s, [write(players, tmp_path / "p.csv")])
    assert report.games_added == 1


def test_new_teams_join_a_stored_league_only_when_asked(loaded, synth_dir, season_files,
                                                        tmp_path):
    teams = _case_files("another league's teams file", synth_dir, season_files, tmp_path)
    with Store(loaded) as s:
        report = ingest_files(s, teams, allow_new_teams=True)
    assert report.team_seasons_added == len(read(teams[0]))


# ---- the schedule as a source of a neutral game's home team (review findings) ---------------


def schedule_for(synth_dir: Path, f: dict, out: Path, *, home_high: bool = True,
                 neutral: bool = True, third: int | None = None) -> Path:
    """The slice's games as a schedule file, the neutral ones flagged and booked with the
    higher team id at home (the rule would pick the lower one)."""
    s = read(synth_dir / "schedule.csv")
    s = s[s["game_id"].isin(f["neutral"])].copy()
    for i in s.index:
        h, r = int(s.at[i, "team_id_home"]), int(s.at[i, "team_id_road"])
        if home_high == (h < r):  # swap sides so the booked home is the one wanted
            for a, b in (("team_id_home", "team_id_road"),
                         ("team_abbreviation_home", "team_abbreviation_road")):
                s.at[i, a], s.at[i, b] = s.at[i, b], s.at[i, a]
    s["neutral_site"] = str(neutral)
    if third is not None:
        i = s.index[0]
        teams = read(f["teams"])
        t = teams[(teams["season"] == f["season"]) & ~teams["team_id"].isin(
            [s.at[i, "team_id_home"], s.at[i, "team_id_road"]])].iloc[0]
        s.at[i, "team_id_home"], s.at[i, "team_abbreviation_home"] = t["team_id"], t[
            "abbreviation"]
    return write(s, out)


def _homes(store: Store, ids) -> dict[str, int]:
    g = store.query("SELECT game_id, home_team_id FROM games")
    return {k: int(v) for k, v in zip(g["game_id"], g["home_team_id"], strict=True)
            if k in set(ids)}


def _sides_agree(store: Store) -> bool:
    ok = store.query("SELECT bool_and(p.is_home = (p.team_id = g.home_team_id)) AS ok "
                     "FROM player_game_logs p JOIN games g USING (game_id)")["ok"].iloc[0]
    tg = store.query("SELECT bool_and(t.is_home = (t.team_id = g.home_team_id)) AS ok "
                     "FROM team_game_logs t JOIN games g USING (game_id)")["ok"].iloc[0]
    return bool(ok) and bool(tg)


@pytest.mark.parametrize("order", ["schedule first", "same batch", "player logs first"])
def test_the_schedule_books_the_home_team_in_any_order(order, tmp_path, synth_dir,
                                                       season_files):
    f = season_files
    sched = schedule_for(synth_dir, f, tmp_path / "schedule.csv")
    booked = {r.game_id: int(r.team_id_home) for r in read(sched).itertuples()}
    with fresh_store(tmp_path, f["teams"]) as store:
        batches = {"schedule first": [[sched], [f["players"]]],
                   "same batch": [[sched, f["players"]]],
                   "player logs first": [[f["players"]], [sched]]}[order]
        for batch in batches:
            ingest_files(store, batch)
        assert _homes(store, booked) == booked
        assert _sides_agree(store)
        assert set(store.query("SELECT game_id FROM games WHERE neutral_site")["game_id"]) == {
            *f["neutral"], f["cup_final"]}


@pytest.mark.parametrize("order", ["same batch", "player logs first"])
def test_a_schedule_saying_home_court_is_overruled_with_a_note(order, tmp_path, synth_dir,
                                                               season_files):
    f = season_files
    sched = schedule_for(synth_dir, f, tmp_path / "schedule.csv", neutral=False)
    with fresh_store(tmp_path, f["teams"]) as store:
        if order == "same batch":
            report = ingest_files(store, [sched, f["players"]])
        else:
            ingest_files(store, [f["players"]])
            report = ingest_files(store, [sched])
        assert len(report.notes) == 1 and "5 game(s)" in report.notes[0], report.notes
        assert "schedule" in report.notes[0]
        g = store.query("SELECT count(*) FROM games WHERE neutral_site").iloc[0, 0]
        assert g == 6  # the five and the cup final stay neutral


def test_a_schedule_booking_a_third_team_is_an_error_not_a_traceback(tmp_path, synth_dir,
                                                                     season_files):
    f = season_files
    sched = schedule_for(synth_dir, f, tmp_path / "schedule.csv", third=1)
    with fresh_store(tmp_path, f["teams"]) as store:
        ingest_files(store, [sched])
        before = store.counts()
        with pytest.raises(IngestError, match="books team") as info:
            ingest_files(store, [f["players"]])
        assert info.value.field == "TEAM_ID" and info.value.file == str(f["players"])
        assert store.counts() == before


def test_the_games_file_note_names_the_games_file(tmp_path, season_files):
    f = season_files
    with fresh_store(tmp_path, f["teams"]) as store:
        ingest_files(store, [f["games"]])
        report = ingest_files(store, [f["players"]])
    assert len(report.notes) == 1 and "the stored games file" in report.notes[0]
    assert str(f["players"]) not in report.notes[0]


def test_a_schedule_file_with_bad_cells_reports_them(tmp_path, synth_dir, season_files):
    s = read(synth_dir / "schedule.csv").head(5)
    s.loc[0, "season"] = "2015/16"
    s.loc[1, "game_id"] = "002X500001"
    bad = write(s, tmp_path / "schedule.csv")
    with pytest.raises(IngestError) as info:
        ingest_files(Store(tmp_path / "x.duckdb"), [bad])
    assert [(p.line, p.field) for p in info.value.problems] == [(2, "season"), (3, "game_id")]


def test_the_nbas_own_teams_restated_are_not_a_new_league(tmp_path):
    """A store holding two NBA teams of a season accepts a teams file of all thirty: they are
    the built-in NBA teams, not another league's."""
    from truestrength.data.teams import nba_team_seasons

    season = "2022-23"
    nba = pd.DataFrame([{"season": season, "team_id": t.team_id, "abbreviation": t.abbreviation,
                         "name": t.name, "conference": t.conference}
                        for t in nba_team_seasons(season)])
    with Store(tmp_path / "s.duckdb") as store:
        ingest_files(store, [write(nba.head(2), tmp_path / "two.csv")])
        report = ingest_files(store, [write(nba, tmp_path / "all.csv")])
        assert report.team_seasons_added == 28
        other = nba.head(1).assign(team_id=99, abbreviation="XYZ")
        with pytest.raises(IngestError, match="already holds a league"):
            ingest_files(store, [write(other, tmp_path / "other.csv")])
