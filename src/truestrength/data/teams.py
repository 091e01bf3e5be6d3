"""The 30 NBA franchises, with the abbreviation each used in each season and its conference.

Relocations and renames keep the NBA.com team id, so the id is the team; the abbreviation is
checked against the season so that a file claiming ``NOP`` in 2011-12 (then ``NOH``) is caught.
No franchise changed conference between 2004-05 and 2024-25, which is why one conference per
franchise is enough here; a future realignment adds an entry with a first season.
"""

from __future__ import annotations

from dataclasses import dataclass

from truestrength.base.seasons import season_start_year


@dataclass(frozen=True)
class TeamSeason:
    team_id: int
    season: str
    abbreviation: str
    name: str
    conference: str  # "E" or "W"


# team_id -> conference, [(first season start year, abbreviation, name)], newest last.
_FRANCHISES: dict[int, tuple[str, list[tuple[int, str, str]]]] = {
    1610612737: ("E", [(1968, "ATL", "Atlanta Hawks")]),
    1610612738: ("E", [(1946, "BOS", "Boston Celtics")]),
    1610612739: ("E", [(1970, "CLE", "Cleveland Cavaliers")]),
    1610612740: ("W", [(2002, "NOH", "New Orleans Hornets"),
                       (2013, "NOP", "New Orleans Pelicans")]),
    1610612741: ("E", [(1966, "CHI", "Chicago Bulls")]),
    1610612742: ("W", [(1980, "DAL", "Dallas Mavericks")]),
    1610612743: ("W", [(1976, "DEN", "Denver Nuggets")]),
    1610612744: ("W", [(1971, "GSW", "Golden State Warriors")]),
    1610612745: ("W", [(1971, "HOU", "Houston Rockets")]),
    1610612746: ("W", [(1984, "LAC", "Los Angeles Clippers"), (2023, "LAC", "LA Clippers")]),
    1610612747: ("W", [(1960, "LAL", "Los Angeles Lakers")]),
    1610612748: ("E", [(1988, "MIA", "Miami Heat")]),
    1610612749: ("E", [(1968, "MIL", "Milwaukee Bucks")]),
    1610612750: ("W", [(1989, "MIN", "Minnesota Timberwolves")]),
    1610612751: ("E", [(1977, "NJN", "New Jersey Nets"), (2012, "BKN", "Brooklyn Nets")]),
    1610612752: ("E", [(1946, "NYK", "New York Knicks")]),
    1610612753: ("E", [(1989, "ORL", "Orlando Magic")]),
    1610612754: ("E", [(1976, "IND", "Indiana Pacers")]),
    1610612755: ("E", [(1963, "PHI", "Philadelphia 76ers")]),
    1610612756: ("W", [(1968, "PHX", "Phoenix Suns")]),
    1610612757: ("W", [(1970, "POR", "Portland Trail Blazers")]),
    1610612758: ("W", [(1985, "SAC", "Sacramento Kings")]),
    1610612759: ("W", [(1976, "SAS", "San Antonio Spurs")]),
    1610612760: ("W", [(2008, "OKC", "Oklahoma City Thunder")]),
    1610612761: ("E", [(1995, "TOR", "Toronto Raptors")]),
    1610612762: ("W", [(1979, "UTA", "Utah Jazz")]),
    1610612763: ("W", [(2001, "MEM", "Memphis Grizzlies")]),
    1610612764: ("E", [(1997, "WAS", "Washington Wizards")]),
    1610612765: ("E", [(1957, "DET", "Detroit Pistons")]),
    1610612766: ("E", [(2004, "CHA", "Charlotte Bobcats"), (2014, "CHA", "Charlotte Hornets")]),
}

FIRST_REGISTRY_SEASON = 2004


def nba_team_season(team_id: int, season: str) -> TeamSeason | None:
    """The built-in NBA entry for a team in a season, or None if the id is not an NBA team."""
    entry = _FRANCHISES.get(team_id)
    start = season_start_year(season)
    if entry is None or start < FIRST_REGISTRY_SEASON:
        return None
    conference, names = entry
    known = [n for n in names if n[0] <= start]
    if not known:
        return None
    _, abbreviation, name = known[-1]
    return TeamSeason(team_id, season, abbreviation, name, conference)


def nba_team_seasons(season: str) -> list[TeamSeason]:
    """All 30 NBA teams for a season (from 2004-05 on)."""
    out = [nba_team_season(tid, season) for tid in _FRANCHISES]
    return [t for t in out if t is not None]
