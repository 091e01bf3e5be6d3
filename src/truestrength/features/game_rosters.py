"""Game rosters for Model A's game loss: each side of each past game as the set of players who
actually played it, weighted by the minutes they actually played.

Fitting on who actually played is how adjusted plus-minus is fitted; what must not leak is the
players' *features*, and those stop before the game: every feature row is computed by the same
``LeagueState.features`` that ``roster.build_snapshots`` uses, at the game's date, so games on
or after that date cannot enter it (the strict ``searchsorted`` of ``player_stats``). The
features are therefore identical in definition to a forecast-time snapshot's.

A player's features at a game are those of his latest team before the game (``feat_team``):
a traded player's first game for his new team carries the features he earned with his old
one, as the availability path of ``build_snapshots`` does. A player with no game yet in the
season gets his end-of-previous-season features, like the previous-season fallback roster;
a player with neither (a rookie's first game, any player in the first season of the data
before his first game) has no pre-game information and is left out of that game's set — his
minutes are simply not in the pooling. A game one of whose sides is left with nobody is
dropped (``dropped_games`` counts them).

Each side keeps its ``max_players`` players with the most minutes (the roster slots P of the
snapshots, so the same tensors and network take both). ``minutes`` is the minutes played in
the game, the same unit (minutes per game) as a snapshot's recent mean minutes.

With ``roster.rapm_feature`` every row also carries the RAPM pair of ``roster.py`` at the
game's date (the refit in force then: games strictly before its refit date, so never the
game itself), the same values a snapshot on that date gives the player.

Rest: ``home_rest``/``road_rest`` are the days since the team's previous game of the season
in the games table (any kind; the first game of a season counts as ``REST_CAP`` days), capped
at ``REST_CAP``; 1 means the second night of a back-to-back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.config import RapmSection, RosterSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import previous_season, to_days
from truestrength.features.player_rapm import RapmValues
from truestrength.features.player_stats import (
    FEATURE_NAMES,
    LeagueState,
    feature_names,
    regular_player_logs,
)
from truestrength.features.roster import RosterSnapshots, check_finite, resolve_seasons

__all__ = ["GAME_COLUMNS", "REST_CAP", "GameRosters", "build_game_rosters"]

# More than this many days off is "rested" whatever the number: a week and a month both mean
# fresh legs, and an uncapped count would let the All-Star break dominate a linear rest term.
REST_CAP = 4

GAME_COLUMNS = ("game_id", "season", "date", "home_id", "road_id", "neutral_site", "margin",
                "home_rest", "road_rest")


@dataclass(frozen=True)
class GameRosters:
    """``sides`` row ``2i`` is game ``i``'s home side, row ``2i + 1`` its road side."""

    games: pd.DataFrame  # GAME_COLUMNS, one row per game; margin = home pts - road pts
    sides: RosterSnapshots  # 2 * len(games) rows; minutes = minutes played in the game
    dropped_games: int = 0  # games left out because a side had no player with features

    def __post_init__(self) -> None:
        if list(self.games.columns) != list(GAME_COLUMNS):
            raise ValueError(f"games columns {list(self.games.columns)} != {list(GAME_COLUMNS)}")
        if len(self.sides) != 2 * len(self.games):
            raise ValueError(f"{len(self.sides)} sides for {len(self.games)} games")

    def __len__(self) -> int:
        return len(self.games)

    def select(self, rows: np.ndarray) -> GameRosters:
        """The games at ``rows`` (integer positions or a boolean mask over games)."""
        rows = np.asarray(rows)
        if rows.dtype == np.bool_:
            rows = np.flatnonzero(rows)
        side_rows = np.column_stack([2 * rows, 2 * rows + 1]).reshape(-1)
        return GameRosters(self.games.iloc[rows].reset_index(drop=True),
                           self.sides.select(side_rows), self.dropped_games)

    def with_sides(self, sides: RosterSnapshots) -> GameRosters:
        """The same games with other (e.g. scaled) side arrays."""
        return GameRosters(self.games, sides, self.dropped_games)

    def team_keys(self) -> pd.DataFrame:
        """One row per side: game_id, date, team_id, opponent, is_home, neutral_site, margin
        (the side's points for minus against), rest — in ``sides`` order."""
        g = self.games
        home = pd.DataFrame({"game_id": g["game_id"], "date": g["date"], "team_id": g["home_id"],
                             "opponent": g["road_id"], "is_home": True,
                             "neutral_site": g["neutral_site"], "margin": g["margin"],
                             "rest": g["home_rest"]})
        road = pd.DataFrame({"game_id": g["game_id"], "date": g["date"], "team_id": g["road_id"],
                             "opponent": g["home_id"], "is_home": False,
                             "neutral_site": g["neutral_site"], "margin": -g["margin"],
                             "rest": g["road_rest"]})
        both = pd.concat([home, road], keys=[0, 1], names=["side", "game"]).swaplevel()
        return both.sort_index().reset_index(drop=True)


