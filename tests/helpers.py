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
                    embed_init_std=0.1, scorer_residual=True, value_head=False,
                    value_skip=False)


def net_config(*, n_features: int, n_players_vocab: int, **kw):
    from truestrength.models.model_a.network import RosterModelConfig

    return RosterModelConfig(n_features=n_features, n_players_vocab=n_players_vocab,
                             **{**TEST_NETWORK, **kw})


class TruthScorer:
    """Stands in for FittedModelA: a snapshot's score is its players' minutes-weighted true
    ability (the synthetic league's truth); attention = minutes share."""

    def __init__(self, ability, config) -> None:
        from truestrength.base.game_model import LogisticWinModel

        self.ability = ability
        self.roster = config.roster
        self.rapm = config.rapm
        self.win_model = LogisticWinModel(home_advantage=0.4, slope=1.0, n_games=0)

    def score(self, snaps):
        import numpy as np

        v = self.ability.reindex(snaps.player_ids.ravel()).fillna(0.0).to_numpy()
        v = v.reshape(snaps.player_ids.shape) * snaps.mask
        minutes = np.where(snaps.mask, snaps.minutes, 0.0)
        attn = minutes / minutes.sum(axis=1, keepdims=True)
        return (v * minutes).sum(axis=1) / 48.0, attn[:, None, :]


def truth_config(n_sims: int, seed: int):
    """Settings for predictions with a ``truth_ensemble``: no roster cache, a small Model B
    (it is fitted but weighs 0), ``n_sims`` seasons drawn from ``seed``."""
    from truestrength.base.config import Config, ModelBSection, RosterSection, SimulationSection

    return Config(roster=RosterSection(cache_dir=None),
                  model_b=ModelBSection(n_estimators=40, early_stopping_rounds=10,
                                        trees_without_holdout=20),
                  simulation=SimulationSection(n_sims=n_sims, seed=seed))


def mid_season(data, season: str):
    """The date of the middle standings-game day of ``season``."""
    import pandas as pd

    days = sorted(data.standings_games(season)["game_date"].unique())
    return pd.Timestamp(days[len(days) // 2])


def train_with_cli(synthetic, root: Path) -> tuple[Path, Path, Path, str]:
    """``train`` run by the CLI (FAST_YAML) on the first two synthetic seasons, on a copy of
    the synthetic store in ``root``: (run folder, config file, store, the command's output)."""
    import shutil

    from typer.testing import CliRunner

    from truestrength.cli import app

    cfg = root / "fast.yaml"
    cfg.write_text(FAST_YAML)
    db = root / "s.duckdb"
    shutil.copy(Path(synthetic.summary.out_dir).parent / "s.duckdb", db)
    r = CliRunner().invoke(app, ["--db", str(db), "-c", str(cfg), "train", "--up-to",
                                 synthetic.data.seasons[1], "--out", str(root / "runs")])
    assert r.exit_code == 0, r.output
    run = next(p for p in (root / "runs").iterdir() if (p / "ensemble.json").exists())
    return run, cfg, db, r.output


def truth_ensemble(synthetic, config):
    """An A+B ensemble of the synthetic league's third season whose Model A is the truth
    (``TruthScorer``) and whose blend reads Model A alone: predictions with known answers
    and no network training. Returns (data, season, ensemble, ability)."""
    import numpy as np
    import pandas as pd

    from truestrength.base.game_model import LogisticWinModel
    from truestrength.models.model_a.predictor import ModelA
    from truestrength.models.model_b import ModelB
    from truestrength.models.stacker import BlendFit, Stacker
    from truestrength.training.ensemble import EnsembleAB, EnsembleFit

    data = synthetic.data
    season = data.seasons[2]
    truth = pd.read_csv(synthetic.summary.out_dir / "truth" / "players.csv")
    truth = truth[truth["season"] == season]
    ability = pd.Series((truth["offense"] + truth["defense"]).to_numpy(),
                        index=truth["player_id"].to_numpy())
    ens = EnsembleAB(config)
    ens.model_a = ModelA.from_fitted(TruthScorer(ability, config), config)
    ens.model_b = ModelB(config.model_b).fit(data.restrict_seasons(data.seasons[:2]))
    blend = BlendFit(("model_a",), np.array([1.0]), 0.4, 0)
    ens.fit_ = EnsembleFit(Stacker(blend, "model_a", {"model_a": blend}, {}, 0),
                           LogisticWinModel(home_advantage=0.4, slope=1.2, n_games=0),
                           pd.DataFrame())
    return data, season, ens, ability


# Settings that make a CLI train/predict on the synthetic league take seconds, not minutes.
FAST_YAML = """\
roster: {cache_dir: null}
model_a: {epochs: 2, threads: 1, refit_on_all: false, epochs_without_holdout: 2}
model_b: {n_estimators: 40, early_stopping_rounds: 10, trees_without_holdout: 20}
simulation: {n_sims: 500}
"""
