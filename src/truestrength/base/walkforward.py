"""Forward-chaining over seasons: the one loop behind out-of-fold scores and backtests.

For each season S to score, ``train`` holds only the seasons that start before S (S is not
in the object at all, so nothing of it can leak into fitting or tuning) and ``upto`` holds
those seasons and S, from which predictions at S's dates are made with ``upto.before(d)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from truestrength.base.errors import DataError
from truestrength.base.league import LeagueData


@dataclass(frozen=True)
class Fold:
    season: str  # the season scored
    train: LeagueData  # the seasons before it, nothing else
    upto: LeagueData  # the seasons before it and the season itself


def walk_forward(data: LeagueData, seasons: Iterable[str]) -> Iterator[Fold]:
    """One :class:`Fold` per season of ``seasons``, in the order given."""
    for season in seasons:
        if season not in data.seasons:
            raise DataError(f"season {season} is not in the data ({', '.join(data.seasons)})")
        train = data.restrict_seasons(data.seasons_before(season))
        if not train.seasons:
            raise DataError(f"{season}: no earlier season to fit on")
        yield Fold(season, train, data.up_to(season))
