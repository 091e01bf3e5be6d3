"""Build tiny hand-made leagues through the real ingest path, for tests with known answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from truestrength.base.league import LeagueData
from truestrength.data.formats import GAMES_COLUMNS
from truestrength.data.ingest import ingest_files
from truestrength.data.store import Store

# The small real files the ingest tests use: the first three regular-season games of 2022-23
# and the first two of 2021-22, cut from ../shared/data at test time (never copied into the
# repository), rows unchanged.
MINI_GAMES = {"2022-23": ["0022200001", "0022200002", "0022200003"],
              "2021-22": ["0022100001", "0022100002"]}


def cut_mini_files(shared_nba: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for season, ids in MINI_GAMES.items():
        players = pd.read_csv(shared_nba / "player_game_logs" / f"{season}.csv.gz", dtype=str,
                              keep_default_na=False)
        games = pd.read_csv(shared_nba / "games" / f"{season}.csv.gz", dtype=str,
                            keep_default_na=False)
        players[players["GAME_ID"].isin(ids)].to_csv(out / f"player_logs_{season}.csv",
                                                      index=False)
        games[games["game_id"].isin(ids)].to_csv(out / f"games_{season}.csv", index=False)
    return out


@dataclass(frozen=True)
class Mini:
    dir: Path

    @property
    def players_23(self) -> Path:
        return self.dir / "player_logs_2022-23.csv"

    @property
    def games_23(self) -> Path:
        return self.dir / "games_2022-23.csv"

    @property
    def players_22(self) -> Path:
        return self.dir / "player_logs_2021-22.csv"

    @property
    def games_22(self) -> Path:
        return self.dir / "games_2021-22.csv"


def write_games(path: Path, games: list[tuple]) -> Path:
    """games: (game_id, date, season, game_type, home_id, home_abbr, road_id, road_abbr,
    home_pts, road_pts). Box totals are made consistent with the points (all twos and ones)."""
    rows = []
    for gid, date, season, gtype, hid, habbr, rid, rabbr, hp, rp in games:
        row = {c: "0" for c in GAMES_COLUMNS}
        row.update(game_id=gid, game_date=date, season=season, game_type=gtype,
                   neutral_site="False", team_id_home=str(hid), team_abbreviation_home=habbr,
                   team_name_home=habbr, team_id_road=str(rid), team_abbreviation_road=rabbr,
                   team_name_road=rabbr, pts_home=str(hp), pts_road=str(rp),
                   wl_home="W" if hp > rp else "L")
        for side, pts in (("home", hp), ("road", rp)):
            row[f"fgm_{side}"] = row[f"fga_{side}"] = str(pts // 2)
            row[f"ftm_{side}"] = row[f"fta_{side}"] = str(pts % 2)
            row[f"plus_minus_{side}"] = str(pts - (rp if side == "home" else hp))
        rows.append(row)
    pd.DataFrame(rows, columns=list(GAMES_COLUMNS)).to_csv(path, index=False)
    return path


def write_teams(path: Path, seasons: list[str], teams: list[tuple[int, str, str]]) -> Path:
    rows = [(s, tid, abbr, f"Team {abbr}", conf) for s in seasons for tid, abbr, conf in teams]
    pd.DataFrame(rows, columns=["season", "team_id", "abbreviation", "name", "conference"]
                 ).to_csv(path, index=False)
    return path


def tiny_league(tmp_path: Path, teams: list[tuple[int, str, str]], games: list[tuple],
                seasons: list[str]) -> LeagueData:
    tf = write_teams(tmp_path / "teams.csv", seasons, teams)
    gf = write_games(tmp_path / "games.csv", games)
    with Store(tmp_path / "tiny.duckdb") as store:
        ingest_files(store, [tf, gf])
        return store.league()


# The network shape the model tests were written for (ModelASection's defaults are smaller:
# they are tuned for real data, these exercise a roomier network on toy problems).
TEST_NETWORK = dict(embed_dim=16, hidden_dim=64, n_heads=4, n_seeds=1, dropout=0.1,
                    minutes_bias=True, minutes_bias_init=1.0, query_init_std=0.02,
                    embed_init_std=0.1, scorer_residual=True, value_head=False)


def net_config(*, n_features: int, n_players_vocab: int, **kw):
    from truestrength.models.model_a.network import RosterModelConfig

    return RosterModelConfig(n_features=n_features, n_players_vocab=n_players_vocab,
                             **{**TEST_NETWORK, **kw})
