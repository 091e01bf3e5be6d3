"""Ingest validation on generated files: test_ingest.py's checks without ../shared/data.

The "synthetic mini" is cut from the session's synthetic league (``synth_dir``): the first three
regular-season games of its first season, games rows and player-log rows with their text
unchanged, written as plain CSV, plus its teams.csv, which declares the invented teams (ids
1..30, not NBA ones). Every expected answer is computed from the cut files, so the tests hold
for any seed. Each ingest costs ~0.1 s per file however small, so stores that several tests
start from are built once per module through the real ingest path and copied.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from truestrength.data.errors import IngestError
from truestrength.data.ingest import ingest_files
from truestrength.data.store import TABLES, Store

# ---- the synthetic mini ----------------------------------------------------------------------


@dataclass(frozen=True)
class SynthMini:
    dir: Path
    season: str
    game_ids: tuple[str, ...]

    @property
    def teams(self) -> Path:
        return self.dir / "teams.csv"

    @property
    def games(self) -> Path:
        return self.dir / f"games_{self.season}.csv"

    @property
    def players(self) -> Path:
        return self.dir / f"player_logs_{self.season}.csv"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def cut_synthetic_mini(synth_dir: Path, out: Path, n_games: int = 3) -> SynthMini:
    season = min(p.name.removesuffix(".csv.gz") for p in (synth_dir / "games").iterdir())
    games = read(synth_dir / "games" / f"{season}.csv.gz")
    games = games[games["game_type"] == "regular_season"].head(n_games)
    players = read(synth_dir / "player_game_logs" / f"{season}.csv.gz")
    mini = SynthMini(out, season, tuple(games["game_id"]))
    out.mkdir(parents=True, exist_ok=True)
    write(games, mini.games)
    write(players[players["GAME_ID"].isin(mini.game_ids)], mini.players)
    shutil.copyfile(synth_dir / "teams.csv", mini.teams)
    return mini


@pytest.fixture(scope="module")
def mini(synth_dir, tmp_path_factory) -> SynthMini:
    return cut_synthetic_mini(synth_dir, tmp_path_factory.mktemp("synthetic_mini"))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.duckdb") as s:
        yield s


@pytest.fixture(scope="module")
def templates(mini, tmp_path_factory) -> dict[str, Path]:
    """"teams": teams.csv ingested; "full": then the three-game mini as well."""
    d = tmp_path_factory.mktemp("stores")
    with Store(d / "teams.duckdb") as s:
        ingest_files(s, [mini.teams])
    shutil.copyfile(d / "teams.duckdb", d / "full.duckdb")
    with Store(d / "full.duckdb") as s:
        ingest_files(s, [mini.games, mini.players])
    return {"teams": d / "teams.duckdb", "full": d / "full.duckdb"}


@pytest.fixture
def store_from(templates, tmp_path):
    opened: list[Store] = []

    def open_copy(name: str) -> Store:
        path = tmp_path / f"{name}.duckdb"
        shutil.copyfile(templates[name], path)
        opened.append(Store(path))
        return opened[-1]

    yield open_copy
    for s in opened:
        s.close()


def snapshot(store: Store) -> tuple[dict[str, int], str, dict[str, tuple]]:
    """Counts, the store's content hash, and an order-free hash of every row of every table
    (content_hash leaves out teams, players and the derived tables)."""
    rows = {t: store.con.execute(f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR "
                                 f"FROM {t} t").fetchone() for t in TABLES}
    return store.counts(), store.content_hash(), rows


# ---- the mini itself: a cut of the generated files, rows unchanged ---------------------------


def test_mini_is_an_unchanged_cut_of_the_generated_files(mini, synth_dir):
    for cut, src in ((mini.games, synth_dir / "games" / f"{mini.season}.csv.gz"),
                     (mini.players, synth_dir / "player_game_logs" / f"{mini.season}.csv.gz")):
        source = gzip.decompress(src.read_bytes()).decode().splitlines()
        lines = cut.read_text().splitlines()
        assert lines[0] == source[0]
        assert len(lines) >= 4 and set(lines[1:]) <= set(source[1:]), cut
    games = read(mini.games)
    assert list(games["game_id"]) == list(mini.game_ids) and len(mini.game_ids) == 3
    assert set(games["game_type"]) == {"regular_season"}
    assert sorted(set(read(mini.players)["GAME_ID"])) == sorted(mini.game_ids)
    assert mini.teams.read_bytes() == (synth_dir / "teams.csv").read_bytes()


# ---- what goes in ----------------------------------------------------------------------------


def test_clean_mini_ingests_with_known_counts(store, mini):
    players, games, teams = read(mini.players), read(mini.games), read(mini.teams)
    report = ingest_files(store, [mini.teams, mini.games, mini.players])
    assert report.team_seasons_added == len(teams)
    assert report.games_added == len(games) == 3
    assert report.games_upgraded == 0
    assert report.player_rows_added == len(players)
    assert report.seasons_touched == [mini.season]
    counts = store.counts()
    assert counts["team_seasons"] == len(teams)
    assert counts["teams"] == teams["team_id"].nunique()
    assert counts["games"] == 3
    assert counts["team_game_logs"] == 6
    assert counts["player_game_logs"] == len(players)
    assert counts["players"] == players["PLAYER_ID"].nunique()
    assert counts["playoff_series"] == 0
    # The first game, side by side with its games-file row.
    g = games.iloc[0]
    home, road, hp, rp = (int(g.team_id_home), int(g.team_id_road), int(g.pts_home),
                          int(g.pts_road))
    row = store.query("SELECT * FROM team_game_logs WHERE game_id = ? AND team_id = ?",
                      [g.game_id, home]).iloc[0]
    assert (row.pts, row.opp_pts, bool(row.won), bool(row.is_home)) == (hp, rp, hp > rp, True)
    assert (row.opponent_id, row.fgm, row.opp_ast) == (road, int(g.fgm_home), int(g.ast_road))
    opp = store.query("SELECT DISTINCT opponent_id FROM player_game_logs WHERE game_id = ? AND "
                      "team_id = ?", [g.game_id, home])
    assert list(opp["opponent_id"]) == [road]
    # Player rows sum to the team box of every game.
    sums = store.query("SELECT game_id, team_id, sum(pts) AS pts, sum(reb) AS reb "
                       "FROM player_game_logs GROUP BY ALL")
    logs = store.query("SELECT game_id, team_id, pts, reb FROM team_game_logs")
    merged = sums.merge(logs, on=["game_id", "team_id"], suffixes=("", "_team"))
    assert len(merged) == 6
    assert (merged["pts"] == merged["pts_team"]).all()
    assert (merged["reb"] == merged["reb_team"]).all()


def test_reingest_changes_nothing(store_from, mini):
    store = store_from("full")  # teams.csv, then the mini, through ingest_files
    before = snapshot(store)
    assert before[0]["games"] == 3 and before[0]["player_game_logs"] == len(read(mini.players))
    again = ingest_files(store, [mini.teams, mini.games, mini.players])
    assert not again.changed
    assert (again.games_added, again.player_rows_added, again.team_seasons_added) == (0, 0, 0)
    assert snapshot(store) == before


# ---- broken files: each names file, line and field, and leaves the store unchanged ----------


def _set(df: pd.DataFrame, row: int, col: str, value: str) -> pd.DataFrame:
    df = df.copy()
    df.loc[row, col] = value
    return df


def _first_row(df: pd.DataFrame, mask: pd.Series) -> int:
    """Physical line of the first row where ``mask`` holds (header = line 1)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def _road_team(df: pd.DataFrame, game: int) -> str:
    gid = sorted(df["GAME_ID"].unique())[game]
    return df["TEAM_ID"][(df["GAME_ID"] == gid) & df["MATCHUP"].str.contains(" @ ")].iloc[0]


