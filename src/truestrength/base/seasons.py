"""Seasons and the calendar: season labels, day numbers, planned season lengths.

A season is the string ``"YYYY-YY"`` (``"2015-16"``). Dates inside the pipeline are pandas
timestamps at midnight; array code works on int64 *days* since 1970-01-01 (``to_days``) so
that "strictly before d" is one ``searchsorted`` on integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from truestrength.base.errors import ConfigError

# Planned regular-season lengths announced before the season (lockout 2011-12, pandemic
# 2020-21). 2019-20 was planned at 82: its cut was not known in advance, so it is not here.
PLANNED_GAMES: dict[str, int] = {"2011-12": 66, "2020-21": 72}
DEFAULT_PLANNED_GAMES = 82
# The NBA's 82-game structure: 2 games against each of the 15 other-conference teams (30) and
# the other 52 within the conference (4 against ten rivals, 3 against four). A shortened season
# had its own: 2011-12 18 of 66 against the other conference (1.2 per pair), 2020-21 2 per
# pair and 3 per conference pair. Other planned lengths scale the 82-game one.
INTER_CONFERENCE_GAMES_PER_PAIR: dict[str, float] = {"2011-12": 18 / 15, "2020-21": 2.0}
DEFAULT_INTER_CONFERENCE_GAMES_PER_PAIR = 2.0


@dataclass(frozen=True)
class PostseasonFormat:
    """How a season's 16 playoff teams per league (8 per conference) were decided.

    ``play_in`` is one of:

    * ``"none"`` -- seeds 1-8 of each conference by record go straight to the playoffs;
    * ``"8-9"`` -- seed 8 meets seed 9 only if seed 9 finished at most ``max_games_behind``
      games behind it (games behind = ((W8 - W9) + (L9 - L8)) / 2); seed 8 needs one win in
      two games, seed 9 needs two; the winner is seed 8 (2019-20);
    * ``"7-10"`` -- 7 hosts 8 (winner is seed 7), 9 hosts 10, the 7/8 loser hosts the 9/10
      winner for seed 8 (2020-21 on).

    ``neutral_site``: every play-in and playoff game on a neutral floor (the 2019-20 bubble).
    """

    play_in: str
    max_games_behind: float | None = None
    neutral_site: bool = False

    def __post_init__(self) -> None:
        if self.play_in not in ("none", "8-9", "7-10"):
            raise ValueError(f"play_in must be none, 8-9 or 7-10, got {self.play_in!r}")
        if (self.play_in == "8-9") != (self.max_games_behind is not None):
            raise ValueError("max_games_behind is given for, and only for, the 8-9 play-in")

    @property
    def min_conference(self) -> int:
        """Teams a conference needs for this format (the deepest seed it can reach)."""
        return {"none": 8, "8-9": 9, "7-10": 10}[self.play_in]


# The game kinds played after the regular season.
POSTSEASON_KINDS = ("play_in", "playoff")
NO_PLAY_IN = PostseasonFormat("none")
BUBBLE_PLAY_IN = PostseasonFormat("8-9", max_games_behind=4.0, neutral_site=True)
PLAY_IN_7_10 = PostseasonFormat("7-10")
# The NBA's formats: none up to 2018-19, the bubble's conditional 8-9 play-in in 2019-20 (held
# only in the West: POR beat MEM; the East's 9th was 8 games back), 7-10 from 2020-21 on.
POSTSEASON_FORMATS: dict[str, PostseasonFormat] = {"2019-20": BUBBLE_PLAY_IN}
FIRST_PLAY_IN_7_10 = 2020


def postseason_format(season: str) -> PostseasonFormat:
    """The NBA's postseason format in ``season`` (later seasons keep the 7-10 play-in).

    This is the NBA's history; a league whose teams are not NBA franchises (the synthetic
    league) is simulated with the format it plays, see ``inference.simulate``.
    """
    start = season_start_year(season)
    if season in POSTSEASON_FORMATS:
        return POSTSEASON_FORMATS[season]
    return PLAY_IN_7_10 if start >= FIRST_PLAY_IN_7_10 else NO_PLAY_IN


def season_start_year(season: str) -> int:
    """``"2015-16"`` -> 2015. Raises ValueError on anything else."""
    if len(season) != 7 or season[4] != "-" or not (season[:4] + season[5:]).isdigit():
        raise ValueError(f"season {season!r} is not of the form YYYY-YY")
    start = int(season[:4])
    if (start + 1) % 100 != int(season[5:]):
        raise ValueError(f"season {season!r}: second year must follow the first")
    return start


def season_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def previous_season(season: str) -> str:
    """The label of the season before (whether or not any data holds it)."""
    return season_label(season_start_year(season) - 1)


def planned_games(season: str) -> int:
    """Regular-season games per team the league planned before the season began."""
    return PLANNED_GAMES.get(season, DEFAULT_PLANNED_GAMES)


def inter_conference_games_per_pair(season: str) -> float:
    """Games each pair of teams from different conferences plays in the season (the rest of
    a team's ``planned_games`` are within its conference): the season's own where known, else
    the 82-game season's 2 scaled to the planned length."""
    if season in INTER_CONFERENCE_GAMES_PER_PAIR:
        return INTER_CONFERENCE_GAMES_PER_PAIR[season]
    return DEFAULT_INTER_CONFERENCE_GAMES_PER_PAIR * planned_games(season) / DEFAULT_PLANNED_GAMES


def to_days(dates: pd.Series | pd.DatetimeIndex | np.ndarray | list) -> np.ndarray:
    """Dates as int64 days since 1970-01-01 (the time of day is dropped)."""
    values = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]")
    return values.astype(np.int64)