def _rest_days(data: LeagueData, seasons: list[str]) -> pd.DataFrame:
    """Days since each team's previous game of the season, per (game_id, team_id)."""
    g = data.games
    g = g[g["season"].isin(seasons)]
    tg = pd.concat([
        pd.DataFrame({"game_id": g["game_id"], "season": g["season"], "day": to_days(
            g["game_date"]), "team_id": g[side]}) for side in ("home_team_id", "road_team_id")])
    tg = tg.sort_values(["season", "team_id", "day", "game_id"], kind="stable")
    gap = tg.groupby(["season", "team_id"])["day"].diff()
    tg["rest"] = np.minimum(gap.fillna(REST_CAP).to_numpy(), REST_CAP).astype(np.float32)
    return tg[["game_id", "team_id", "rest"]]


def build_game_rosters(data: LeagueData, seasons: list[str] | None = None,
                       config: RosterSection = RosterSection(), *,
                       rapm: RapmSection = RapmSection()) -> GameRosters:
    """Both sides of every standings game of ``seasons`` (default: every season with player
    rows) as played, with pre-game features (see the module docstring); ``rapm`` is read
    only with ``config.rapm_feature``."""
    resolved = resolve_seasons(data, seasons)
    needed = set(resolved) | {previous_season(s) for s in resolved} | {
        previous_season(previous_season(s)) for s in resolved}
    pl, games = data.player_logs, data.games
    logs = regular_player_logs(pl[pl["season"].isin(needed)],
                               games[games["season"].isin(needed)])
    state = LeagueState(logs, config)
    values = RapmValues(data, rapm) if config.rapm_feature else None
    names = feature_names(config)
    rest = _rest_days(data, resolved)
    conf = data.team_seasons.set_index(["season", "team_id"])["conference"]

    game_parts, side_parts, dropped = [], [], 0
    for season in resolved:
        sg = data.standings_games(season).sort_values(["game_date", "game_id"], kind="stable")
        if sg.empty or season not in state.index:
            continue
        played = logs[(logs["season"] == season) & (logs["minutes"] > 0)
                      & logs["game_id"].isin(sg["game_id"])]
        g, sides, n_drop = _build_season(state, season, sg, played, config.max_players,
                                         values, names)
        dropped += n_drop
        if g.empty:
            continue
        g = g.merge(rest.rename(columns={"team_id": "home_id", "rest": "home_rest"}),
                    on=["game_id", "home_id"], how="left", validate="one_to_one")
        g = g.merge(rest.rename(columns={"team_id": "road_id", "rest": "road_rest"}),
                    on=["game_id", "road_id"], how="left", validate="one_to_one")
        team = sides[0]["team_id"].to_numpy()
        sides[0]["conference"] = conf.reindex(
            pd.MultiIndex.from_arrays([[season] * len(team), team])).to_numpy()
        game_parts.append(g[list(GAME_COLUMNS)])
        side_parts.append(sides)
    if not game_parts:
        raise DataError(f"no standings game with player rows in {', '.join(resolved)}")
    out_sides = RosterSnapshots(
        keys=pd.concat([p[0] for p in side_parts], ignore_index=True),
        x=np.concatenate([p[1] for p in side_parts]),
        player_ids=np.concatenate([p[2] for p in side_parts]),
        minutes=np.concatenate([p[3] for p in side_parts]),
        mask=np.concatenate([p[4] for p in side_parts]),
        feature_names=names)
    check_finite(out_sides, "game roster")
    return GameRosters(pd.concat(game_parts, ignore_index=True), out_sides, dropped)