def _tie(df: pd.DataFrame) -> pd.DataFrame:
    """A home win made a tie with a box that still adds up: the road team makes (and takes)
    as many extra free throws as it lost by."""
    df = df.copy()
    i = df.index[df.pts_home.astype(int) > df.pts_road.astype(int)][0]
    delta = int(df.loc[i, "pts_home"]) - int(df.loc[i, "pts_road"])
    for col in ("ftm_road", "fta_road", "pts_road"):
        df.loc[i, col] = str(int(df.loc[i, col]) + delta)
    df.loc[i, ["plus_minus_home", "plus_minus_road", "ft_pct_road", "wl_home"]] = ["0", "0", "",
                                                                                   "L"]
    return df


def _tie_line(df: pd.DataFrame) -> int:
    return _first_row(df, df.pts_home.astype(int) == df.pts_road.astype(int))


def _drop_road_team_of_game_2(df: pd.DataFrame) -> pd.DataFrame:
    second = (df["GAME_ID"] == sorted(df["GAME_ID"].unique())[1]).to_numpy()
    return df[~(second & (df["TEAM_ID"] == _road_team(df, 1)))].reset_index(drop=True)


def _unknown_team(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(TEAM_ID=df["TEAM_ID"].where(df["TEAM_ID"] != _road_team(df, 0), "999"))


# name: (file kind, edit, expected line (or a function of the edited frame), field, words)
Case = tuple[str, Callable[[pd.DataFrame], pd.DataFrame], int | Callable[[pd.DataFrame], int],
             str, str]
CASES: dict[str, Case] = {
    "missing column": (
        "players", lambda df: df.drop(columns=["FGA"]), 1, "FGA", "missing column"),
    "unknown column": (
        "players", lambda df: df.assign(SALARY="1"), 1, "SALARY", "unknown column"),
    "unparsable number": (
        "players", lambda df: _set(df, 4, "AST", "seven"), 6, "AST", "not an integer"),
    "empty required number": (
        "players", lambda df: _set(df, 3, "REB", ""), 5, "REB", "not an integer"),
    "NaN in a required number": (
        "players", lambda df: _set(df, 5, "PTS", "NaN"), 7, "PTS", "not an integer"),
    "unparsable date": (
        "players", lambda df: _set(df, 2, "GAME_DATE", "2015-13-45"), 4, "GAME_DATE",
        "not a date"),
    "negative count": (
        "players", lambda df: _set(_set(df, 3, "STL", "-1"), 3, "FANTASY_PTS", "0"), 5, "STL",
        "negative"),
    "duplicate player row": (
        "players", lambda df: pd.concat([df, df.iloc[[7]]], ignore_index=True),
        lambda df: len(df) + 1, "PLAYER_ID", "duplicate row for player"),
    "game with one team": (
        "players", _drop_road_team_of_game_2,
        lambda df: _first_row(df, df["GAME_ID"] == sorted(df["GAME_ID"].unique())[1]), "TEAM_ID",
        "exactly two teams"),
    "unknown team id": (
        "players", _unknown_team, lambda df: _first_row(df, df["TEAM_ID"] == "999"), "TEAM_ID",
        "not a known team for {season}"),
    "wrong abbreviation for the season": (
        "games", lambda df: _set(df, 0, "team_abbreviation_home", "ZZZ"), 2,
        "team_abbreviation_home", "not ZZZ"),
    "unknown game type": (
        "games", lambda df: _set(df, 1, "game_type", "exhibition"), 3, "game_type",
        "unknown game type"),
    "tie game": ("games", _tie, _tie_line, "pts_road", "cannot end in a tie"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_is_refused_whole(store_from, tmp_path, case, mini):
    kind, edit, line, field, words = CASES[case]
    store = store_from("teams")
    before = snapshot(store)
    assert before[0]["team_seasons"] > 0
    src, good = (mini.players, mini.games) if kind == "players" else (mini.games, mini.players)
    df = edit(read(src))
    assert not df.equals(read(src))
    bad = write(df, tmp_path / f"broken_{kind}.csv")
    with pytest.raises(IngestError) as info:
        ingest_files(store, [good, bad])
    err = info.value
    assert err.file == str(bad), str(err)
    assert err.line == (line(df) if callable(line) else line), str(err)
    assert err.field == field, str(err)
    assert words.format(season=mini.season) in str(err)
    assert snapshot(store) == before


def test_truncated_gzip(store_from, tmp_path, mini):
    store = store_from("teams")
    gz = tmp_path / "players.csv.gz"
    with gzip.open(gz, "wb") as g:
        g.write(mini.players.read_bytes())
    data = gz.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    before = snapshot(store)
    with pytest.raises(IngestError, match="truncated or corrupt") as info:
        ingest_files(store, [mini.games, cut])
    assert info.value.file == str(cut)
    assert snapshot(store) == before
    assert ingest_files(store, [mini.games, gz]).games_added == 3  # the whole file is fine


def test_points_not_adding_up_to_team_score(store_from, tmp_path, mini):
    # Take one made two from a home player of game 1: the row stays self-consistent, but the
    # home players now add up to two points less than the games file's score.
    store = store_from("teams")
    g = read(mini.games).iloc[0]
    df = read(mini.players)
    home = (df["GAME_ID"] == g.game_id) & (df["TEAM_ID"] == g.team_id_home)
    i = df.index[home & (df["FGM"].astype(int) > df["FG3M"].astype(int))][0]
    for col, delta in (("FGM", -1), ("FGA", -1), ("PTS", -2)):
        df.loc[i, col] = str(int(df.loc[i, col]) + delta)
    df.loc[i, "FG_PCT"] = ""
    bad = write(df, tmp_path / "bad_points.csv")
    before = snapshot(store)
    scored = int(g.pts_home)
    with pytest.raises(IngestError, match=f"add up to {scored - 2}, but the team scored "
                       f"{scored}") as info:
        ingest_files(store, [mini.games, bad])
    assert (info.value.field, info.value.file) == ("PTS", str(bad))
    assert info.value.line == _first_row(df, home)
    assert snapshot(store) == before


def test_row_contradicting_store_is_refused(store_from, tmp_path, mini):
    store = store_from("full")
    before = snapshot(store)
    df = read(mini.players)
    df.loc[0, "MIN"] = str(int(df.loc[0, "MIN"]) + 1)
    with pytest.raises(IngestError, match="already in the store with minutes") as info:
        ingest_files(store, [write(df, tmp_path / "p.csv")])
    assert info.value.line == 2  # its field: see test_contradiction_names_the_files_field
    assert snapshot(store) == before


def test_teams_file_declares_new_teams_and_refuses_conflicts(store, tmp_path, mini):
    teams = read(mini.teams)
    assert ingest_files(store, [mini.teams]).team_seasons_added == len(teams)
    assert ingest_files(store, [mini.teams]).team_seasons_added == 0
    before = snapshot(store)
    t = teams.iloc[0]
    clash = tmp_path / "clash.csv"
    clash.write_text("season,team_id,abbreviation,name,conference\n"
                     f"{t.season},{t.team_id},ZZZ,Somewhere Else,{t.conference}\n")
    with pytest.raises(IngestError, match=f"already known as {t.abbreviation}") as info:
        ingest_files(store, [clash])
    assert (info.value.file, info.value.line, info.value.field) == (str(clash), 2,
                                                                    "abbreviation")
    assert snapshot(store) == before


def test_unrecognised_header(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(IngestError, match="unrecognised header") as info:
        ingest_files(store, [p])
    assert (info.value.file, info.value.line) == (str(p), 1)


# ---- found in review of the real-data suite: each of these was once accepted or mis-reported -


def test_player_rows_of_another_season_than_their_game(store_from, tmp_path, mini):
    store = store_from("full")
    df = read(mini.players)
    year = int(mini.season[:4]) - 1
    df["SEASON_ID"], df["SEASON"] = f"2{year}", f"{year}-{(year + 1) % 100:02d}"
    before = snapshot(store)
    with pytest.raises(IngestError, match="another season") as info:
        ingest_files(store, [write(df, tmp_path / "p.csv")])
    assert (info.value.line, info.value.field) == (2, "GAME_ID")
    assert snapshot(store) == before


def test_matchup_naming_the_wrong_opponent(store_from, tmp_path, mini):
    store = store_from("teams")
    g = read(mini.games).iloc[0]
    other = next(a for a in read(mini.teams).abbreviation
                 if a not in (g.team_abbreviation_home, g.team_abbreviation_road))
    df = read(mini.players)
    i = df.index[(df["GAME_ID"] == g.game_id) & (df["TEAM_ID"] == g.team_id_home)]
    df.loc[i, "MATCHUP"] = f"{g.team_abbreviation_home} vs. {other}"
    with pytest.raises(IngestError, match=f"names opponent {other}, but game {g.game_id} was "
                       f"against {g.team_abbreviation_road}") as info:
        ingest_files(store, [mini.games, write(df, tmp_path / "p.csv")])
    assert (info.value.field, info.value.line) == ("MATCHUP", int(i[0]) + 2)


def test_games_file_contradicting_stored_box_or_site(store_from, tmp_path, mini):
    store = store_from("full")
    before = snapshot(store)
    for col, value in (("ast_home", "49"), ("neutral_site", "True")):
        df = read(mini.games)
        df.loc[0, col] = value
        with pytest.raises(IngestError, match="already in the store") as info:
            ingest_files(store, [write(df, tmp_path / f"{col}.csv")])
        assert info.value.line == 2
        assert snapshot(store) == before


def test_line_numbers_are_physical_lines(store, tmp_path, mini):
    lines = mini.players.read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    bad_row = rows[7].split(",")
    bad_row[header.split(",").index("FGA")] = "x"  # on what becomes line 11 (blanks at 4, 7)
    text = header + rows[0] + rows[1] + "\n" + rows[2] + rows[3] + "\n" + "".join(rows[4:7]) \
        + ",".join(bad_row) + "".join(rows[8:])
    p = tmp_path / "blank_lines.csv"
    p.write_text(text)
    with pytest.raises(IngestError) as info:
        ingest_files(store, [p])
    assert (info.value.line, info.value.field) == (11, "FGA")


def test_ragged_row_and_out_of_range_integer(store, tmp_path, mini):
    lines = mini.players.read_text().splitlines(keepends=True)
    p = tmp_path / "ragged.csv"
    p.write_text("".join(lines[:5]) + lines[5].rstrip("\n") + ",extra\n" + "".join(lines[6:]))
    with pytest.raises(IngestError, match="fields where the header has") as info:
        ingest_files(store, [p])
    assert info.value.line == 6
    df = read(mini.players)
    df.loc[2, "PLUS_MINUS"] = "3000000000"
    with pytest.raises(IngestError, match="out of range") as info:
        ingest_files(store, [write(df, tmp_path / "big.csv")])
    assert (info.value.line, info.value.field) == (4, "PLUS_MINUS")
    df.loc[2, "PLUS_MINUS"] = "inf"
    with pytest.raises(IngestError, match="not an integer") as info:
        ingest_files(store, [write(df, tmp_path / "inf.csv")])
    assert (info.value.line, info.value.field) == (4, "PLUS_MINUS")


# ---- a contradiction names the file's field, not the store's column -------------------------

FIELD_IN_FILE_CASES = {
    # name: (template, file to edit, column, new value, batch, field the file calls it)
    "player row contradicting the store": ("full", "players", "MIN", "1", (), "MIN"),
    "games row contradicting the store": ("full", "games", "ast_home", "49", (), "ast_home"),
    "player row twice in a batch": ("teams", "players", "MIN", "1", ("games", "players"), "MIN"),
}


@pytest.mark.parametrize("case", sorted(FIELD_IN_FILE_CASES))
def test_contradiction_names_the_files_field(store_from, tmp_path, mini, case):
    template, kind, col, value, batch, field = FIELD_IN_FILE_CASES[case]
    store = store_from(template)
    df = read(getattr(mini, kind))
    df.loc[0, col] = value
    bad = write(df, tmp_path / f"{kind}.csv")
    before = snapshot(store)
    with pytest.raises(IngestError) as info:
        ingest_files(store, [*(getattr(mini, k) for k in batch), bad])
    assert (info.value.file, info.value.line) == (str(bad), 2), str(info.value)
    assert snapshot(store) == before
    assert info.value.field == field, str(info.value)
