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

``home_b2b``/``road_b2b`` are the back-to-back flags ``LeagueData`` marks on every game (the
team also played the day before), the same flags every other game model reads.

``on_court`` is each player's own evidence in the game, beyond his team's: his plus-minus minus
his minutes' share of the side's margin, ``pm - 5 * minutes / team_minutes * margin``
(``team_minutes`` over everybody who played for the side, so the residuals of a full side sum
to 0). With no individual effect it is 0 on average; a player whose team does better while he
is on the floor has it positive. It is the per-player plus-minus signal of Model A's value head
(``models.model_a.game_loss.on_court_loss``).
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

__all__ = ["GAME_COLUMNS", "GameRosters", "build_game_rosters"]

GAME_COLUMNS = ("game_id", "season", "date", "home_id", "road_id", "neutral_site", "margin",
                "home_b2b", "road_b2b")


@dataclass(frozen=True)
class GameRosters:
    """``sides`` row ``2i`` is game ``i``'s home side, row ``2i + 1`` its road side."""

    games: pd.DataFrame  # GAME_COLUMNS, one row per game; margin = home pts - road pts
    sides: RosterSnapshots  # 2 * len(games) rows; minutes = minutes played in the game
    on_court: np.ndarray  # float32 [2 * len(games), P]: module docstring; 0 at padding
    dropped_games: int = 0  # games left out because a side had no player with features

    def __post_init__(self) -> None:
        if list(self.games.columns) != list(GAME_COLUMNS):
            raise ValueError(f"games columns {list(self.games.columns)} != {list(GAME_COLUMNS)}")
        if len(self.sides) != 2 * len(self.games):
            raise ValueError(f"{len(self.sides)} sides for {len(self.games)} games")
        if self.on_court.shape != self.sides.mask.shape:
            raise ValueError(f"on_court {self.on_court.shape} != sides {self.sides.mask.shape}")

    def __len__(self) -> int:
        return len(self.games)

    def select(self, rows: np.ndarray) -> GameRosters:
        """The games at ``rows`` (integer positions or a boolean mask over games)."""
        rows = np.asarray(rows)
        if rows.dtype == np.bool_:
            rows = np.flatnonzero(rows)
        side_rows = np.column_stack([2 * rows, 2 * rows + 1]).reshape(-1)
        return GameRosters(self.games.iloc[rows].reset_index(drop=True),
                           self.sides.select(side_rows), self.on_court[side_rows],
                           self.dropped_games)

    def with_sides(self, sides: RosterSnapshots) -> GameRosters:
        """The same games with other (e.g. scaled) side arrays."""
        return GameRosters(self.games, sides, self.on_court, self.dropped_games)

    def team_keys(self) -> pd.DataFrame:
        """One row per side: game_id, date, team_id, opponent, is_home, neutral_site, margin
        (the side's points for minus against), b2b — in ``sides`` order."""
        g = self.games
        home = pd.DataFrame({"game_id": g["game_id"], "date": g["date"], "team_id": g["home_id"],
                             "opponent": g["road_id"], "is_home": True,
                             "neutral_site": g["neutral_site"], "margin": g["margin"],
                             "b2b": g["home_b2b"]})
        road = pd.DataFrame({"game_id": g["game_id"], "date": g["date"], "team_id": g["road_id"],
                             "opponent": g["home_id"], "is_home": False,
                             "neutral_site": g["neutral_site"], "margin": -g["margin"],
                             "b2b": g["road_b2b"]})
        both = pd.concat([home, road], keys=[0, 1], names=["side", "game"]).swaplevel()
        return both.sort_index().reset_index(drop=True)


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
    return GameRosters(pd.concat(game_parts, ignore_index=True), out_sides,
                       np.concatenate([p[5] for p in side_parts]), dropped)


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
    rows = played[["game_id", "team_id", "player_id", "game_date", "minutes",
                   "plus_minus"]].merge(side_of, on=["game_id", "team_id"], how="left",
                                        validate="many_to_one")
    if rows["side"].isna().any():
        bad = rows[rows["side"].isna()].iloc[0]
        raise DataError(f"{season}: player {int(bad['player_id'])} played game "
                        f"{bad['game_id']} for team {int(bad['team_id'])}, which is not a side "
                        "of that game")
    side = rows["side"].to_numpy(np.int64)
    pid = rows["player_id"].to_numpy(np.int64)
    day = to_days(rows["game_date"])
    mins = rows["minutes"].to_numpy(np.float64)
    # Before anyone is left out: the side's minutes and margin are the whole team's.
    team_minutes = np.bincount(side, weights=mins, minlength=2 * len(sg))
    home_margin = (sg["home_pts"] - sg["road_pts"]).to_numpy(np.float64)
    side_margin = np.column_stack([home_margin, -home_margin]).reshape(-1)
    on_court = (rows["plus_minus"].to_numpy(np.float64)
                - 5.0 * mins / team_minutes[side] * side_margin[side])

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

    cols = (side, pid, mins, feats, from_prev, on_court)
    side, pid, mins, feats, from_prev, on_court = (a[has] for a in cols)
    order = np.lexsort((pid, -mins, side))
    cols = (side, pid, mins, feats, from_prev, on_court)
    side, pid, mins, feats, from_prev, on_court = (a[order] for a in cols)
    start = np.searchsorted(side, side, side="left")
    rank = np.arange(len(side)) - start
    keep = rank < max_players
    cols = (side, pid, mins, feats, from_prev, on_court, rank)
    side, pid, mins, feats, from_prev, on_court, rank = (a[keep] for a in cols)
    n_side = 2 * len(sg)
    x = np.zeros((n_side, max_players, len(names)), np.float32)
    pids = np.zeros((n_side, max_players), np.int64)
    minutes = np.zeros((n_side, max_players), np.float32)
    mask = np.zeros((n_side, max_players), bool)
    court = np.zeros((n_side, max_players), np.float32)
    x[side, rank], pids[side, rank], minutes[side, rank], mask[side, rank] = feats, pid, mins, True
    court[side, rank] = on_court
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
        "margin": home_margin.astype(np.float32),
        "home_b2b": sg["home_b2b"].astype(bool), "road_b2b": sg["road_b2b"].astype(bool),
    })[ok_game].reset_index(drop=True)
    arrays = (keys, x[ok_side], pids[ok_side], minutes[ok_side], mask[ok_side], court[ok_side])
    return g, list(arrays), int((~ok_game).sum())
