"""A small league whose margins are made exactly from chosen player values and a home edge:
the known answers of the RAPM ridge (tests/features/test_rapm_fit.py) and of the ``rapm``
predictor (tests/models/test_rapm.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from truestrength.base.league import LeagueData

N_TEAMS, PER_TEAM = 6, 7
SEASONS = ("2015-16", "2016-17", "2017-18")
HOME = 3.0


def league(seed: int = 0, *, days: int = 60, neutral_rate: float = 0.0,
           noise: float = 0.0) -> tuple[LeagueData, pd.Series]:
    """Three short seasons of six teams of seven players. Each game, each team spreads 240
    minutes over its players at random; the home margin is HOME (none on a neutral site)
    plus the sum of value x 5 x minutes / 240 at home minus the same on the road. The box
    score is all zeros: it says nothing, so the RAPM's box prior adds nothing to the ridge."""
    rng = np.random.default_rng(seed)
    value = pd.Series(rng.normal(0, 3, N_TEAMS * PER_TEAM),
                      index=np.arange(1, N_TEAMS * PER_TEAM + 1) + 1000)
    roster = {100 + t: value.index[t * PER_TEAM:(t + 1) * PER_TEAM] for t in range(N_TEAMS)}
    games, logs = [], []
    for si, season in enumerate(SEASONS):
        start = pd.Timestamp(f"{2015 + si}-11-02")
        for day in range(days):
            date = start + pd.Timedelta(days=day)
            order = rng.permutation(list(roster))
            for h, r in zip(order[::2], order[1::2], strict=True):
                gid = f"g{len(games):05d}"
                neutral = bool(rng.random() < neutral_rate)
                strength = {}
                for team in (h, r):
                    mins = rng.dirichlet(np.full(PER_TEAM, 3.0)) * 240
                    strength[team] = float((value[roster[team]].to_numpy() * mins).sum()
                                           * 5 / 240)
                    logs += [(gid, season, date, int(team), int(p), float(m))
                             for p, m in zip(roster[team], mins, strict=True)]
                margin = (0 if neutral else HOME) + strength[h] - strength[r] \
                    + rng.normal(0, noise)
                games.append((gid, season, date, "regular", int(h), int(r), 100 + margin,
                              100.0, neutral, True))
    g = pd.DataFrame(games, columns=["game_id", "season", "game_date", "kind", "home_team_id",
                                     "road_team_id", "home_pts", "road_pts", "neutral_site",
                                     "counts_for_standings"])
    pl = pd.DataFrame(logs, columns=["game_id", "season", "game_date", "team_id", "player_id",
                                     "minutes"])
    for c in ("pts", "fga", "fgm", "fta", "ftm", "fg3m", "oreb", "dreb", "ast", "stl", "blk",
              "tov", "pf"):
        pl[c] = 0
    ts = pd.DataFrame([(s, t) for s in SEASONS for t in roster], columns=["season", "team_id"])
    return LeagueData({"games": g, "player_logs": pl, "team_seasons": ts}, "test"), value
