"""A synthetic NBA league with known truth: the project's embedded default data and test bed.

Real data can only be judged against outcomes; a league whose true team strengths are known lets
us ask whether a rating recovers them. :func:`generate_league` simulates seasons of a 30-team
league from the players up and writes them in exactly the formats of the real files (see
``../shared/data/DATA.md``), so every reader of the real data reads it unchanged:

* ``teams.csv`` -- ``season,team_id,abbreviation,name,conference``;
* ``schedule.csv`` -- every regular-season game of every season in the schedule format
  (docs/contracts.md), as NBA.com publishes it before the season: no play-in or playoff
  games, whose pairings are results;
* ``games/{season}.csv.gz`` -- one row per game (regular season, play-in, playoffs) with box totals;
* ``player_game_logs/{season}.csv.gz`` -- NBA.com ``LeagueGameLog`` rows, regular season only;
* ``truth/players.csv`` -- ``season,player_id,player_name,offense,defense``;
* ``truth/team_strength.csv`` -- ``season,game_date,team_id,strength``.

The model, in the order things happen
-------------------------------------
Each player has a latent **offense** ``o`` and **defense** ``d`` for a season, in points per 48
minutes on the floor relative to a league-average player: five players with ``o = +1`` score five
points per 48 minutes more than an average lineup would; ``d = +1`` concedes one fewer. Abilities
follow a career arc (young players improve, players past ~29 decline, plus a random walk), and are
re-centred every season so that the average team's offense and defense are zero at opening night.
Between seasons old and washed-out players retire, about 60 rookies are drafted (worst record
picks first), some players change teams in free agency, and rosters are topped up with
journeymen. During a season players get injured (stretches of days out, age- and
player-dependent), short-handed teams sign ten-day call-ups, and a handful of mid-season trades
swap players between teams (a traded player's rows appear under each team he played for).

On a date, a team's **rotation** is its healthy players (plus, if fewer than 8 are healthy, the best
injured ones, who play hurt) ordered by the coach's noisy view of ``o + d``. Minutes come from a
rank template (starters ~30-36, then ~24, 22, 19, 14, ... with deep bench players appearing only
some nights), scaled so a team's minutes sum to 240 (265 with one overtime, and so on). A team
left with fewer than 12 healthy players signs a call-up on a ten-day contract.

A game is simulated from the players who actually play it, with that game's minutes ``m``:
``O = sum(m/48 * o)``, ``D = sum(m/48 * d)``, and

    home points ~ L + h/2 + O_home - D_road + pace + e_home
    road points ~ L - h/2 + O_road - D_home + pace + e_road

with ``L`` the era's league scoring level, ``h`` the home advantage, ``pace`` a shared
total-points shock and ``e`` independent noise (margin sd = sqrt(2) * ``team_noise_sd`` ~ 12).
Ties go to five-minute overtimes until broken. The team score is then split into free throws,
threes and twos consistently, and every count (shots, rebounds, assists, ...) is shared among the
players by minutes and playing style, so summing the player rows gives the team box exactly.
A player's plus-minus is his minutes' share of five times the margin, plus what he adds against
his teammates while on the floor, ``m/48 * ((o + d) - mean of the side's o + d by minutes)``,
plus on-floor noise; a side's plus-minus sums to five times its margin, as NBA.com's does.

What "strength" means
---------------------
``truth/team_strength.csv`` holds, for every team on every date on which any game of the season
(regular, play-in or playoff) is played, the team's expected point margin against an average team
on a neutral floor with that date's rotation and the minutes the coach plans for it:

    S(team, date)        = sum over the rotation of (E[m] / 48) * (o + d)
    strength(team, date) = S(team, date) - mean over the 30 teams of S(., date)

where ``E[m]`` are the expected minutes (the rank template weighted by how often each rank plays,
normalised to 240). "Average team" is the league-mean team on that date, so strengths sum to zero
on every date, and the expected home margin of a game is
``strength(home) - strength(road) + home_advantage`` up to the game's minute-to-minute noise.
Strength moves during a season only through injuries, returns and trades; abilities are constant
within a season.

Everything is drawn from one ``numpy.random.Generator`` seeded with ``SynthSection.seed`` and gzip
members carry no timestamp or name, so a configuration always produces byte-identical files.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.base.config import SynthSection
from truestrength.base.league import LeagueData
from truestrength.base.seasons import season_label
from truestrength.data.ingest import IngestReport, ingest_files
from truestrength.data.store import Store

__all__ = [
    "GAMES_COLUMNS",
    "PLAYER_LOG_COLUMNS",
    "TEAMS_COLUMNS",
    "SynthSummary",
    "SyntheticStore",
    "age_curve",
    "generate_league",
    "input_paths",
    "synthetic_store",
]

PLAYER_LOG_COLUMNS: list[str] = [
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME",
    "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "MIN", "FGM", "FGA", "FG_PCT", "FG3M", "FG3A",
    "FG3_PCT", "FTM", "FTA", "FT_PCT", "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF",
    "PTS", "PLUS_MINUS", "FANTASY_PTS", "VIDEO_AVAILABLE", "SEASON",
]  # fmt: skip
_BOX_STATS: list[str] = [
    "fgm", "fga", "fg_pct", "fg3m", "fg3a", "fg3_pct", "ftm", "fta", "ft_pct",
    "oreb", "dreb", "reb", "ast", "stl", "blk", "tov", "pf", "plus_minus",
]  # fmt: skip
GAMES_COLUMNS: list[str] = [
    "game_id", "game_date", "season", "game_type", "neutral_site",
    "team_id_home", "team_abbreviation_home", "team_name_home",
    "team_id_road", "team_abbreviation_road", "team_name_road",
    "pts_home", "pts_road", "wl_home",
    *[f"{s}_home" for s in _BOX_STATS], *[f"{s}_road" for s in _BOX_STATS],
]  # fmt: skip
TEAMS_COLUMNS: list[str] = ["season", "team_id", "abbreviation", "name", "conference"]

# Invented franchises (ids 1..30 are not NBA.com ids; no abbreviation is an NBA one).
_TEAMS: list[tuple[str, str, str]] = [
    ("AVH", "Avalon Herons", "E"), ("BWF", "Brightwater Foxes", "E"),
    ("CRW", "Carrow Anchors", "E"), ("DUN", "Dunmore Stags", "E"),
    ("EPT", "Eastport Comets", "E"), ("FHV", "Fairhaven Owls", "E"),
    ("GLR", "Glenrock Miners", "E"), ("HBC", "Harbor City Gulls", "E"),
    ("IRW", "Ironwood Bears", "E"), ("JBS", "Juniper Bay Sharks", "E"),
    ("KBR", "Kingsbridge Royals", "E"), ("LKM", "Lakemont Otters", "E"),
    ("MRL", "Marlow Pilots", "E"), ("NGT", "Northgate Wolves", "E"),
    ("OKH", "Oakhurst Rams", "E"),
    ("PNC", "Pinecrest Eagles", "W"), ("QFR", "Quarry Falls Ravens", "W"),
    ("RDM", "Redmesa Coyotes", "W"), ("SLV", "Silverton Lynx", "W"),
    ("TMK", "Tamarack Elks", "W"), ("UMV", "Umber Valley Scorpions", "W"),
    ("VSP", "Verdant Springs Vipers", "W"), ("WHL", "Westhollow Mustangs", "W"),
    ("YPB", "Yellowpine Bison", "W"), ("ZPK", "Zephyr Point Kites", "W"),
    ("ASC", "Ashcombe Condors", "W"), ("BYM", "Baymoor Dolphins", "W"),
    ("CDR", "Cedar Ridge Pumas", "W"), ("DRW", "Driftwood Pirates", "W"),
    ("EMB", "Emberly Dragons", "W"),
]  # fmt: skip

_FIRST_NAMES = [
    "Aaron", "Adrian", "Alec", "Andre", "Ari", "Austin", "Beau", "Blake", "Brandon", "Caleb",
    "Cameron", "Carter", "Casey", "Cedric", "Cole", "Colin", "Damon", "Darius", "Dawson", "Dean",
    "Derek", "Devin", "Dominic", "Drew", "Eli", "Elias", "Emmett", "Evan", "Felix", "Gavin",
    "Grady", "Grant", "Hayden", "Hugo", "Isaac", "Isaiah", "Jalen", "Jamal", "Jared", "Jasper",
    "Jonah", "Jordan", "Julian", "Kai", "Keegan", "Kendall", "Kevin", "Kofi", "Landon", "Lamar",
    "Leon", "Luca", "Malik", "Marcus", "Mason", "Miles", "Nate", "Noel", "Omar", "Oscar", "Owen",
    "Quinn", "Reed", "Rhys", "Roman", "Rowan", "Sam", "Silas", "Terrence", "Theo", "Tobias",
    "Trent", "Tyrese", "Victor", "Wade", "Wesley", "Xavier", "Zane"
]  # fmt: skip
_LAST_NAMES = [
    "Abbott", "Alder", "Ambrose", "Ashby", "Baines", "Barlow", "Bishop", "Blackwell", "Bramley",
    "Brooks", "Calloway", "Carver", "Castell", "Chandler", "Colby", "Conway", "Crane", "Dalton",
    "Darrow", "Delaney", "Dorsey", "Easton", "Ellery", "Fairley", "Fenwick", "Fletcher", "Ford",
    "Garrison", "Gibbs", "Goodwin", "Hale", "Halloway", "Harlan", "Hartley", "Hawthorne",
    "Holloway", "Hurst", "Ingram", "Irving", "Jarrett", "Keane", "Kendrick", "Kingsley", "Lacey",
    "Langford", "Lowell", "Lyons", "Maddox", "Marsh", "Mercer", "Merritt", "Monroe", "Morrow",
    "Nash", "Norwood", "Oakley", "Ogden", "Osborne", "Pace", "Paxton", "Pell", "Prescott",
    "Quarles", "Radley", "Ramsey", "Redding", "Rhodes", "Rowe", "Sawyer", "Sexton", "Shaw",
    "Sinclair", "Slade", "Stroud", "Sutton", "Talbot", "Tatem", "Thorne", "Tolliver", "Upton",
    "Vance", "Vaughn", "Wakefield", "Walsh", "Warrick", "Weller", "Whitlock", "Winslow", "Wolfe",
    "Yardley", "Yates", "Yorke", "Zeller"
]  # fmt: skip

_PLAYER_ID_BASE = 9_000_000  # far above NBA.com player ids, so the two can never be confused
_ROSTER_SIZES = (14, 15)
# Scales every peak value; calibrated so that team strength has sd ~4.7 points and wins sd ~12,
# like the NBA's 2015-24 seasons (net rating sd 4.0-5.6, wins sd 10-14).
_PEAK_SCALE = 1.12
_INITIAL_DEAL_NOISE = 4.5  # sd of the value noise in the opening-season snake draft
_MIN_ROTATION = 8  # a team dresses at least this many; below it injured players play hurt
_MIN_HEALTHY = 12  # below this many healthy players a team signs a ten-day call-up
_TEN_DAY = 10
_N_CALLUPS = 40  # fringe players available for ten-day contracts each season
# Minutes by rotation rank (before noise and normalisation to 240) and how often each rank plays.
_TEMPLATE = np.array([33, 32, 31, 30, 28, 24, 22, 19, 14, 10, 6, 4, 2, 1.5] + [1.0] * 26)
_PLAYS = np.array([1.0] * 8 + [0.9, 0.7, 0.45, 0.25, 0.15, 0.1, 0.08] + [0.05] * 25)
_MINUTE_CAP = 44.0  # continuous cap before rounding; keeps stars under 48 in regulation
_REG_DAYS = 170  # target length of the regular season in days (real: ~170)
_HORIZON_AFTER_REGULAR = 110  # days simulated after the regular season for the postseason
# Per-player traits that shape box scores, not results (who shoots threes, who rebounds, ...).
_STYLE = (
    "stamina", "usage", "eff2", "eff3", "eft", "shoot3", "ftr", "reb", "ast", "stl", "blk",
    "tov", "pf", "pos",
)  # fmt: skip
_PCT = np.array([repr(i / 1000) for i in range(1001)], dtype=object)  # "0.4", "0.333", "1.0"


@dataclass(frozen=True)
class SynthSummary:
    out_dir: Path
    seasons: list[str]
    n_games: int  # all games written, postseason included
    n_player_rows: int
    files: list[Path]


def age_curve(age: np.ndarray | float) -> np.ndarray:
    """Ability relative to a player's peak at a given age: rises to 27, flat to 29, then falls."""
    a = np.asarray(age, dtype=float)
    return np.where(
        a < 27.0, -0.085 * (27.0 - a) ** 2, np.where(a > 29.0, -0.075 * (a - 29.0) ** 2, 0.0)
    )