def _build_season(state: LeagueState, season: str, sg: pd.DataFrame, played: pd.DataFrame,
                  max_players: int, rapm_values: RapmValues | None,
                  names: tuple[str, ...]):
    idx, prev = state.index[season], state.index.get(previous_season(season))
    sg = sg.reset_index(drop=True)
    # Side s of game i is row 2i + s; every player row is placed on its side.
    side_of = pd.concat([
        pd.DataFrame({"game_id": sg["game_id"], "team_id": sg["home_team_id"],
                      "side": 2 * np.arange(len(sg))}),
        pd.DataFrame({"game_id": sg["game_id"], "team_id": sg["road_team_id"],
                      "side": 2 * np.arange(len(sg)) + 1})])
    rows = played[["game_id", "team_id", "player_id", "game_date", "minutes"]].merge(
        side_of, on=["game_id", "team_id"], how="left", validate="many_to_one")
    if rows["side"].isna().any():
        bad = rows[rows["side"].isna()].iloc[0]
        raise DataError(f"{season}: player {int(bad['player_id'])} played game "
                        f"{bad['game_id']} for team {int(bad['team_id'])}, which is not a side "
                        "of that game")
    side = rows["side"].to_numpy(np.int64)
    pid = rows["player_id"].to_numpy(np.int64)
    day = to_days(rows["game_date"])
    mins = rows["minutes"].to_numpy(np.float64)

    feats = np.full((len(rows), len(names)), np.nan)
    nf = len(FEATURE_NAMES)
    has = np.zeros(len(rows), bool)
    from_prev = np.zeros(len(rows), bool)
    st = idx.player_state(pid, day, 1)
    cur = np.flatnonzero(st.n > 0)
    if len(cur):
        v, _ = state.features(season, pid[cur], day[cur], st.team[cur])
        feats[cur, :nf] = np.column_stack([v[n] for n in FEATURE_NAMES])
        has[cur] = True
    if prev is not None:
        rest = np.flatnonzero(~has)
        pst = prev.player_state(pid[rest], day[rest], 1)
        ok = rest[pst.n > 0]
        if len(ok):
            v, _ = state.features(previous_season(season), pid[ok], day[ok], pst.team[pst.n > 0])
            feats[ok, :nf] = np.column_stack([v[n] for n in FEATURE_NAMES])
            has[ok], from_prev[ok] = True, True
    if rapm_values is not None:
        # Only rows with box-score features are kept: the others are left out of the set.
        extra = rapm_values.features(pid[has], day[has])
        feats[has, nf:] = np.column_stack([extra[n] for n in names[nf:]])

    side, pid, mins, feats, from_prev = (a[has] for a in (side, pid, mins, feats, from_prev))
    order = np.lexsort((pid, -mins, side))
    side, pid, mins, feats, from_prev = (a[order] for a in (side, pid, mins, feats, from_prev))
    start = np.searchsorted(side, side, side="left")
    rank = np.arange(len(side)) - start
    keep = rank < max_players
    side, pid, mins, feats, from_prev, rank = (a[keep] for a in (side, pid, mins, feats,
                                                                  from_prev, rank))
    n_side = 2 * len(sg)
    x = np.zeros((n_side, max_players, len(names)), np.float32)
    pids = np.zeros((n_side, max_players), np.int64)
    minutes = np.zeros((n_side, max_players), np.float32)
    mask = np.zeros((n_side, max_players), bool)
    x[side, rank], pids[side, rank], minutes[side, rank], mask[side, rank] = feats, pid, mins, True
    prev_side = np.zeros(n_side, bool)
    prev_side[side[from_prev]] = True

    n_players = mask.sum(axis=1)
    ok_game = (n_players[0::2] > 0) & (n_players[1::2] > 0)
    ok_side = np.repeat(ok_game, 2)
    team = np.column_stack([sg["home_team_id"], sg["road_team_id"]]).reshape(-1)
    dates = pd.to_datetime(sg["game_date"]).to_numpy().repeat(2)
    keys = pd.DataFrame({
        "season": pd.Series([season] * n_side, dtype="str"),
        "date": pd.Series(dates).astype("datetime64[us]"),
        "team_id": team.astype(np.int64),
        "conference": None,
        "n_players": n_players.astype(np.int64),
        "from_previous_season": prev_side,
    })[ok_side].reset_index(drop=True)
    g = pd.DataFrame({
        "game_id": sg["game_id"].astype(str), "season": season,
        "date": pd.to_datetime(sg["game_date"]).astype("datetime64[us]"),
        "home_id": sg["home_team_id"].astype(np.int64),
        "road_id": sg["road_team_id"].astype(np.int64),
        "neutral_site": sg["neutral_site"].astype(bool),
        "margin": (sg["home_pts"] - sg["road_pts"]).astype(np.float32),
    })[ok_game].reset_index(drop=True)
    arrays = (keys, x[ok_side], pids[ok_side], minutes[ok_side], mask[ok_side])
    return g, list(arrays), int((~ok_game).sum())
