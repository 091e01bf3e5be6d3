"""The playoff rotation: the minutes a team's healthy players get in the postseason (issue 11).

At season's end the roster of the last ten games is often a team resting its stars or
tanking; playoff coaches do the opposite and play their best players far more. The playoff
rotation of a team gives each player not out for the postseason his season minutes per game
*played* m (not his recent minutes), concentrated as playoffs concentrate them:

    playoff minutes  ∝  m ** power,   summed to 240 per team (5 x 48),   none above ``cap``

(``playoff_minutes``; the excess above the cap goes to the others in proportion to their
weight, repeatedly, until no one is above it). Healthy: not out at the postseason as the
availability says, and not absent for more than ``max_missed_games`` of his team's games in
a row (an injury the availability may not know of; a backtest knows no injuries at all).
``power`` is learned from history
(``fit_playoff_power``): over the playoff player rows of every season strictly before the
season predicted, log(playoff minutes per playoff game played) regressed on log(regular-season
minutes per game played) with one intercept per (season, team), i.e. least squares on log
minute shares within team; its slope is the power. Only earlier seasons enter, so the fit
is the same at any date of the season whatever the store holds afterwards.

Known bias: the fit keeps players with at least ``fit_min_games`` playoff games, so a
rotation player benched outright in the playoffs is not seen; the true concentration is, if
anything, stronger than the fitted one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.config import PlayoffRotationSection
from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import season_start_year
from truestrength.features.player_rapm import FLOOR_SLOTS

__all__ = ["TEAM_MINUTES", "PlayoffRotation", "absent_too_long", "fit_playoff_power",
           "minutes_power", "playoff_minutes", "playoff_shares"]

TEAM_MINUTES = 240.0  # five players on the floor for 48 minutes, overtime aside


@dataclass(frozen=True)
class PlayoffRotation:
    """The settings a playoff-rotation snapshot is built with, and where ``power`` came from."""

    power: float
    cap: float
    learned: bool  # True: fitted on ``seasons``; False: fixed by the configuration
    # Not in the rotation after this many of his team's games missed in a row (None: no rule).
    max_missed_games: int | None = None
    seasons: tuple[str, ...] = ()  # the earlier seasons whose playoffs it was fitted on
    n_players: int = 0  # (season, team, player) rows of the fit


def absent_too_long(missed: np.ndarray, rotation: PlayoffRotation) -> np.ndarray:
    """Which players are out of the playoff rotation for a long absence: their team has
    played more than ``rotation.max_missed_games`` games since their last (none without the
    rule). The one place the rule lives: the RAPM's playoff shares and Model A's playoff
    snapshots both read it."""
    missed = np.asarray(missed)
    if rotation.max_missed_games is None:
        return np.zeros(missed.shape, bool)
    return missed > rotation.max_missed_games


def playoff_minutes(minutes: np.ndarray, mask: np.ndarray, power: float, cap: float,
                    total: float = TEAM_MINUTES) -> np.ndarray:
    """Playoff minutes per real player of each row (``minutes``, ``mask``: [N, P]; padding
    gets 0): in proportion to ``minutes ** power``, summing to ``total``, none above ``cap``.

    A row whose players cannot fill ``total`` under the cap (fewer than total / cap of them)
    gives each the same share: the team still plays 240 minutes. A row whose players all
    have zero minutes is spread evenly as well."""
    minutes = np.asarray(minutes, float)
    mask = np.asarray(mask, bool)
    if minutes.shape != mask.shape or minutes.ndim != 2:
        raise ValueError(f"minutes {minutes.shape} and mask {mask.shape} must be the same [N, P]")
    if (minutes[mask] < 0).any() or not np.isfinite(minutes[mask]).all():
        raise ValueError("minutes must be finite and >= 0")
    out = np.zeros_like(minutes)
    for i in range(len(minutes)):
        real = np.flatnonzero(mask[i])
        if len(real):
            out[i, real] = _spread(minutes[i, real], power, cap, total)
    return out


def playoff_shares(logs: pd.DataFrame, rotation: PlayoffRotation,
                   out: frozenset[int] = frozenset(),
                   moved: Mapping[int, int] | None = None,
                   returning: frozenset[int] = frozenset()) -> pd.DataFrame:
    """Each team's playoff rotation as floor-slot shares (team_id, player_id, share; a team's
    shares sum to 5), from ``logs``: one season's player rows (game_id, game_date, team_id,
    player_id, minutes) before the date, the plain RAPM's view of the postseason.

    A player belongs to the team of his latest game (or to his new one in ``moved``); he
    is out of the rotation when in ``out`` or when his team has played more than
    ``rotation.max_missed_games`` games since his last one, unless he is ``returning`` (the
    availability says he plays: back from that absence). The rest share 240 minutes by
    :func:`playoff_minutes` of their season minutes per game played (games with minutes)."""
    logs = logs[logs["minutes"].to_numpy(float) > 0]
    if logs.empty:
        return pd.DataFrame({"team_id": pd.Series(dtype=np.int64),
                             "player_id": pd.Series(dtype=np.int64),
                             "share": pd.Series(dtype=float)})
    tg = (logs[["team_id", "game_id", "game_date"]].drop_duplicates(["team_id", "game_id"])
          .sort_values(["team_id", "game_date", "game_id"]))
    tg["k"] = tg.groupby("team_id").cumcount()
    rows = logs.merge(tg[["team_id", "game_id", "k"]], on=["team_id", "game_id"])
    last = rows.sort_values(["player_id", "game_date", "game_id"]).groupby("player_id").tail(1)
    last = last.set_index("player_id")
    p = pd.DataFrame({"team_id": last["team_id"].astype(np.int64),
                      "mpg": rows.groupby("player_id")["minutes"].mean().reindex(last.index),
                      "missed": tg.groupby("team_id")["k"].max().reindex(last["team_id"])
                      .to_numpy() - last["k"].to_numpy()})
    keep = ~p.index.isin(list(out))
    keep &= ~absent_too_long(p["missed"].to_numpy(), rotation) | p.index.isin(list(returning))
    p = p[keep]
    if moved:
        p["team_id"] = pd.Series(p.index, index=p.index).map(dict(moved)).fillna(
            p["team_id"]).astype(np.int64)
    parts = []
    for team, g in p.sort_index().groupby("team_id", sort=True):
        m = playoff_minutes(g["mpg"].to_numpy(float)[None], np.ones((1, len(g)), bool),
                            rotation.power, rotation.cap)[0]
        parts.append(pd.DataFrame({"team_id": team, "player_id": g.index.to_numpy(np.int64),
                                   "share": m * (FLOOR_SLOTS / TEAM_MINUTES)}))
    return pd.concat(parts, ignore_index=True)


def _spread(m: np.ndarray, power: float, cap: float, total: float) -> np.ndarray:
    n = len(m)
    if n * cap <= total:
        return np.full(n, total / n)
    w = np.where(m > 0, np.power(np.maximum(m, 1e-12), power), 0.0)
    out = np.zeros(n)
    free = np.ones(n, bool)
    left = total
    # Each pass fixes at least one player at the cap; n * cap > total keeps ``left`` > 0
    # and at least one player free, so it ends within n passes.
    while True:
        ww = np.where(free, w, 0.0)
        if ww.sum() <= 0:
            ww = free.astype(float)
        share = left * ww / ww.sum()
        over = free & (share > cap)
        if not over.any():
            out[free] = share[free]
            return out
        out[over] = cap
        free &= ~over
        left -= cap * over.sum()


def minutes_power(frame: pd.DataFrame) -> float:
    """The least-squares slope of log(playoff minutes per game) on log(regular-season minutes
    per game) with one intercept per group: ``frame`` has columns ``group``, ``reg_mpg``,
    ``po_mpg`` (all > 0)."""
    x = np.log(frame["reg_mpg"].to_numpy(float))
    y = np.log(frame["po_mpg"].to_numpy(float))
    g = frame["group"].to_numpy()
    xd = x - pd.Series(x).groupby(g).transform("mean").to_numpy()
    yd = y - pd.Series(y).groupby(g).transform("mean").to_numpy()
    sxx = float((xd * xd).sum())
    if sxx <= 0:
        raise DataError("the playoff minutes power cannot be learned: no spread of regular-"
                        "season minutes within any team's playoff rotation")
    return float((xd * yd).sum() / sxx)


def fit_playoff_power(data: LeagueData, season: str,
                      section: PlayoffRotationSection) -> PlayoffRotation:
    """The playoff rotation's settings for ``season``: ``section.power`` when fixed, else the
    power learned from the playoffs of the seasons of ``data`` strictly before ``season``
    (module docstring). Raises DataError when too few players are there to learn it."""
    if section.power is not None:
        return PlayoffRotation(float(section.power), section.cap, learned=False,
                               max_missed_games=section.max_missed_games)
    start = season_start_year(season)
    games, logs = data.games, data.player_logs
    earlier = [s for s in games["season"].unique() if season_start_year(s) < start]
    games = games[games["season"].isin(earlier)]
    logs = logs[logs["season"].isin(earlier) & (logs["minutes"] > 0)]
    kind = logs[["game_id"]].merge(games[["game_id", "kind"]], on="game_id", how="left")["kind"]
    kind = kind.to_numpy()
    reg = logs[np.isin(kind, ("regular", "cup_final"))]
    po = logs[kind == "playoff"]
    # Regular season: over all his teams (a traded player's minutes per game played);
    # playoffs: per team, the rotation being fitted.
    reg_mpg = reg.groupby(["season", "player_id"])["minutes"].mean().rename("reg_mpg")
    po_g = po.groupby(["season", "team_id", "player_id"])["minutes"].agg(["mean", "size"])
    po_g = po_g.rename(columns={"mean": "po_mpg", "size": "po_games"}).reset_index()
    frame = po_g.join(reg_mpg, on=["season", "player_id"])
    frame = frame[(frame["reg_mpg"] >= max(section.fit_min_minutes, 1e-9))
                  & (frame["po_games"] >= section.fit_min_games)]
    if len(frame) < section.fit_min_players:
        raise DataError(
            f"the playoff minutes power for {season} cannot be learned: {len(frame)} "
            f"player(s) with >= {section.fit_min_games} playoff games and >= "
            f"{section.fit_min_minutes:g} regular-season minutes per game in the seasons "
            f"before it ({', '.join(sorted(earlier)) or 'none in the store'}), fewer than "
            f"playoff_rotation.fit_min_players = {section.fit_min_players}; set "
            "playoff_rotation.power to a number")
    frame = frame.assign(group=frame["season"].astype(str) + ":" + frame["team_id"].astype(str))
    power = minutes_power(frame)
    if not np.isfinite(power) or power <= 0:
        raise DataError(f"the playoff minutes power learned for {season} is {power:.3f}, not "
                        "a positive number: the seasons before it do not show playoff "
                        "minutes rising with regular-season minutes; set "
                        "playoff_rotation.power to a number")
    return PlayoffRotation(power, section.cap, learned=True,
                           max_missed_games=section.max_missed_games,
                           seasons=tuple(sorted(frame["season"].astype(str).unique())),
                           n_players=len(frame))
