"""What "right" means: the outcomes predictions are scored against, all computed from the store.

- Standings and final regular-season rank (league 1-30, conference 1-15) by win%.
  Tie-break: point differential per game, then team id. The NBA's own tie-breakers
  (head-to-head, division) are not reproduced; ties at equal win% and margin are rare and the
  rule is deterministic.
- Rest-of-season win% from a date d: share of the team's standings games on or after d that
  it won. Nothing before d is in it, so it measures strength from d on.
- Playoff-finish rank: champion 1, runner-up 2, conference-finals losers 3-4, second-round
  losers 5-8, first-round losers 9-16 (within a tier, better regular-season win% first), teams
  that missed the playoffs 17-30 by win% (a play-in loser missed the playoffs).
- As-of points: the first date on which the median team has played 10, 20, 41 and 61
  standings games (counting games strictly before that date), and the day after the last
  regular-season game ("end").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData

AS_OF_GAMES = (10, 20, 41, 61)


@dataclass(frozen=True)
class AsOfPoint:
    season: str
    label: str  # "g10", "g20", "g41", "g61" or "end"
    date: pd.Timestamp


def standings(data: LeagueData, season: str, before: pd.Timestamp | None = None) -> pd.DataFrame:
    """Standings from the season's standings games (strictly before ``before`` if given).

    Columns: team_id, abbreviation, conference, games, wins, losses, win_pct,
    point_diff_per_game, league_rank, conference_rank; sorted by league_rank.
    Teams with no game yet have win_pct 0.5 and margin 0 (an explicit prior, not NaN).
    """
    ts = data.team_seasons[data.team_seasons["season"] == season].set_index("team_id")
    if ts.empty:
        raise DataError(f"no teams are known for season {season}")
    tg = data.standings_team_games(season)
    if before is not None:
        tg = tg[tg["game_date"] < pd.Timestamp(before)]
    agg = tg.groupby("team_id").agg(
        games=("won", "size"), wins=("won", "sum"),
        margin=("pts", "sum"), opp=("opp_pts", "sum"),
    )
    teams = sorted(set(data.teams_in(season)) & set(ts.index)) or sorted(ts.index)
    out = pd.DataFrame(index=pd.Index(teams, name="team_id"))
    out = out.join(agg).fillna({"games": 0, "wins": 0, "margin": 0, "opp": 0})
    out["games"] = out["games"].astype(int)
    out["wins"] = out["wins"].astype(int)
    out["losses"] = out["games"] - out["wins"]
    played = out["games"] > 0
    out["win_pct"] = np.where(played, out["wins"] / out["games"].clip(lower=1), 0.5)
    out["point_diff_per_game"] = np.where(
        played, (out["margin"] - out["opp"]) / out["games"].clip(lower=1), 0.0)
    out = out.drop(columns=["margin", "opp"])
    out["abbreviation"] = ts.loc[out.index, "abbreviation"]
    out["conference"] = ts.loc[out.index, "conference"]
    out = out.reset_index().sort_values(
        ["win_pct", "point_diff_per_game", "team_id"], ascending=[False, False, True])
    out["league_rank"] = np.arange(1, len(out) + 1)
    out["conference_rank"] = out.groupby("conference").cumcount() + 1
    cols = ["team_id", "abbreviation", "conference", "games", "wins", "losses", "win_pct",
            "point_diff_per_game", "league_rank", "conference_rank"]
    return out[cols].reset_index(drop=True)


def final_rank(data: LeagueData, season: str) -> pd.Series:
    """League rank 1-30 by final regular-season standings (index team_id)."""
    return standings(data, season).set_index("team_id")["league_rank"]


def rest_of_season_win_pct(data: LeagueData, season: str, as_of: pd.Timestamp) -> pd.Series:
    """Share of standings games on or after ``as_of`` that each team won (index team_id)."""
    tg = data.standings_team_games(season)
    tg = tg[tg["game_date"] >= pd.Timestamp(as_of)]
    if tg.empty:
        raise DataError(f"{season}: no standings games on or after {as_of:%Y-%m-%d}")
    return tg.groupby("team_id")["won"].mean().rename("rest_win_pct")


def playoff_finish_tier(data: LeagueData, season: str) -> pd.Series:
    """How far each team of ``season`` went (index team_id): 0 champion, 1 runner-up, 2
    conference-finals losers, 3 second-round losers, 4 first-round losers, 5 no playoffs."""
    teams = standings(data, season)["team_id"].to_numpy()
    series = data.playoff_series[data.playoff_series["season"] == season]
    if len(series) != 15 or series["winner_id"].isna().any():
        raise DataError(f"{season}: playoffs are not complete in the data "
                         f"({len(series)} of 15 series, some without a winner)")
    tier = pd.Series(5, index=pd.Index(teams, name="team_id"), name="playoff_finish_tier")
    for r in series.itertuples():
        loser = r.team_b if r.winner_id == r.team_a else r.team_a
        tier[loser] = {4: 1, 3: 2, 2: 3, 1: 4}[r.round]
    final = series[series["round"] == 4].iloc[0]
    tier[final.winner_id] = 0
    return tier


def playoff_finish_rank(data: LeagueData, season: str) -> pd.Series:
    """Playoff-finish rank 1-30 (index team_id); see the module docstring for the tiers."""
    table = standings(data, season).set_index("team_id")
    tier = playoff_finish_tier(data, season)
    order = pd.DataFrame({"tier": tier, "win_pct": table["win_pct"],
                          "pd": table["point_diff_per_game"]})
    order = order.reset_index().sort_values(["tier", "win_pct", "pd", "team_id"],
                                            ascending=[True, False, False, True])
    order["rank"] = np.arange(1, len(order) + 1)
    return order.set_index("team_id")["rank"].rename("playoff_finish_rank")


def end_of_regular_season(data: LeagueData, season: str) -> pd.Timestamp:
    """The day after the season's last standings game: the end-of-season point, and the
    date the postseason is forecast from."""
    return pd.Timestamp(data.standings_games(season)["game_date"].max()) + pd.Timedelta(days=1)


def as_of_points(data: LeagueData, season: str) -> list[AsOfPoint]:
    tg = data.standings_team_games(season)
    if tg.empty:
        raise DataError(f"{season}: no standings games")
    dates = np.sort(tg["game_date"].unique())
    teams = sorted(tg["team_id"].unique())
    per_day = (tg.groupby(["game_date", "team_id"]).size().unstack(fill_value=0)
               .reindex(index=dates, columns=teams, fill_value=0))
    # games played strictly before each date
    played_before = per_day.cumsum().shift(1, fill_value=0)
    median = played_before.median(axis=1)
    points = []
    for n in AS_OF_GAMES:
        hit = median[median >= n]
        if len(hit):
            points.append(AsOfPoint(season, f"g{n}", pd.Timestamp(hit.index[0])))
    points.append(AsOfPoint(season, "end", end_of_regular_season(data, season)))
    return points


# --------------------------------------------------------------------------------------------
# training targets: relevance for lists of teams (higher = better)
# --------------------------------------------------------------------------------------------
# - ``final_rank``: minus the final regular-season league rank (no ties: the tie-break).
# - ``rest_win_pct``: win% over the team's standings games on or after the date; equal values
#   are real ties; dates with no game left have none (NaN).
# - ``playoff_rank``: minus the playoff-finish rank (no ties by construction).
# Targets come from complete seasons only, so they are for training seasons, never test ones.
TARGETS = ("final_rank", "rest_win_pct", "playoff_rank")


def require_complete(data: LeagueData, seasons: list[str]) -> None:
    """Targets of an unfinished season would be wrong (its final ranks are not known yet):
    every training season must have its 15 playoff series decided."""
    series = data.playoff_series
    for season in seasons:
        s = series[series["season"] == season]
        if len(s) != 15 or s["winner_id"].isna().any():
            raise DataError(
                f"{season} is not complete in the data ({len(s)} of 15 playoff series decided):"
                " its final ranks are not known yet, so it cannot be a training season; train "
                "with --up-to the last complete season")


def team_targets(data: LeagueData, keys: pd.DataFrame, target: str) -> np.ndarray:
    """Relevance for every snapshot key (NaN where the target is undefined)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r} (known: {TARGETS})")
    require_complete(data, sorted(keys["season"].unique()))
    out = np.full(len(keys), np.nan)
    for season, idx in keys.groupby("season").groups.items():
        sub = keys.loc[idx]
        if target == "final_rank":
            rel = -final_rank(data, season).astype(float)
            out[np.asarray(idx)] = sub["team_id"].map(rel).to_numpy(float)
        elif target == "playoff_rank":
            rel = -playoff_finish_rank(data, season).astype(float)
            out[np.asarray(idx)] = sub["team_id"].map(rel).to_numpy(float)
        else:
            out[np.asarray(idx)] = _rest_win_pct(data, season, sub)
    return out


def _rest_win_pct(data: LeagueData, season: str, sub: pd.DataFrame) -> np.ndarray:
    """Vectorised rest-of-season win%: wins and games from each date to the season's end."""
    tg = data.standings_team_games(season)
    out = np.full(len(sub), np.nan)
    for team, rows in sub.groupby("team_id").groups.items():
        t = tg[tg["team_id"] == team].sort_values("game_date")
        dates = t["game_date"].to_numpy()
        won = t["won"].to_numpy(float)
        # suffix sums: games and wins on or after each game's date
        wins_after = np.concatenate([np.cumsum(won[::-1])[::-1], [0.0]])
        games_after = np.arange(len(won), -1, -1, dtype=float)
        pos = np.searchsorted(dates, sub.loc[rows, "date"].to_numpy(), side="left")
        g = games_after[pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[sub.index.get_indexer(rows)] = np.where(g > 0, wins_after[pos] / g, np.nan)
    return out
