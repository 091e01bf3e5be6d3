"""Who is out and who moved: the availability a prediction is made under.

An :class:`Availability` is a tuple of :class:`PlayerAvailability` entries, each one player's
status at the prediction date and where it came from (``reason``):

* ``"injuries file"`` — a row of ``predict --injuries FILE`` (out / doubtful / questionable /
  probable, with an optional expected return date);
* ``"missed last m games; ..."`` — inferred from the box scores (``features.availability``):
  a rotation player who has missed his team's last k games or more; his return date is the
  median further absence learned from past spells (``features.absence_model``), or none
  when that is beyond his team's games left or the history is too short (the reason says);
* ``"traded (rosters as of D)"`` — a roster published on D lists him on a team other than
  the one he last played for: he belongs to the new team from D (status ``traded``).

Which statuses keep a player off the floor is a setting (``AvailabilitySection``); the
:class:`Availability` only answers "who is out on day d" (``out_on``) and "who moved where"
(``moves``), which is all the roster snapshots need. Only the prediction path reads it:
training never sees an availability, it learns from the games as they were played.

The postseason (``for_postseason``): the players back by the day after the regular season,
and, with ``playoff_rotation`` set, Model A scores each team's playoff rotation instead of
its recent one (``features.playoff_rotation``). The flag rides on the availability because
the availability is what every roster-reading predictor is handed at prediction time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from truestrength.base.config import PlayoffRotationSection

__all__ = ["STATUSES", "Availability", "AvailabilityEdit", "PlayerAvailability", "Status"]

Status = Literal["out", "doubtful", "questionable", "probable", "traded"]
# The statuses an injuries file may use (``traded`` comes from rosters only).
STATUSES: tuple[str, ...] = ("out", "doubtful", "questionable", "probable")


@dataclass(frozen=True)
class PlayerAvailability:
    player_id: int
    player: str  # his name in the store
    team_id: int  # the team he belongs to (for ``traded``, the new one)
    status: Status
    reason: str
    treated_out: bool  # True = he takes no minutes until ``return_date`` (settings decide)
    return_date: pd.Timestamp | None = None  # first day he plays again; None = not known
    from_team_id: int | None = None  # ``traded`` only: the team he last played for
    since: pd.Timestamp | None = None  # ``traded`` only: the roster date he moved on

    def out_on(self, day: pd.Timestamp) -> bool:
        """True when he takes no minutes on ``day``."""
        return self.treated_out and (self.return_date is None or day < self.return_date)

    def as_row(self) -> dict:
        return {
            "player_id": self.player_id, "player": self.player, "team_id": self.team_id,
            "status": self.status, "treated_out": self.treated_out,
            "return_date": None if self.return_date is None else str(self.return_date.date()),
            "reason": self.reason, "from_team_id": self.from_team_id,
            "since": None if self.since is None else str(self.since.date()),
        }


@dataclass(frozen=True)
class Availability:
    entries: tuple[PlayerAvailability, ...] = field(default_factory=tuple)
    # Set: score the playoff rotation with these settings (the postseason); None: the
    # rotation of the recent games, as in the regular season.
    playoff_rotation: PlayoffRotationSection | None = None
    # True: the postseason is being scored; a predictor with a postseason model of its own
    # (``models.postseason``) answers with it.
    postseason: bool = False
    # The postseason's players named by the availability who play in it (back by then, or
    # never kept out): known to be healthy, whatever their absence from the box scores says.
    returning: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        seen: set[tuple[int, bool]] = set()
        for e in self.entries:
            key = (e.player_id, e.status == "traded")
            if key in seen:
                raise ValueError(f"player {e.player_id} has two availability entries")
            seen.add(key)

    def __len__(self) -> int:
        return len(self.entries)

    def out_on(self, day: pd.Timestamp) -> frozenset[int]:
        """Player ids that take no minutes on ``day``."""
        day = pd.Timestamp(day)
        return frozenset(e.player_id for e in self.entries
                         if e.status != "traded" and e.out_on(day))

    @property
    def moves(self) -> dict[int, tuple[int, pd.Timestamp]]:
        """player_id -> (new team, roster date) for every traded player."""
        return {e.player_id: (e.team_id, e.since) for e in self.entries if e.status == "traded"}

    def return_dates(self) -> list[pd.Timestamp]:
        """Distinct return dates of players treated out, in order."""
        return sorted({e.return_date for e in self.entries
                       if e.treated_out and e.return_date is not None})

    def back_by(self, day: pd.Timestamp) -> Availability:
        """The same, with every player whose return date is on or before ``day`` back: the
        availability of a later phase of the season, to be scored at the prediction date."""
        day = pd.Timestamp(day)
        return Availability(tuple(
            e for e in self.entries
            if not (e.treated_out and e.return_date is not None and e.return_date <= day)))

    def for_postseason(self, day: pd.Timestamp,
                       playoff_rotation: PlayoffRotationSection | None) -> Availability:
        """The postseason's availability: everybody back by ``day`` (the day after the last
        regular-season game), marked ``postseason``, and played by Model A's playoff
        rotation when ``playoff_rotation`` is given and enabled; the players named who play
        in it are ``returning``."""
        day = pd.Timestamp(day)
        back = self.back_by(day)
        on = playoff_rotation if playoff_rotation is not None and playoff_rotation.enabled \
            else None
        returning = frozenset(e.player_id for e in self.entries
                              if e.status != "traded" and not e.out_on(day))
        return Availability(back.entries, playoff_rotation=on, postseason=True,
                            returning=returning)


@dataclass(frozen=True)
class AvailabilityEdit:
    """A what-if's changes to a resolved availability (``inference.whatif``).

    A player has at most two entries, a move (``traded``) and a status (the rest), and an
    edit works per kind so that one question does not silently answer another: trading a
    player keeps him injured if he was, putting him out keeps the team a roster moved him
    to. ``entries`` replace the player's entry of the same kind; ``cleared`` players lose
    their status entry (he plays: nothing keeps him out)."""

    entries: tuple[PlayerAvailability, ...] = ()
    cleared: frozenset[int] = frozenset()

    def apply(self, availability: Availability) -> Availability:
        def key(e: PlayerAvailability) -> tuple[int, bool]:
            return e.player_id, e.status == "traded"

        replaced = {key(e) for e in self.entries}
        kept = tuple(e for e in availability.entries
                     if key(e) not in replaced
                     and not (e.status != "traded" and e.player_id in self.cleared))
        return Availability(kept + tuple(self.entries))
