"""An expected rest-of-season schedule, for a season still under way.

The store holds only games that were played, and NBA.com's game logs list no future games,
so when a user predicts "today" the real remaining schedule is unknown. This builds one with
the right number of games per team — the season's planned length (``PLANNED_GAMES``, 82
unless announced otherwise) minus the standings games already played — by pairing, again and
again, the team with the most games left with the team it has played least among those with
games left (random tie-breaks from ``seed``), home court to the side with fewer home games so
far. It reproduces each team's remaining volume and rough home/road balance, not the NBA's
real opponents or dates; predictions made on it say so (``schedule: expected``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.base.league import LeagueData
from truestrength.base.seasons import planned_games


def games_left(known: LeagueData, season: str) -> pd.Series:
    """Standings games each team of the season still has to play (index team_id)."""
    tg = known.standings_team_games(season)
    played = tg.groupby("team_id").size()
    teams = known.teams_of_season(season)
    return (planned_games(season) - played.reindex(teams, fill_value=0)).clip(lower=0)


def expected_schedule(known: LeagueData, season: str, seed: int = 0) -> pd.DataFrame:
    """Columns home_team_id, road_team_id, neutral_site (all False)."""
    rng = np.random.default_rng(seed)
    left = games_left(known, season)
    teams = left.index.to_numpy()
    remaining = left.to_numpy().copy()
    pos = {t: i for i, t in enumerate(teams)}
    tg = known.standings_team_games(season)
    met = np.zeros((len(teams), len(teams)))
    for t, o in zip(tg["team_id"], tg["opponent_id"], strict=True):
        if t in pos and o in pos:
            met[pos[t], pos[o]] += 1
    home_games = np.zeros(len(teams))
    for t, h in zip(tg["team_id"], tg["is_home"], strict=True):
        if t in pos and h:
            home_games[pos[t]] += 1
    rows = []
    while (remaining > 0).sum() >= 2:
        jitter = rng.random(len(teams)) * 1e-3
        a = int(np.argmax(np.where(remaining > 0, remaining + jitter, -1)))
        candidates = np.flatnonzero((remaining > 0) & (np.arange(len(teams)) != a))
        b = int(candidates[np.argmin(met[a, candidates] + jitter[candidates])])
        home, road = (a, b) if home_games[a] <= home_games[b] else (b, a)
        rows.append((teams[home], teams[road]))
        home_games[home] += 1
        met[a, b] += 1
        met[b, a] += 1
        remaining[a] -= 1
        remaining[b] -= 1
    return pd.DataFrame(rows, columns=["home_team_id", "road_team_id"]).assign(
        neutral_site=False)
