"""An expected rest-of-season schedule, for a season still under way.

The store may hold only games that were played, so when a user predicts "today" the real
remaining schedule can be unknown. This builds one that keeps the NBA's structure; predictions
made on it say so (``schedule: expected``). The rule:

1. **Games per pair over the season** (a target, possibly fractional). In an 82-game season a
   team plays 2 games against each team of the other conference (30) and the rest, 52, within
   its own conference (4 against ten rivals and 3 against four; *which* four is the NBA's
   rotation and is not known here, so every conference pair gets the average, 52/14). In
   general, for a planned length ``G`` (``planned_games``: 82 unless announced otherwise) the
   inter-conference target per pair is the season's own where known
   (``inter_conference_games_per_pair``: 2011-12 1.2, 2020-21 2), else ``2 * G / 82``, and the
   conference target is what is left of ``G`` spread evenly over the conference rivals, so
   every team's targets add up to ``G`` (2020-21: 2 and 3, its real structure).
2. **Games left per pair**: target minus games already played (never negative).
3. **Whole games, each team's total exact.** Games are placed one at a time, always between
   two teams that still have games left (``games_left``: planned length minus standings games
   played), choosing the pair furthest below its target plus a fifth of its two teams' gaps
   in that kind of game (a team's conference games left are its conference targets minus
   those played, likewise for the other conference; without this, a fractional target such
   as 2011-12's 1.2 rounds the pair's last game away and the mix drifts) (ties broken at
   random from ``seed``). If only one team a still has games left, a placed game (b, c) is
   replaced by (a, b) and (a, c). So every team's remaining count equals its games left
   exactly (unless their sum is odd, possible only if a team already played beyond the
   planned length; one game then stays unplaced).
4. **Home and road.** Each pair's season split (played plus remaining) is made as even as
   possible; the pairs with an odd number of games start with the extra home game on a random
   side; then, while some team is two or more home games from half its season (more than half
   a game for an odd season length), home games are moved along a path of remaining games to
   a team short of home games -- first only moves that keep every pair's split as even as
   possible, then any. The result: each team's season home count is as close to half its
   season as the remaining games allow.

The rows come out in a random order (``seed``); no dates, no neutral sites. Deterministic: the
same (known, season, seed) always gives the same frame.

Measured (intra-conference share of the remaining games, real vs expected, cut after 25%, 50%
and 75% of the games; seed 0): the synthetic league's three seasons match to 0.1 point at
every cut, with every other-conference pair at 2 games and every team hosting 41; real
2022-23 .624/.660/.696 both, 2020-21 .552/.583/.646 both (the real pairs exactly),
2011-12 real .752/.762/.839, expected .754/.766/.847. Which pairs play a 4th conference game
is the part not known: 4-22% of the remaining games differ from the real pairs.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import inter_conference_games_per_pair, planned_games

__all__ = ["expected_schedule", "games_left", "pair_targets"]

# Weight of the teams' gaps in a kind of game (conference / other) against the pair's own gap
# when placing games. Small, so pairs keep their counts (2 per other-conference pair) through
# the season and the team totals decide only near the end (weight 1 gave 3-game
# other-conference pairs on the synthetic league; figures in the module docstring).
_KIND_WEIGHT = 0.2


def games_left(known: LeagueData, season: str) -> pd.Series:
    """Standings games each team of the season still has to play (index team_id)."""
    tg = known.standings_team_games(season)
    played = tg.groupby("team_id").size()
    teams = known.teams_of_season(season)
    return (planned_games(season) - played.reindex(teams, fill_value=0)).clip(lower=0)


def pair_targets(conference: np.ndarray, season_games: int, inter: float) -> np.ndarray:
    """[T, T] games per pair over a ``season_games``-game season with ``inter`` games per
    other-conference pair (step 1 of the module docstring); each row sums to
    ``season_games``, the diagonal is 0."""
    conf = np.asarray(conference).astype(str)
    same = conf[:, None] == conf[None, :]
    n_own = same.sum(axis=1)  # including the team itself
    n_other = conf.size - n_own
    if (n_own < 2).any():
        raise DataError("a conference with a single team cannot play conference games")
    intra = (season_games - inter * n_other) / (n_own - 1)  # per team, by its conference
    if (intra < 0).any():
        raise DataError(f"{season_games} games are too few for {inter:g} games per "
                        "other-conference pair")
    out = np.where(same, intra[:, None], inter)
    np.fill_diagonal(out, 0.0)
    return out


def _played(known: LeagueData, season: str, teams: np.ndarray) -> tuple[np.ndarray,
                                                                         np.ndarray]:
    """Games played per pair [T, T] (symmetric) and games i hosted j [T, T]."""
    pos = pd.Series(np.arange(teams.size), index=teams)
    g = known.standings_games(season)
    h = pos.reindex(g["home_team_id"].to_numpy()).to_numpy()
    r = pos.reindex(g["road_team_id"].to_numpy()).to_numpy()
    if np.isnan(h).any() or np.isnan(r).any():
        bad = sorted(set(g["home_team_id"]) | set(g["road_team_id"]) - set(teams.tolist()))
        raise DataError(f"{season}: games involve teams missing from team_seasons: {bad[:5]}")
    hosted = np.zeros((teams.size, teams.size))
    np.add.at(hosted, (h.astype(np.int64), r.astype(np.int64)), 1.0)
    return hosted + hosted.T, hosted


def _place_games(want: np.ndarray, left: np.ndarray, rng: np.random.Generator,
                 same: np.ndarray | None = None, need: np.ndarray | None = None) -> np.ndarray:
    """Integer symmetric [T, T] remaining games with row sums ``left`` (step 3).

    ``same`` [T, T] marks conference pairs and ``need`` [T, 2] each team's remaining
    (conference, other-conference) games by the targets; a pair's priority is its own gap
    plus its two teams' gaps in that kind of game, so that pairs a fractional target
    rounds down (1.2 per pair in 2011-12) do not lose their kind of game altogether.
    """
    n = left.size
    # A fixed tie-break per pair, far below any difference of whole games or targets.
    jitter = rng.random((n, n)) * 1e-6
    jitter = jitter + jitter.T
    off = ~np.eye(n, dtype=bool)
    placed = np.zeros((n, n), dtype=np.int64)
    res = left.astype(np.int64).copy()
    if same is None or need is None:
        same, need = np.ones((n, n), dtype=bool), np.zeros((n, 2))
    while True:
        active = res > 0
        if active.sum() >= 2:
            kind_gap = np.where(same, need[:, :1] - (placed * same).sum(axis=1, keepdims=True),
                                need[:, 1:] - (placed * ~same).sum(axis=1, keepdims=True))
            gap = np.where(active[:, None] & active[None, :] & off,
                           want - placed + _KIND_WEIGHT * (kind_gap + kind_gap.T) + jitter,
                           -np.inf)
            i, j = np.unravel_index(int(np.argmax(gap)), gap.shape)
            placed[i, j] += 1
            placed[j, i] += 1
            res[i] -= 1
            res[j] -= 1
        elif active.sum() == 1 and res[active].item() >= 2:
            a = int(np.flatnonzero(active)[0])
            # Swap a placed (b, c) for (a, b) and (a, c): b and c keep their counts.
            g_a = want[a] - placed[a] + jitter[a]
            gain = g_a[:, None] + g_a[None, :] + (want - placed)
            ok = (placed > 0) & off
            ok[a, :] = ok[:, a] = False
            if not ok.any():
                break
            b, c = np.unravel_index(int(np.argmax(np.where(ok, gain, -np.inf))), gain.shape)
            placed[b, c] -= 1
            placed[c, b] -= 1
            for t in (b, c):
                placed[a, t] += 1
                placed[t, a] += 1
            res[a] -= 2
        else:
            return placed


def _orient(placed: np.ndarray, played: np.ndarray, hosted: np.ndarray, home_target: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """x [T, T]: remaining games i hosts j, with x + x.T == placed (step 4)."""
    n = placed.shape[0]
    total = played + placed  # season games per pair
    low = np.floor(total / 2) - hosted  # i's fewest remaining home games for an even split
    x = np.clip(low, 0, placed).astype(np.int64)
    iu, ju = np.triu_indices(n, 1)
    x[ju, iu] = placed[ju, iu] - x[iu, ju]  # the lower triangle follows the upper one
    # Odd pairs: the extra game goes to a random side (within what remains).
    odd = (total[iu, ju] % 2 == 1) & (placed[iu, ju] > 0)
    for i, j in zip(iu[odd], ju[odd], strict=True):
        lo_i = int(np.clip(np.floor(total[i, j] / 2) - hosted[i, j], 0, placed[i, j]))
        lo_j = int(np.clip(np.floor(total[i, j] / 2) - hosted[j, i], 0, placed[i, j]))
        if lo_i + lo_j < placed[i, j]:  # the split is not pinned by the games played
            take_i = rng.random() < 0.5
            x[i, j] = lo_i + (1 if take_i else 0)
            x[j, i] = placed[i, j] - x[i, j]
    home_played = hosted.sum(axis=1)

    def dev() -> np.ndarray:
        return home_played + x.sum(axis=1) - home_target

    for strict in (True, False):
        moved = True
        while moved:
            moved = False
            d = dev()
            # Flip i->j (a game i hosts j becomes j hosts i) only where i still hosts one
            # and, when strict, i's split with j stays as even as possible.
            can = x > 0
            if strict:
                can &= hosted + x - 1 >= np.floor(total / 2)
            for src in np.argsort(-d, kind="stable"):
                if d[src] - d.min() < 2:
                    break
                path = _path(can, int(src), d, d[src])
                if path is not None:
                    for a, b in zip(path[:-1], path[1:], strict=True):
                        x[a, b] -= 1
                        x[b, a] += 1
                    moved = True
                    break
    return x


def _path(can: np.ndarray, src: int, d: np.ndarray, d_src: float) -> list[int] | None:
    """Shortest flip path from ``src`` to a team with ``d <= d_src - 2`` (so the move lowers
    the sum of squared deviations), or None."""
    prev = {src: -1}
    queue = deque([src])
    while queue:
        a = queue.popleft()
        for b in np.flatnonzero(can[a]):
            b = int(b)
            if b in prev:
                continue
            prev[b] = a
            if d[b] <= d_src - 2:
                out = [b]
                while prev[out[-1]] != -1:
                    out.append(prev[out[-1]])
                return out[::-1]
            queue.append(b)
    return None


def expected_schedule(known: LeagueData, season: str, seed: int = 0) -> pd.DataFrame:
    """The rest of ``season`` by the rule of the module docstring.

    Columns home_team_id, road_team_id, neutral_site (all False), one row per game.
    """
    rng = np.random.default_rng(seed)
    left = games_left(known, season)
    teams = left.index.to_numpy(np.int64)
    cols = ["home_team_id", "road_team_id"]
    if teams.size < 2 or left.sum() < 2:
        return pd.DataFrame({c: np.empty(0, np.int64) for c in cols}).assign(
            neutral_site=np.empty(0, bool))
    conf = known.conference_of(season).reindex(teams)
    if conf.isna().any():
        raise DataError(f"{season}: teams without a conference: "
                        f"{conf[conf.isna()].index.tolist()[:5]}")
    played, hosted = _played(known, season, teams)
    season_games = played.sum(axis=1) + left.to_numpy()
    target = pair_targets(conf.to_numpy(str), planned_games(season),
                          inter_conference_games_per_pair(season))
    want = np.clip(target - played, 0, None)
    same = conf.to_numpy(str)[:, None] == conf.to_numpy(str)[None, :]
    need = np.stack([((target - played) * same).sum(axis=1),
                     ((target - played) * ~same).sum(axis=1)], axis=1)
    placed = _place_games(want, left.to_numpy(), rng, same, need)
    x = _orient(placed, played, hosted, season_games / 2.0, rng)
    h, r = np.nonzero(x)
    reps = x[h, r]
    home, road = np.repeat(teams[h], reps), np.repeat(teams[r], reps)
    order = rng.permutation(home.size)
    return pd.DataFrame({"home_team_id": home[order], "road_team_id": road[order],
                         "neutral_site": np.zeros(home.size, dtype=bool)})