# --------------------------------------------------------------------------------------------
# Players


class _Pool:
    """Every player ever created, as parallel arrays indexed by row (row k has id BASE + k + 1)."""

    _FLOAT = (
        "o_peak", "d_peak", "o_rw", "d_rw", "pos", "stamina", "prone", "usage", "eff2", "eff3",
        "eft", "shoot3", "ftr", "reb", "ast", "stl", "blk", "tov", "pf",
    )  # fmt: skip

    def __init__(self) -> None:
        self.a: dict[str, np.ndarray] = {k: np.empty(0) for k in self._FLOAT}
        self.a["age"] = np.empty(0, dtype=np.int64)
        self.a["team"] = np.empty(0, dtype=np.int64)  # -1 = not on a roster
        self.names: list[str] = []
        self._used: set[str] = set()

    def __len__(self) -> int:
        return len(self.names)

    @property
    def pid(self) -> np.ndarray:
        return _PLAYER_ID_BASE + 1 + np.arange(len(self), dtype=np.int64)

    def abilities(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(offense, defense) before the season's centring; offense carries most of the arc."""
        c = age_curve(self.a["age"][rows])
        o = self.a["o_peak"][rows] + 0.7 * c + self.a["o_rw"][rows]
        d = self.a["d_peak"][rows] + 0.3 * c + self.a["d_rw"][rows]
        return o, d

    def add(self, rng: np.random.Generator, age: np.ndarray, v_peak: np.ndarray) -> np.ndarray:
        """Create players with given ages and peak value (o + d at peak); returns their rows."""
        n = len(age)
        v_peak = _PEAK_SCALE * np.asarray(v_peak, dtype=float)
        split = rng.normal(0.0, 1.2, n)  # scorers vs stoppers with the same overall value
        pos = rng.beta(1.5, 1.5, n)  # 0 = ball-handling guard ... 1 = rim-protecting big

        def ln(sd: float) -> np.ndarray:
            return np.exp(rng.normal(0.0, sd, n))

        new = {
            "o_peak": 0.65 * v_peak + split,
            "d_peak": 0.35 * v_peak - split,
            "o_rw": np.zeros(n),
            "d_rw": np.zeros(n),
            "pos": pos,
            "stamina": ln(0.08),
            "prone": ln(0.5),
            "usage": rng.normal(0.0, 0.25, n),
            "eff2": ln(0.06),
            "eff3": ln(0.10),
            "eft": ln(0.12),
            "shoot3": (1.7 - 1.5 * pos) * ln(0.35),
            "ftr": (0.6 + 0.8 * pos) * ln(0.3),
            "reb": (0.35 + 1.6 * pos) * ln(0.2),
            "ast": (1.9 - 1.6 * pos) * ln(0.35),
            "stl": (1.1 - 0.4 * pos) * ln(0.3),
            "blk": (0.15 + 2.2 * pos**2) * ln(0.4),
            "tov": ln(0.2),
            "pf": (0.8 + 0.4 * pos) * ln(0.2),
            "age": np.asarray(age, dtype=np.int64),
            "team": np.full(n, -1, dtype=np.int64),
        }
        start = len(self)
        for k, v in new.items():
            self.a[k] = np.concatenate([self.a[k], v])
        for _ in range(n):
            self.names.append(self._new_name(rng))
        return np.arange(start, start + n)

    def _new_name(self, rng: np.random.Generator) -> str:
        for attempt in range(200):
            first = _FIRST_NAMES[rng.integers(len(_FIRST_NAMES))]
            name = f"{first} {_LAST_NAMES[rng.integers(len(_LAST_NAMES))]}"
            if attempt >= 50:  # the name space is filling up: generational suffixes keep it unique
                name += " " + ("Jr.", "II", "III", "IV")[attempt % 4]
            if name not in self._used:
                self._used.add(name)
                return name
        name = f"Player {len(self) + 1}"
        self._used.add(name)
        return name


def _draw_peaks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Peak o + d of rostered-calibre players: centred, sd ~2.7, a long right tail of stars."""
    return 1.5 * (rng.gamma(2.0, 1.0, n) - 2.0) + 1.6 * rng.normal(0.0, 1.0, n)


def _initial_league(rng: np.random.Generator, pool: _Pool, n_teams: int) -> None:
    sizes = rng.choice(_ROSTER_SIZES, n_teams)
    n = int(sizes.sum())
    ages = np.minimum(19 + np.floor(rng.gamma(2.5, 2.4, n)), 39)
    rows = pool.add(rng, ages, _draw_peaks(rng, n))
    # Careers so far have left a random walk behind; older players have wandered further.
    years = np.maximum(ages - 20, 0)
    pool.a["o_rw"][rows] = rng.normal(0.0, 0.5, n) * np.sqrt(years)
    pool.a["d_rw"][rows] = rng.normal(0.0, 0.3, n) * np.sqrt(years)
    # Deal players out in a snake draft on a noisy view of their value: random enough that some
    # teams are stacked and some are not, but without the extra spread of pure chance.
    o, d = pool.abilities(rows)
    by_value = rows[np.argsort(-(o + d + rng.normal(0.0, _INITIAL_DEAL_NOISE, n)), kind="stable")]
    perm = rng.permutation(n_teams)
    slots = [
        t
        for k in range(int(sizes.max()))
        for t in (perm if k % 2 == 0 else perm[::-1])
        if sizes[t] > k
    ]
    pool.a["team"][by_value] = np.array(slots, dtype=np.int64)


def _offseason(rng: np.random.Generator, pool: _Pool, win_pct: np.ndarray) -> None:
    """Age a year, retire, draft, free agency: rosters change between seasons like real ones."""
    a = pool.a
    n_teams = len(win_pct)
    on = np.flatnonzero(a["team"] >= 0)
    a["age"][on] += 1
    a["o_rw"][on] += rng.normal(0.0, 0.55, len(on))
    a["d_rw"][on] += rng.normal(0.0, 0.35, len(on))
    o, d = pool.abilities(on)
    v = o + d
    age = a["age"][on]
    p_retire = 0.01 + 1.0 / (1.0 + np.exp(-(age - 35.0) / 1.2))
    p_retire = np.where((v < -4.0) & (age >= 24), np.maximum(p_retire, 0.6), p_retire)
    retire = rng.random(len(on)) < p_retire
    a["team"][on[retire]] = -1
    stay = on[~retire]
    released = stay[rng.random(len(stay)) < 0.2]
    a["team"][released] = -1

    # Draft: two rounds, worst record first; early picks have higher (but uncertain) peaks.
    order = np.lexsort((rng.random(n_teams), win_pct))
    n_picks = 2 * n_teams
    pick = np.arange(n_picks)
    r_age = 19 + rng.choice(4, n_picks, p=[0.35, 0.3, 0.2, 0.15])
    r_peak = 3.0 * np.exp(-pick / 10.0) - 1.0 + 0.8 * (rng.gamma(2.0, 1.0, n_picks) - 2.0)
    r_peak += 1.8 * rng.normal(0.0, 1.0, n_picks)
    rookies = pool.add(rng, r_age, r_peak)
    a["team"][rookies] = np.concatenate([order, order])

    # Journeymen join the free-agent pool so that every roster can be filled.
    n_j = 25
    j_rows = pool.add(rng, rng.integers(22, 31, n_j), -1.5 + 1.5 * rng.normal(0.0, 1.0, n_j))
    pool.a["o_rw"][j_rows] = rng.normal(0.0, 0.8, n_j)

    free = list(np.concatenate([released, j_rows]))
    o_all, d_all = pool.abilities(np.arange(len(pool)))
    perceived = o_all + d_all + rng.normal(0.0, 1.0, len(pool))
    target = rng.choice(_ROSTER_SIZES, n_teams)
    for t in range(n_teams):  # over-full rosters waive their weakest players
        members = np.flatnonzero(a["team"] == t)
        if len(members) > target[t]:
            cut = members[np.argsort(perceived[members], kind="stable")[: len(members) - target[t]]]
            a["team"][cut] = -1
            free.extend(cut)
    free_arr = np.array(sorted(set(int(x) for x in free)), dtype=np.int64)
    free_arr = free_arr[np.argsort(-perceived[free_arr], kind="stable")]
    counts = np.bincount(a["team"][a["team"] >= 0], minlength=n_teams)
    k = 0
    while (counts < target).any():  # the neediest teams sign the best free agents left
        if k >= len(free_arr):
            extra = pool.add(rng, rng.integers(22, 31, 10), -2.0 + 1.5 * rng.normal(0.0, 1.0, 10))
            free_arr = np.concatenate([free_arr, extra])
        needy = np.flatnonzero(counts < target)
        t = needy[rng.integers(len(needy))]
        a["team"][free_arr[k]] = t
        counts[t] += 1
        k += 1


# --------------------------------------------------------------------------------------------
# Schedule


def _season_start(year: int) -> date:
    """Opening night: the Tuesday between Oct 20 and Oct 26."""
    d = date(year, 10, 20)
    return d + timedelta(days=(1 - d.weekday()) % 7)


def _regular_pairs(rng: np.random.Generator, conferences: list[np.ndarray]) -> np.ndarray:
    """The 1,230 (home, road) games: 2 vs each other-conference team, 4 or 3 vs own conference.

    Each team plays 10 conference rivals 4 times (2 home) and 4 rivals 3 times; the 3-game pairs
    form a circulant graph (i ~ i+1, i+2 mod 15) where i hosts i+1 and i+2 twice, so everyone
    hosts exactly 2 of their 4 three-game series twice: 15 + 20 + 6 = 41 home games.
    """
    east, west = conferences
    games: list[tuple[int, int]] = []
    for a in east:
        for b in west:
            games += [(int(a), int(b)), (int(b), int(a))]
    for conf in conferences:
        perm = rng.permutation(conf)
        n = len(perm)
        hosts_twice = {}
        for i in range(n):
            for step in (1, 2):
                hosts_twice[frozenset((int(perm[i]), int(perm[(i + step) % n])))] = int(perm[i])
        for i in range(n):
            for j in range(i + 1, n):
                a, b = int(perm[i]), int(perm[j])
                h = hosts_twice.get(frozenset((a, b)))
                if h is None:
                    games += [(a, b), (b, a), (a, b), (b, a)]
                else:
                    r = b if h == a else a
                    games += [(h, r), (h, r), (r, h)]
    return np.array(games, dtype=np.int64)


def _schedule_dates(
    rng: np.random.Generator, pairs: np.ndarray, n_teams: int, breaks: set[int]
) -> np.ndarray:
    """A day for every game: nobody twice a day or three days running, everyone kept on pace.

    Greedy day by day: games whose teams are furthest behind an even pace go first, a team that
    played yesterday is a little less preferred (back-to-backs happen, but not constantly), and
    the day's number of games follows the pace needed to finish in ~170 days.
    """
    n = len(pairs)
    day_of = np.full(n, -1, dtype=np.int64)
    remaining = rng.permutation(n)
    left = np.bincount(pairs.ravel(), minlength=n_teams).astype(float)
    per_team = left.copy()
    played = np.zeros((0, n_teams), dtype=bool)
    day = 0
    while len(remaining):
        today = np.zeros(n_teams, dtype=bool)
        if day not in breaks:
            days_left = max(1, sum(1 for x in range(day, _REG_DAYS) if x not in breaks))
            cap = max(2, int(round(len(remaining) / days_left * rng.uniform(0.6, 1.4))))
            if day >= _REG_DAYS:
                cap = n_teams // 2
            frac_left = max(0.0, 1.0 - day / _REG_DAYS)
            behind = left - per_team * frac_left
            yest = played[day - 1] if day >= 1 else np.zeros(n_teams, dtype=bool)
            two = (played[day - 1] & played[day - 2]) if day >= 2 else np.zeros(n_teams, dtype=bool)
            h, r = pairs[remaining, 0], pairs[remaining, 1]
            prio = behind[h] + behind[r] - 1.5 * (yest[h] + yest[r]) + rng.random(len(remaining))
            chosen = []
            for k in np.argsort(-prio, kind="stable"):
                a, b = h[k], r[k]
                if today[a] or today[b] or two[a] or two[b]:
                    continue
                today[a] = today[b] = True
                chosen.append(k)
                if len(chosen) >= cap:
                    break
            if chosen:
                sel = np.array(chosen)
                day_of[remaining[sel]] = day
                np.subtract.at(left, pairs[remaining[sel]].ravel(), 1.0)
                remaining = np.delete(remaining, sel)
        played = np.vstack([played, today])
        day += 1
    return day_of


# --------------------------------------------------------------------------------------------
# Season state: rosters by day, injuries, rotations


@dataclass
class _Era:
    """League-wide scoring environment of a season (scoring and threes rose through the 2010s)."""

    pts: float
    fg3a: float
    fg3_pct: float
    fg2_pct: float
    fta: float
    ft_pct: float

    @classmethod
    def of(cls, year: int) -> _Era:
        k = year - 2015
        return cls(
            pts=float(np.clip(102.0 + 1.7 * k, 96.0, 118.0)),
            fg3a=float(np.clip(24.1 + 1.45 * k, 18.0, 36.0)),
            fg3_pct=0.355,
            fg2_pct=float(np.clip(0.49 + 0.0085 * k, 0.46, 0.57)),
            fta=23.4,
            ft_pct=0.77,
        )


@dataclass
class _Season:
    """One season's players (local index i = pool row rows[i]) and their day-by-day situation."""

    rows: np.ndarray
    o: np.ndarray
    d: np.ndarray
    style: dict[str, np.ndarray]
    rot: np.ndarray  # (days, teams, R) local player index by rotation rank, -1 = empty
    era: _Era
    cfg: SynthSection


def _injuries(
    rng: np.random.Generator, hazard: np.ndarray, n_days: int, burn_in: int = 30
) -> np.ndarray:
    """avail[player, day]: injuries start at a daily hazard and last a heavy-tailed spell."""
    n = len(hazard)
    out_left = np.zeros(n, dtype=np.int64)
    avail = np.ones((n, n_days), dtype=bool)
    for day in range(-burn_in, n_days):
        new = (out_left == 0) & (rng.random(n) < hazard)
        if new.any():
            out_left[new] = np.ceil(np.exp(rng.normal(1.4, 1.15, int(new.sum())))).astype(np.int64)
        if day >= 0:
            avail[:, day] = out_left == 0
        out_left = np.maximum(out_left - 1, 0)
    return avail


def _ten_day_contracts(
    rng: np.random.Generator,
    team_of: np.ndarray,
    avail: np.ndarray,
    callups: np.ndarray,
    last_day: int,
    n_teams: int,
) -> None:
    """Teams short of healthy players sign a call-up for ten days (in place; twice at most each).

    This is why real teams use 17-20 players a season; the call-ups also make injury stretches
    visible in who plays, not only in how the minutes are shared.
    """
    signed = np.zeros(len(callups), dtype=np.int64)
    for day in range(last_day + 1):
        on = team_of[:, day]
        counts = np.bincount(on[(on >= 0) & avail[:, day]], minlength=n_teams)
        for t in np.flatnonzero(counts < _MIN_HEALTHY):
            ok = np.flatnonzero((team_of[callups, day] < 0) & avail[callups, day] & (signed < 2))
            if not len(ok):
                break
            k = ok[rng.integers(len(ok))]
            signed[k] += 1
            team_of[callups[k], day : min(day + _TEN_DAY, last_day + 1)] = t


def _rotations(
    team_of: np.ndarray, avail: np.ndarray, value: np.ndarray, n_teams: int
) -> np.ndarray:
    """rot[day, team, rank]: healthy players by the coach's value, topped up to 8 with the hurt."""
    p_idx, d_idx = np.nonzero(team_of >= 0)
    t_idx = team_of[p_idx, d_idx]
    healthy = avail[p_idx, d_idx]
    order = np.lexsort((-value[p_idx], ~healthy, t_idx, d_idx))
    p_s, d_s, t_s, h_s = p_idx[order], d_idx[order], t_idx[order], healthy[order]
    key = d_s * n_teams + t_s
    first = np.r_[True, key[1:] != key[:-1]]
    grp = np.cumsum(first) - 1
    pos = np.arange(len(key)) - np.flatnonzero(first)[grp]
    n_healthy = np.bincount(grp, weights=h_s).astype(np.int64)
    size = np.bincount(grp)
    n_play = np.maximum(n_healthy, np.minimum(_MIN_ROTATION, size))
    keep = pos < n_play[grp]
    r = int(n_play.max())
    rot = np.full((team_of.shape[1], n_teams, r), -1, dtype=np.int64)
    rot[d_s[keep], t_s[keep], pos[keep]] = p_s[keep]
    return rot


def _fill_minutes(w: np.ndarray, total: float | np.ndarray, cap: float | np.ndarray) -> np.ndarray:
    """Share each row's total minutes in proportion to w with nobody above cap."""
    total = np.broadcast_to(np.asarray(total, dtype=float), (w.shape[0],))[:, None]
    cap = np.broadcast_to(np.asarray(cap, dtype=float), (w.shape[0],))[:, None]
    m = w / w.sum(axis=1, keepdims=True) * total
    for _ in range(6):
        over = m > cap + 1e-9
        if not over.any():
            break
        excess = np.where(over, m - cap, 0.0).sum(axis=1, keepdims=True)
        m = np.minimum(m, cap)
        room = np.where(m < cap - 1e-9, w, 0.0)
        s = room.sum(axis=1, keepdims=True)
        m = m + np.divide(excess * room, s, out=np.zeros_like(m), where=s > 0)
    return m


def _expected_minutes(season: _Season, rot_rows: np.ndarray) -> np.ndarray:
    """The minutes the coach plans for each rank of a rotation: template x how often it plays."""
    valid = rot_rows >= 0
    r = rot_rows.shape[1]
    stamina = season.style["stamina"][np.maximum(rot_rows, 0)]
    w = np.where(valid, _TEMPLATE[:r] * _PLAYS[:r] * stamina, 0.0)
    return _fill_minutes(w, 240.0, _MINUTE_CAP)


def _strength(season: _Season, rot_rows: np.ndarray) -> np.ndarray:
    """Uncentred strength S of rotations (rows): planned-minutes-weighted o + d, per 48 minutes."""
    m = _expected_minutes(season, rot_rows)
    v = (season.o + season.d)[np.maximum(rot_rows, 0)]
    return (m / 48.0 * np.where(rot_rows >= 0, v, 0.0)).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Games


@dataclass
class _Games:
    """A batch of simulated games; per-side arrays have rows 2g (home) and 2g+1 (road)."""

    home: np.ndarray
    road: np.ndarray
    day: np.ndarray
    pts: np.ndarray  # (2G,)
    idx: np.ndarray  # (2G, R) local player index, -1 = empty
    played: np.ndarray  # (2G, R)
    stats: dict[str, np.ndarray]  # (2G, R) int per player: MIN, FGM, ..., PLUS_MINUS

    def take(self, keep: np.ndarray) -> _Games:
        g = np.flatnonzero(keep)
        s = np.stack([2 * g, 2 * g + 1], axis=1).ravel()
        return _Games(
            self.home[g],
            self.road[g],
            self.day[g],
            self.pts[s],
            self.idx[s],
            self.played[s],
            {k: v[s] for k, v in self.stats.items()},
        )


def _round_preserving_sum(x: np.ndarray, total: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Integers per row that sum to ``total`` and differ from x by < 1 (largest remainders)."""
    x = np.where(mask, x, 0.0)
    f = np.floor(x)
    deficit = np.rint(total - f.sum(axis=1)).astype(np.int64)
    frac = np.where(mask, x - f, -1.0)
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(x.shape[1])[None, :].repeat(x.shape[0], 0), axis=1)
    return (f + (ranks < deficit[:, None])).astype(np.int64)


def _share(rng: np.random.Generator, n: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Split each row's count n among its players in proportion to w (multinomial)."""
    p = w / w.sum(axis=1, keepdims=True)
    out = rng.multinomial(n, p)
    # Float rounding can leave a ~1e-16 chance on an empty slot; such a count goes to the
    # rotation's first player instead.
    stray = np.where(w > 0, 0, out).sum(axis=1)
    out = np.where(w > 0, out, 0)
    out[:, 0] += stray
    return out


def _simulate_games(
    rng: np.random.Generator, season: _Season, home: np.ndarray, road: np.ndarray, day: np.ndarray
) -> _Games:
    """Simulate games from the players who play them; see the module docstring for the model."""
    cfg, era, st = season.cfg, season.era, season.style
    g = len(home)
    teams = np.stack([home, road], axis=1).ravel()  # (2G,)
    days = np.repeat(day, 2)
    idx = season.rot[days, teams]  # (2G, R)
    s, r = idx.shape
    valid = idx >= 0
    safe = np.maximum(idx, 0)
    n_valid = valid.sum(axis=1, keepdims=True)
    rank = np.arange(r)[None, :]
    plays = valid & (
        (rank < _MIN_ROTATION) | (rng.random((s, r)) < _PLAYS[:r]) | (n_valid <= _MIN_ROTATION)
    )
    w = np.where(
        plays, _TEMPLATE[:r] * st["stamina"][safe] * np.exp(rng.normal(0.0, 0.15, (s, r))), 0.0
    )
    m240 = _fill_minutes(w, 240.0, _MINUTE_CAP)
    off = (m240 / 48.0 * season.o[safe] * plays).sum(axis=1)
    dfn = (m240 / 48.0 * season.d[safe] * plays).sum(axis=1)
    opp = np.arange(s) ^ 1
    side_sign = np.where(np.arange(s) % 2 == 0, 0.5, -0.5)
    mu = era.pts + side_sign * cfg.home_advantage + off - dfn[opp]
    pace = np.repeat(rng.normal(0.0, cfg.pace_sd, g), 2)
    pts = np.maximum(np.rint(mu + pace + rng.normal(0.0, cfg.team_noise_sd, s)), 60).astype(
        np.int64
    )
    n_ot = np.zeros(g, dtype=np.int64)
    f = 5.0 / 48.0
    for _ in range(30):  # overtime periods until every game has a winner
        tied = np.flatnonzero(pts[0::2] == pts[1::2])
        if not len(tied):
            break
        rows = np.stack([2 * tied, 2 * tied + 1], axis=1).ravel()
        extra = np.rint(mu[rows] * f + rng.normal(0.0, cfg.team_noise_sd * np.sqrt(f), len(rows)))
        pts[rows] += np.maximum(extra, 0).astype(np.int64)
        n_ot[tied] += 1
    still = np.flatnonzero(pts[0::2] == pts[1::2])  # 30 tied overtimes: never seen, but be total
    pts[2 * still] += 1

    total_min = np.repeat(240 + 25 * n_ot, 2)
    m = m240 * (total_min / 240.0)[:, None]
    minutes = _round_preserving_sum(m, total_min, plays)

    box = _team_box(rng, pts, era)
    u = np.exp(0.16 * season.o[safe] + st["usage"][safe]) * m * plays
    pos = st["pos"][safe]
    sw2, sw3 = u * (0.7 + 0.6 * pos), u * st["shoot3"][safe]
    swf = u * st["ftr"][safe]
    e2 = st["eff2"][safe] * np.exp(0.03 * season.o[safe])
    e3, ef = st["eff3"][safe], st["eft"][safe]
    mp = m * plays
    fg2m = _share(rng, box["fg2m"], sw2 * e2)
    fg2x = _share(rng, box["fg2x"], sw2 / e2)
    fg3m = _share(rng, box["fg3m"], sw3 * e3)
    fg3x = _share(rng, box["fg3x"], sw3 / e3)
    ftm = _share(rng, box["ftm"], swf * ef)
    ftx = _share(rng, box["ftx"], swf / ef)
    oreb = _share(rng, box["oreb"], mp * st["reb"][safe] * (0.3 + 1.4 * pos))
    dreb = _share(rng, box["dreb"], mp * st["reb"][safe])
    stats = {
        "MIN": minutes,
        "FGM": fg2m + fg3m,
        "FGA": fg2m + fg2x + fg3m + fg3x,
        "FG3M": fg3m,
        "FG3A": fg3m + fg3x,
        "FTM": ftm,
        "FTA": ftm + ftx,
        "OREB": oreb,
        "DREB": dreb,
        "REB": oreb + dreb,
        "AST": _share(rng, box["ast"], mp * st["ast"][safe]),
        "STL": _share(rng, box["stl"], mp * st["stl"][safe]),
        "BLK": _share(rng, box["blk"], mp * st["blk"][safe]),
        "TOV": _share(rng, box["tov"], u * st["tov"][safe]),
        "PF": np.minimum(_share(rng, box["pf"], mp * st["pf"][safe]), 6),  # six fouls and out
    }
    stats["PTS"] = 2 * fg2m + 3 * fg3m + ftm
    margin = pts - pts[opp]
    share = m / m.sum(axis=1, keepdims=True)
    noise = rng.normal(0.0, 9.0, (s, r)) * np.sqrt(m / 48.0) * plays
    noise -= noise.sum(axis=1, keepdims=True) * share
    # What he adds while on the floor against the teammates he replaces: sums to 0 a side.
    net = (season.o + season.d)[safe]
    on_floor = m / 48.0 * (net - (share * net).sum(axis=1, keepdims=True)) * plays
    stats["PLUS_MINUS"] = _round_preserving_sum(
        5 * margin[:, None] * share + on_floor + noise, 5 * margin, plays
    )
    return _Games(home, road, day, pts, idx, plays, stats)


def _team_box(rng: np.random.Generator, pts: np.ndarray, era: _Era) -> dict[str, np.ndarray]:
    """Team counts that add up to each side's points: FT + 3 * 3PM + 2 * 2PM == pts exactly."""
    s = len(pts)
    opp = np.arange(s) ^ 1
    scale = pts / era.pts
    fta = rng.poisson(era.fta * np.sqrt(scale))
    ftm = np.minimum(rng.binomial(fta, era.ft_pct), pts)
    fg3a = rng.poisson(np.full(s, era.fg3a))
    fg3m = rng.binomial(fg3a, np.clip(era.fg3_pct * scale, 0.05, 0.8))
    fg3m = np.minimum(fg3m, (pts - ftm) // 3)
    odd = (pts - ftm - 3 * fg3m) % 2 == 1
    up = odd & (ftm < fta)  # one more free throw made ...
    down = odd & ~up & (ftm > 0)  # ... or one fewer ...
    extra = odd & ~up & ~down  # ... or, with no attempts at all, an and-one
    ftm = ftm + up - down + extra
    fta = fta + extra
    fg2m = (pts - ftm - 3 * fg3m) // 2
    fg2x = rng.poisson(fg2m * (1.0 - era.fg2_pct) / era.fg2_pct)
    fg3x = fg3a - fg3m
    misses = fg2x + fg3x
    oreb = rng.binomial(misses, 0.225)
    dreb = rng.binomial(np.maximum(misses[opp] - oreb[opp], 0), 0.92)
    stl = rng.poisson(7.5, s)
    return {
        "fg2m": fg2m,
        "fg2x": fg2x,
        "fg3m": fg3m,
        "fg3x": fg3x,
        "ftm": ftm,
        "ftx": fta - ftm,
        "oreb": oreb,
        "dreb": dreb,
        "ast": rng.binomial(fg2m + fg3m, 0.6),
        "stl": stl,
        "blk": rng.binomial(fg2m[opp] + fg2x[opp], 0.08),
        "tov": np.maximum(rng.poisson(13.5, s), stl[opp]),  # every steal is someone's turnover
        "pf": rng.poisson(0.5 * fta[opp] + 8.5),
    }


# --------------------------------------------------------------------------------------------
# Standings and postseason


def _standings_key(wins: np.ndarray, diff: np.ndarray, lottery: np.ndarray) -> np.ndarray:
    """Rank of every team by record (0 = best): wins, then point differential, then a coin."""
    order = np.lexsort((lottery, -diff, -wins))
    rank = np.empty(len(wins), dtype=np.int64)
    rank[order] = np.arange(len(wins))
    return rank


def _play_series(
    rng: np.random.Generator,
    season: _Season,
    pairs: list[tuple[int, int]],
    starts: list[int],
    round_no: int,
    first_series: int,
) -> tuple[list[_Games], list[tuple[str, int, int]], list[int], list[int]]:
    """Best-of-seven series (better record first: 2-2-1-1-1); returns games, ids, winners, ends."""
    home, road, day, ids = [], [], [], []
    for k, ((hi, lo), start) in enumerate(zip(pairs, starts, strict=True)):
        gaps = rng.choice([1, 2, 2, 2, 3], 6)
        days = start + np.r_[0, np.cumsum(gaps)]
        for game in range(7):
            h = hi if game in (0, 1, 4, 6) else lo
            home.append(h)
            road.append(lo if h == hi else hi)
            day.append(int(days[game]))
            ids.append((round_no, first_series + k, game + 1))
    games = _simulate_games(rng, season, np.array(home), np.array(road), np.array(day))
    hwin = games.pts[0::2] > games.pts[1::2]
    winner_of_game = np.where(hwin, games.home, games.road)
    keep = np.zeros(len(home), dtype=bool)
    winners, ends = [], []
    for k, (hi, lo) in enumerate(pairs):
        w = winner_of_game[7 * k : 7 * k + 7]
        wins_hi = np.cumsum(w == hi)
        wins_lo = np.cumsum(w == lo)
        last = int(np.flatnonzero((wins_hi == 4) | (wins_lo == 4))[0])
        keep[7 * k : 7 * k + last + 1] = True
        winners.append(hi if wins_hi[last] == 4 else lo)
        ends.append(day[7 * k + last])
    kept_ids = [i for i, k in zip(ids, keep, strict=True) if k]
    return [games.take(keep)], kept_ids, winners, ends


# --------------------------------------------------------------------------------------------
# One season


@dataclass
class _SeasonResult:
    season: _Season
    start: date
    games: list[_Games]
    kinds: list[str]  # game_type per batch
    ids: list[list[str]]  # game ids per batch
    win_pct: np.ndarray
    strength_days: np.ndarray
    strength: np.ndarray  # (n_days, teams)
    in_league: np.ndarray  # (players,) bool: on some roster at some point of the season


def _simulate_season(
    rng: np.random.Generator, pool: _Pool, year: int, cfg: SynthSection
) -> _SeasonResult:
    n_teams = cfg.n_teams
    yy = f"{year % 100:02d}"
    start = _season_start(year)
    conferences = [np.arange(n_teams // 2), np.arange(n_teams // 2, n_teams)]

    # Regular-season schedule.
    pairs = _regular_pairs(rng, conferences)
    brk0 = (date(year + 1, 2, 15) - start).days
    breaks = set(range(brk0, brk0 + 6))  # All-Star break
    day_of = _schedule_dates(rng, pairs, n_teams, breaks)
    n_days = int(day_of.max()) + 1 + _HORIZON_AFTER_REGULAR

    # Players on rosters at opening night plus this season's call-up candidates, their abilities
    # and the coaches' view of them.
    rostered = np.flatnonzero(pool.a["team"] >= 0)
    calls = pool.add(
        rng, rng.integers(21, 29, _N_CALLUPS), -2.5 + 1.2 * rng.normal(0.0, 1.0, _N_CALLUPS)
    )
    rows = np.concatenate([rostered, calls])
    n = len(rows)
    o, d = pool.abilities(rows)
    perceived = o + d + rng.normal(0.0, 0.7, n)
    style = {k: pool.a[k][rows] for k in _STYLE}
    team_of = np.repeat(pool.a["team"][rows][:, None], n_days, axis=1)

    # Mid-season trades: two teams swap rotation players (not their top two).
    last_reg = int(day_of.max())
    n_trades = int(rng.poisson(cfg.trades_per_season))
    trade_days = np.sort(rng.integers(int(0.25 * last_reg), int(0.65 * last_reg), n_trades))
    for tday in trade_days:
        a_t, b_t = rng.choice(n_teams, 2, replace=False)
        movers = []
        for t in (a_t, b_t):
            members = np.flatnonzero(team_of[:, tday] == t)
            members = members[np.argsort(-perceived[members], kind="stable")]
            pick_from = members[2:12] if len(members) > 4 else members
            movers.append(int(pick_from[rng.integers(len(pick_from))]))
        team_of[movers[0], tday:] = b_t
        team_of[movers[1], tday:] = a_t

    age = pool.a["age"][rows]
    hazard = (
        0.0075 * cfg.injury_rate * pool.a["prone"][rows] * (1.0 + 0.06 * np.clip(age - 29, 0, None))
    )
    avail = _injuries(rng, np.minimum(hazard, 0.2), n_days)
    _ten_day_contracts(rng, team_of, avail, np.arange(len(rostered), n), last_reg, n_teams)
    rot = _rotations(team_of, avail, perceived, n_teams)
    season = _Season(rows, o, d, style, rot, _Era.of(year), cfg)

    # Centre abilities so that the average team's offense and defense are zero on opening night.
    m0 = _expected_minutes(season, rot[0])
    w0 = np.where(rot[0] >= 0, m0 / 48.0, 0.0)
    safe0 = np.maximum(rot[0], 0)
    season.o = o - (w0 * o[safe0]).sum() / w0.sum()
    season.d = d - (w0 * d[safe0]).sum() / w0.sum()

    # Regular season: game ids in date order.
    order = np.lexsort((rng.random(len(pairs)), day_of))
    pairs, day_of = pairs[order], day_of[order]
    reg = _simulate_games(rng, season, pairs[:, 0], pairs[:, 1], day_of)
    batches, kinds = [reg], ["regular_season"]
    ids = [[f"002{yy}{k + 1:05d}" for k in range(len(pairs))]]

    hw = reg.pts[0::2] > reg.pts[1::2]
    wins = np.bincount(np.where(hw, reg.home, reg.road), minlength=n_teams)
    diff = np.bincount(reg.home, weights=reg.pts[0::2] - reg.pts[1::2], minlength=n_teams)
    diff -= np.bincount(reg.road, weights=reg.pts[0::2] - reg.pts[1::2], minlength=n_teams)
    games_played = np.bincount(pairs.ravel(), minlength=n_teams)
    rank = _standings_key(wins, diff, rng.random(n_teams))
    seeds = [conf[np.argsort(rank[conf], kind="stable")] for conf in conferences]

    # Play-in: 7 hosts 8 (winner is the 7 seed), 9 hosts 10, loser of 7v8 hosts winner of 9v10.
    pi0 = last_reg + 3
    first = [(int(s[6]), int(s[7])) for s in seeds]
    second = [(int(s[8]), int(s[9])) for s in seeds]
    r1 = _simulate_games(
        rng,
        season,
        np.array([first[0][0], second[0][0], first[1][0], second[1][0]]),
        np.array([first[0][1], second[0][1], first[1][1], second[1][1]]),
        np.array([pi0, pi0 + 1, pi0, pi0 + 1]),
    )
    w1 = np.where(r1.pts[0::2] > r1.pts[1::2], r1.home, r1.road)
    l1 = np.where(r1.pts[0::2] > r1.pts[1::2], r1.road, r1.home)
    r2 = _simulate_games(
        rng,
        season,
        np.array([l1[0], l1[2]]),
        np.array([w1[1], w1[3]]),
        np.array([pi0 + 3, pi0 + 3]),
    )
    w2 = np.where(r2.pts[0::2] > r2.pts[1::2], r2.home, r2.road)
    batches += [r1, r2]
    kinds += ["play_in", "play_in"]
    ids += [[f"005{yy}001{k}1" for k in range(4)], [f"005{yy}002{k}1" for k in range(2)]]
    bracket = []
    for c in range(2):
        s = seeds[c]
        eight = [
            int(s[0]),
            int(s[1]),
            int(s[2]),
            int(s[3]),
            int(s[4]),
            int(s[5]),
            int(w1[2 * c]),
            int(w2[c]),
        ]
        bracket.append(eight)

    # Playoffs: 1v8, 4v5, 3v6, 2v7 in each conference; home court to the better record.
    def order_pair(a: int, b: int) -> tuple[int, int]:
        return (a, b) if rank[a] < rank[b] else (b, a)

    alive = []
    for c in range(2):
        b = bracket[c]
        alive += [
            order_pair(b[0], b[7]),
            order_pair(b[3], b[4]),
            order_pair(b[2], b[5]),
            order_pair(b[1], b[6]),
        ]
    starts = [pi0 + 5] * len(alive)
    for round_no in (1, 2, 3, 4):
        games, gids, winners, ends = _play_series(rng, season, alive, starts, round_no, 0)
        batches += games
        kinds.append("playoffs")
        ids.append([f"004{yy}00{r}{sr}{gm}" for r, sr, gm in gids])
        if round_no == 4:
            break
        alive = [order_pair(winners[2 * k], winners[2 * k + 1]) for k in range(len(winners) // 2)]
        rest = 3 if round_no == 3 else 2
        starts = [max(ends[2 * k], ends[2 * k + 1]) + rest for k in range(len(alive))]

    # Truth: strength on every date with a game, for every team.
    game_days = np.unique(np.concatenate([b.day for b in batches]))
    if game_days.max() >= n_days:
        raise RuntimeError("postseason ran past the simulated horizon")
    rot_rows = rot[game_days].reshape(len(game_days) * n_teams, -1)
    raw = _strength(season, rot_rows).reshape(len(game_days), n_teams)
    strength = raw - raw.mean(axis=1, keepdims=True)
    pool.a["team"][rows] = team_of[:, -1]  # traded players stay where they were traded
    in_league = (team_of >= 0).any(axis=1)  # call-ups nobody signed were never in the league
    return _SeasonResult(
        season, start, batches, kinds, ids, wins / games_played, game_days, strength, in_league
    )


# --------------------------------------------------------------------------------------------
# Output


def _pct(made: np.ndarray, att: np.ndarray) -> np.ndarray:
    """NBA.com's percentage text: 3 decimals rounded half up, shortest form, empty if no tries."""
    k = np.floor(made / np.maximum(att, 1) * 1000 + 0.5).astype(np.int64)
    return np.where(att == 0, "", _PCT[np.clip(k, 0, 1000)]).astype(object)


def _write_csv_gz(df: pd.DataFrame, path: Path) -> None:
    data = df.to_csv(index=False, lineterminator="\n").encode()
    # No file name and mtime 0 in the gzip header: identical inputs give identical bytes.
    with (
        open(path, "wb") as fh,
        gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as gz,
    ):
        gz.write(data)


def _season_frames(
    res: _SeasonResult, pool: _Pool, label: str, year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    abbr = np.array([t[0] for t in _TEAMS], dtype=object)
    tname = np.array([t[1] for t in _TEAMS], dtype=object)
    team_id = np.arange(1, len(_TEAMS) + 1, dtype=np.int64)
    pid = pool.pid[res.season.rows]
    pname = np.array(pool.names, dtype=object)[res.season.rows]
    game_frames, log_frames = [], []
    for batch, kind, ids in zip(res.games, res.kinds, res.ids, strict=True):
        dates = np.array(
            [(res.start + timedelta(days=int(x))).isoformat() for x in batch.day], dtype=object
        )
        team_totals = {k: (v * batch.played).sum(axis=1) for k, v in batch.stats.items()}
        cols: dict[str, object] = {
            "game_id": ids,
            "game_date": dates,
            "season": label,
            "game_type": kind,
            "neutral_site": "False",
            "team_id_home": team_id[batch.home],
            "team_abbreviation_home": abbr[batch.home],
            "team_name_home": tname[batch.home],
            "team_id_road": team_id[batch.road],
            "team_abbreviation_road": abbr[batch.road],
            "team_name_road": tname[batch.road],
            "pts_home": batch.pts[0::2],
            "pts_road": batch.pts[1::2],
            "wl_home": np.where(batch.pts[0::2] > batch.pts[1::2], "W", "L").astype(object),
        }
        home_sl, road_sl = slice(0, None, 2), slice(1, None, 2)
        for side, sl, other in (("home", home_sl, road_sl), ("road", road_sl, home_sl)):
            t = {k: v[sl] for k, v in team_totals.items()}
            cols.update(
                {
                    f"fgm_{side}": t["FGM"],
                    f"fga_{side}": t["FGA"],
                    f"fg_pct_{side}": _pct(t["FGM"], t["FGA"]),
                    f"fg3m_{side}": t["FG3M"],
                    f"fg3a_{side}": t["FG3A"],
                    f"fg3_pct_{side}": _pct(t["FG3M"], t["FG3A"]),
                    f"ftm_{side}": t["FTM"],
                    f"fta_{side}": t["FTA"],
                    f"ft_pct_{side}": _pct(t["FTM"], t["FTA"]),
                    f"oreb_{side}": t["OREB"],
                    f"dreb_{side}": t["DREB"],
                    f"reb_{side}": t["REB"],
                    f"ast_{side}": t["AST"],
                    f"stl_{side}": t["STL"],
                    f"blk_{side}": t["BLK"],
                    f"tov_{side}": t["TOV"],
                    f"pf_{side}": t["PF"],
                    f"plus_minus_{side}": batch.pts[sl] - batch.pts[other],
                }
            )
        gf = pd.DataFrame(cols, columns=GAMES_COLUMNS)
        gf["_day"] = batch.day
        game_frames.append(gf)
        if kind != "regular_season":
            continue  # like NBA.com's LeagueGameLog, player rows cover the regular season only
        sr, slot = np.nonzero(batch.played)  # row-major: game order, home before road, by rank
        gi = sr // 2
        team = np.where(sr % 2 == 0, batch.home[gi], batch.road[gi])
        opp = np.where(sr % 2 == 0, batch.road[gi], batch.home[gi])
        local = batch.idx[sr, slot]
        st = {k: v[sr, slot] for k, v in batch.stats.items()}
        won = batch.pts[sr] > batch.pts[sr ^ 1]
        matchup = np.where(
            sr % 2 == 0, abbr[team] + " vs. " + abbr[opp], abbr[team] + " @ " + abbr[opp]
        )
        fp10 = (
            10 * st["PTS"]
            + 12 * st["REB"]
            + 15 * st["AST"]
            + 30 * st["STL"]
            + 30 * st["BLK"]
            - 10 * st["TOV"]
        )
        uniq, inv = np.unique(fp10, return_inverse=True)
        fantasy = np.array([repr(int(x) / 10) for x in uniq], dtype=object)[inv]
        log = pd.DataFrame(
            {
                "SEASON_ID": int(f"2{year}"),
                "PLAYER_ID": pid[local],
                "PLAYER_NAME": pname[local],
                "TEAM_ID": team_id[team],
                "TEAM_ABBREVIATION": abbr[team],
                "TEAM_NAME": tname[team],
                "GAME_ID": np.array(ids, dtype=object)[gi],
                "GAME_DATE": dates[gi],
                "MATCHUP": matchup,
                "WL": np.where(won, "W", "L").astype(object),
                "MIN": st["MIN"],
                "FGM": st["FGM"],
                "FGA": st["FGA"],
                "FG_PCT": _pct(st["FGM"], st["FGA"]),
                "FG3M": st["FG3M"],
                "FG3A": st["FG3A"],
                "FG3_PCT": _pct(st["FG3M"], st["FG3A"]),
                "FTM": st["FTM"],
                "FTA": st["FTA"],
                "FT_PCT": _pct(st["FTM"], st["FTA"]),
                "OREB": st["OREB"],
                "DREB": st["DREB"],
                "REB": st["REB"],
                "AST": st["AST"],
                "STL": st["STL"],
                "BLK": st["BLK"],
                "TOV": st["TOV"],
                "PF": st["PF"],
                "PTS": st["PTS"],
                "PLUS_MINUS": st["PLUS_MINUS"],
                "FANTASY_PTS": fantasy,
                "VIDEO_AVAILABLE": 1,
                "SEASON": label,
            },
            columns=PLAYER_LOG_COLUMNS,
        )
        log_frames.append(log)
    games = pd.concat(game_frames, ignore_index=True)
    games = (
        games.sort_values(["_day", "game_id"], kind="stable")
        .drop(columns="_day")
        .reset_index(drop=True)
    )
    return games, pd.concat(log_frames, ignore_index=True)


def generate_league(out_dir: Path, config: SynthSection | None = None) -> SynthSummary:
    """Simulate ``config.n_seasons`` seasons and write them (and the truth) under ``out_dir``."""
    cfg = config if config is not None else SynthSection()
    out_dir = Path(out_dir)
    for sub in ("games", "player_game_logs", "truth"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(cfg.seed)
    pool = _Pool()
    _initial_league(rng, pool, cfg.n_teams)
    files: list[Path] = []
    seasons: list[str] = []
    team_rows, strength_frames, player_frames, schedule_frames = [], [], [], []
    n_games = n_rows = 0
    win_pct: np.ndarray | None = None
    for k in range(cfg.n_seasons):
        year = cfg.first_season + k
        label = season_label(year)
        if win_pct is not None:
            _offseason(rng, pool, win_pct)
        res = _simulate_season(rng, pool, year, cfg)
        win_pct = res.win_pct
        games, logs = _season_frames(res, pool, label, year)
        for path, df in (
            (out_dir / "games" / f"{label}.csv.gz", games),
            (out_dir / "player_game_logs" / f"{label}.csv.gz", logs),
        ):
            _write_csv_gz(df, path)
            files.append(path)
        schedule_frames.append(_schedule_frame(games))
        n_games += len(games)
        n_rows += len(logs)
        seasons.append(label)
        team_rows += [(label, i + 1, a, nm, c) for i, (a, nm, c) in enumerate(_TEAMS)]
        dates = [(res.start + timedelta(days=int(x))).isoformat() for x in res.strength_days]
        strength_frames.append(
            pd.DataFrame(
                {
                    "season": label,
                    "game_date": np.repeat(np.array(dates, dtype=object), cfg.n_teams),
                    "team_id": np.tile(np.arange(1, cfg.n_teams + 1), len(dates)),
                    "strength": res.strength.ravel(),
                }
            )
        )
        sp = res.season
        order = np.flatnonzero(res.in_league)
        order = order[np.argsort(sp.rows[order], kind="stable")]
        player_frames.append(
            pd.DataFrame(
                {
                    "season": label,
                    "player_id": pool.pid[sp.rows][order],
                    "player_name": np.array(pool.names, dtype=object)[sp.rows][order],
                    "offense": sp.o[order],
                    "defense": sp.d[order],
                }
            )
        )

    teams_path = out_dir / "teams.csv"
    pd.DataFrame(team_rows, columns=TEAMS_COLUMNS).to_csv(
        teams_path, index=False, lineterminator="\n"
    )
    strength_path = out_dir / "truth" / "team_strength.csv"
    pd.concat(strength_frames, ignore_index=True).to_csv(
        strength_path, index=False, lineterminator="\n", float_format="%.3f"
    )
    players_path = out_dir / "truth" / "players.csv"
    pd.concat(player_frames, ignore_index=True).to_csv(
        players_path, index=False, lineterminator="\n", float_format="%.3f"
    )
    schedule_path = out_dir / "schedule.csv"
    pd.concat(schedule_frames, ignore_index=True).to_csv(
        schedule_path, index=False, lineterminator="\n")
    files += [teams_path, schedule_path, strength_path, players_path]
    return SynthSummary(out_dir, seasons, n_games, n_rows, files)


def _schedule_frame(games: pd.DataFrame) -> pd.DataFrame:
    """The season's regular-season games in the schedule format (none postponed)."""
    g = games[games["game_type"] == "regular_season"]
    return pd.DataFrame({c: g[c] for c in ("game_id", "season", "game_date", "game_type",
                                           "team_id_home", "team_abbreviation_home",
                                           "team_id_road", "team_abbreviation_road",
                                           "neutral_site")}).assign(postponed=False)


def input_paths(league_dir: Path) -> list[Path]:
    """The synthetic league's data files (its truth/ folder is for checking, not ingesting).
    A league written before schedule.csv existed is read without it."""
    paths = [league_dir / "teams.csv", league_dir / "games", league_dir / "player_game_logs"]
    return paths + ([league_dir / "schedule.csv"] if (league_dir / "schedule.csv").is_file()
                    else [])


@dataclass(frozen=True)
class SyntheticStore:
    summary: SynthSummary
    report: IngestReport
    data: LeagueData


def synthetic_store(league_dir: Path, db_path: Path,
                    config: SynthSection | None = None) -> SyntheticStore:
    """Generate a league into ``league_dir``, ingest it into a new store at ``db_path`` and
    read it back: the offline starting point of ``demo``, ``verify`` and the tests."""
    summary = generate_league(league_dir, config)
    Path(db_path).unlink(missing_ok=True)
    with Store(db_path) as store:
        report = ingest_files(store, input_paths(league_dir))
        data = store.league()
    return SyntheticStore(summary, report, data)