def from_days(days: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(days, dtype=np.int64).astype("datetime64[D]")).astype(
        "datetime64[us]")


_SEASON_RE = re.compile(r"\d{4}-\d{2}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str, what: str = "--date") -> pd.Timestamp:
    """A calendar date written ``YYYY-MM-DD``, as a midnight timestamp.

    Strict on purpose: pandas would also read ``"2023"``, ``"01/02/2023"`` or ``"now"``, and a
    date that silently means something else moves a prediction's cut-off.
    """
    text = text.strip() if isinstance(text, str) else text
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        raise ConfigError(f"{what} {text!r} is not a date: expected YYYY-MM-DD, e.g. 2023-01-15")
    try:
        return pd.Timestamp(datetime.strptime(text, "%Y-%m-%d"))
    except ValueError:  # the shape is right but the day does not exist (2023-02-30)
        raise ConfigError(f"{what} {text!r} is not a calendar date (expected YYYY-MM-DD, "
                          "e.g. 2023-01-15)") from None


def parse_seasons(spec: str) -> list[str]:
    """``"2015-16..2024-25"``, ``"2022-23"`` or ``"2021-22,2023-24"`` (items may be ranges).

    Returned in the order given, without duplicates.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError("no seasons given; expected e.g. 2022-23, 2015-16..2024-25 or "
                         "2021-22,2023-24")  # fmt: skip
    out: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            raise ConfigError(f"empty item in season list {spec!r}")
        if ".." in item:
            first, _, last = item.partition("..")
            start, end = _one_season(first.strip(), spec), _one_season(last.strip(), spec)
            if end < start:
                raise ConfigError(f"season range {item!r} runs backwards; write "
                                 f"{season_label(end)}..{season_label(start)}")  # fmt: skip
            seasons = [season_label(y) for y in range(start, end + 1)]
        else:
            seasons = [season_label(_one_season(item, spec))]
        out += [s for s in seasons if s not in out]
    return out


def _one_season(text: str, spec: str) -> int:
    if not _SEASON_RE.fullmatch(text):
        raise ConfigError(
            f"{text!r} in {spec!r} is not a season; seasons look like 2022-23 "
            "(ranges: 2015-16..2024-25, lists: 2021-22,2023-24)"
        )
    try:
        return season_start_year(text)
    except ValueError as exc:
        raise ConfigError(f"{text!r} in {spec!r}: {exc}") from None
