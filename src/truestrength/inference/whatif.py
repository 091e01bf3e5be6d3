"""What if a player is out for the season, traded, or plays: the same prediction twice.

A what-if is two :func:`inference.predict.make_predictions` calls on the same store, date,
configuration and injuries file: the *baseline* (the availability a plain ``predict`` uses)
and the *scenario*, the baseline's availability with the what-if's changes applied last
(``base.availability.AvailabilityEdit``). Both simulations draw from
``SimulationSection.seed`` (common random numbers), and everything before the simulation is
deterministic (Model A scores in eval mode, Model B's trees, the seeded expected schedule),
so a change in odds is the scenario's, not noise: an empty scenario gives deltas of exactly 0.

Changes (each names a player who has played in the season before the date; names match
whatever their case, accents and spacing; a player id works too, for two players of one
name):

* ``without NAME`` — out for the rest of the season and the playoffs (status ``out``, no
  return date), whatever the baseline said; a roster move stays.
* ``trade NAME:TEAM`` — moved to TEAM (the season's abbreviation) from the date, with his
  features as on his team (as a roster-published trade); an injury the baseline has for
  him stays: a trade does not heal.
* ``with NAME`` — plays: whatever keeps him out in the baseline (the injuries file or an
  inferred absence) is dropped. Only for a player the baseline treats as out (anything else
  would be a no-op presented as an answer).
* ``with NAME:TEAM`` — joins TEAM and plays (a signing or a return on a new team): the
  trade's move with ``with NAME``'s clearing.

Every remaining game, each return-date phase and the postseason are scored under the
scenario (the edit is applied to the availability every phase derives from).

The changes table (``WhatIf.table``, ``whatif.csv``) has one row per team: ``involved``
(the team a changed player leaves or joins), strength, league rank, projected record and
playoff / finals / title odds before and after, and the deltas (after − before).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from truestrength.base.availability import AvailabilityEdit, PlayerAvailability
from truestrength.base.config import Config
from truestrength.base.errors import ConfigError, DataError
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.data.injuries import normalise_name
from truestrength.inference.predict import Predictions, make_predictions
from truestrength.training.ensemble import EnsembleAB

__all__ = ["COMPARED", "Change", "ChangeRequest", "WhatIf", "parse_request",
           "resolve_changes", "run_whatif", "scenario_edit"]

Kind = Literal["without", "trade", "with"]
# The figures compared before and after, as predictions.csv names them.
COMPARED = ("strength", "league_rank", "mean_wins", "mean_losses", "p_playoffs", "p_finals",
            "p_title")


@dataclass(frozen=True)
class ChangeRequest:
    """One change as the user wrote it: ``player`` a name or id, ``team`` an abbreviation."""

    kind: Kind
    player: str
    team: str | None = None

    @property
    def text(self) -> str:
        return f"--{self.kind} {self.player}" + (f":{self.team}" if self.team else "")


def parse_request(kind: Kind, value: str) -> ChangeRequest:
    """``--without NAME``, ``--trade NAME:TEAM``, ``--with NAME[:TEAM]`` into a request."""
    value = value.strip()
    name, sep, team = value.rpartition(":")
    if not sep:
        name, team = value, ""
    name, team = name.strip(), team.strip()
    if kind == "without" and sep:
        raise ConfigError(f"--without {value!r}: give the player only (he is out for the "
                          "season whatever his team); --trade NAME:TEAM moves him")
    if kind == "trade" and (not sep or not team):
        raise ConfigError(f"--trade {value!r}: write NAME:TEAM, e.g. \"Luka Doncic:LAL\"")
    if sep and not team:
        raise ConfigError(f"--{kind} {value!r}: nothing after ':'; write NAME:TEAM or NAME")
    if not name:
        raise ConfigError(f"--{kind} {value!r}: no player name")
    return ChangeRequest(kind, name, team or None)


@dataclass(frozen=True)
class Change:
    """A resolved change: who, from which team (his team at the date in the baseline), to
    which (``None`` for ``without`` and ``with NAME``)."""

    kind: Kind
    player_id: int
    player: str
    from_team_id: int
    from_team: str
    team_id: int | None = None
    team: str | None = None
    request: str = ""

    def describe(self) -> str:
        if self.kind == "without":
            return (f"{self.player} ({self.from_team}) out for the rest of the season and "
                    "the playoffs")
        if self.kind == "trade":
            return f"{self.player} traded from {self.from_team} to {self.team}"
        if self.team is None:
            return f"{self.player} ({self.from_team}) plays: nothing keeps him out"
        return f"{self.player} joins {self.team} from {self.from_team} and plays"


def _season_players(known: LeagueData, season: str) -> pd.DataFrame:
    """player_id, name, team_id of his latest game: every player who played in the season."""
    pl = known.player_logs
    pl = pl[pl["season"] == season].sort_values(["game_date", "game_id"], kind="stable")
    last = pl.groupby("player_id").tail(1)[["player_id", "team_id"]]
    names = known.players.set_index("player_id")["name"] if len(known.players) else {}
    last = last.assign(name=[str(names.get(int(p), p)) for p in last["player_id"]])
    return last.reset_index(drop=True)


def _team_ids(known: LeagueData, season: str) -> dict[str, int]:
    ts = known.team_seasons
    ts = ts[ts["season"] == season]
    return {str(a).upper(): int(t) for a, t in zip(ts["abbreviation"], ts["team_id"],
                                                   strict=True)}


def _resolve_player(req: ChangeRequest, players: pd.DataFrame, known: LeagueData,
                    season: str, date: pd.Timestamp, abbr: dict[int, str]) -> tuple[int, str]:
    given = req.player
    if given.isdigit():
        hit = players[players["player_id"] == int(given)]
        if len(hit):
            return int(hit["player_id"].iloc[0]), str(hit["name"].iloc[0])
    key = normalise_name(given)
    norm = players["name"].map(normalise_name)
    hit = players[norm == key]
    if len(hit) == 1:
        return int(hit["player_id"].iloc[0]), str(hit["name"].iloc[0])
    if len(hit) > 1:
        who = ", ".join(f"{r.name} (id {r.player_id}, last played for "
                        f"{abbr.get(int(r.team_id), r.team_id)})" for r in hit.itertuples())
        raise ConfigError(f"{req.text}: {len(hit)} players of {season} are called "
                          f"{given!r}: {who}; give the player id instead of the name")
    everyone = known.players
    if len(everyone) and (everyone["name"].map(normalise_name) == key).any():
        raise ConfigError(f"{req.text}: {given!r} is in the store but has not played in "
                          f"{season} before {date:%Y-%m-%d}: the model has no box score of "
                          "his this season to put him on a roster")
    close = difflib.get_close_matches(key, list(norm), n=3, cutoff=0.6)
    names = [str(players.loc[norm == c, "name"].iloc[0]) for c in close]
    hint = f"; did you mean {', '.join(repr(n) for n in names)}?" if names else ""
    raise ConfigError(f"{req.text}: no player {given!r} has played in {season} before "
                      f"{date:%Y-%m-%d}{hint}")


def resolve_changes(requests: list[ChangeRequest], known: LeagueData, season: str,
                    date: pd.Timestamp, baseline: Predictions | None = None) -> list[Change]:
    """Names and abbreviations to ids, each player's team at the date from the baseline
    (a roster move counts); ConfigError for an unknown or ambiguous name, an unknown team,
    one player in two changes, or a change that changes nothing. Without ``baseline`` (a
    check before any prediction is made, so a typo costs nothing) the checks that need the
    baseline's availability are skipped and a player's team is the one he last played for."""
    players = _season_players(known, season)
    ids = _team_ids(known, season)
    abbr = {t: a for a, t in ids.items()}
    absences = [] if baseline is None else baseline.absences
    moved = {a.player_id: a.team_id for a in absences if a.status == "traded"}
    out_now = {a.player_id: a for a in absences
               if a.status != "traded" and a.out_on(date)}
    changes: list[Change] = []
    seen: dict[int, str] = {}
    for req in requests:
        pid, name = _resolve_player(req, players, known, season, date, abbr)
        if pid in seen:
            raise ConfigError(f"{req.text}: {name} is already changed by {seen[pid]}; one "
                              "change per player (--with NAME:TEAM both moves and plays him)")
        seen[pid] = req.text
        last_team = int(players.loc[players["player_id"] == pid, "team_id"].iloc[0])
        current = moved.get(pid, last_team)
        team_id = None
        if req.team is not None:
            team_id = ids.get(req.team.upper())
            if team_id is None:
                raise ConfigError(f"{req.text}: no team {req.team!r} in {season}; the "
                                  f"season's teams are {', '.join(sorted(ids))}")
            if team_id == current and baseline is not None:
                raise ConfigError(f"{req.text}: {name} is already on {abbr[current]} at "
                                  f"{date:%Y-%m-%d}" + (
                                      "; --with NAME (no team) brings him back"
                                      if req.kind == "with" else ""))
        if req.kind == "without" and baseline is not None:
            already = out_now.get(pid)
            if already is not None and already.return_date is None:
                raise ConfigError(f"{req.text}: {name} is already out for the rest of the "
                                  f"season at {date:%Y-%m-%d} ({already.reason})")
        if (req.kind == "with" and req.team is None and baseline is not None
                and pid not in out_now):
            raise ConfigError(f"{req.text}: {name} is not treated as out at "
                              f"{date:%Y-%m-%d}, so he plays already; --with NAME brings back "
                              "a player treated as out, --with NAME:TEAM moves one")
        changes.append(Change(req.kind, pid, name, current, abbr.get(current, str(current)),
                              team_id, None if team_id is None else abbr[team_id], req.text))
    return changes


def scenario_edit(changes: list[Change], date: pd.Timestamp) -> AvailabilityEdit:
    """The availability edit the changes make (module docstring)."""
    date = pd.Timestamp(date).normalize()
    entries: list[PlayerAvailability] = []
    cleared: set[int] = set()
    for c in changes:
        if c.kind == "without":
            entries.append(PlayerAvailability(
                c.player_id, c.player, c.from_team_id, "out", "what-if: out for the season",
                treated_out=True, return_date=None))
            continue
        if c.kind == "with":
            cleared.add(c.player_id)
        if c.team_id is not None:
            verb = "traded to" if c.kind == "trade" else "joins"
            entries.append(PlayerAvailability(
                c.player_id, c.player, c.team_id, "traded", f"what-if: {verb} {c.team}",
                treated_out=False, from_team_id=c.from_team_id, since=date))
    return AvailabilityEdit(tuple(entries), frozenset(cleared))


@dataclass
class WhatIf:
    season: str
    date: pd.Timestamp
    changes: list[Change]
    before: Predictions
    after: Predictions
    table: pd.DataFrame  # one row per team, involved first (module docstring)

    @property
    def involved(self) -> pd.DataFrame:
        return self.table[self.table["involved"]]

    def others_title(self) -> tuple[float, float]:
        """Summed title odds of the teams not involved, before and after."""
        rest = self.table[~self.table["involved"]]
        return float(rest["p_title_before"].sum()), float(rest["p_title_after"].sum())

    def write(self, out_dir: Path) -> list[Path]:
        """whatif.csv (the changes table), whatif.json (scenario, seed, table), and each
        scenario's full prediction files under before/ and after/."""
        out_dir.mkdir(parents=True, exist_ok=True)
        csv = out_dir / "whatif.csv"
        self.table.to_csv(csv, index=False)
        js = write_json(out_dir / "whatif.json", {
            "season": self.season, "date": str(self.date.date()),
            "changes": [{**asdict(c), "description": c.describe()} for c in self.changes],
            "meta": {"n_sims": self.after.meta.n_sims,
                     "identical_streams": "both simulations draw from simulation.seed",
                     "schedule": self.after.meta.schedule},
            "teams": self.table.to_dict("records")})
        files = [csv, js]
        for name, preds in (("before", self.before), ("after", self.after)):
            files += preds.write(out_dir / name)
        return files


def changes_table(before: Predictions, after: Predictions,
                  involved: set[int]) -> pd.DataFrame:
    """Per team each compared figure before and after and the delta (after − before)."""
    b = before.table.set_index("team_id")
    a = after.table.set_index("team_id").reindex(b.index)
    out = pd.DataFrame({"team": b["team"], "conference": b["conference"]}, index=b.index)
    out["involved"] = out.index.isin(list(involved))
    for col in COMPARED:
        out[f"{col}_before"] = b[col]
        out[f"{col}_after"] = a[col]
        out[f"d_{col}"] = a[col] - b[col]
    out = out.reset_index()
    out["_order"] = -out["d_p_title"].abs()
    out = out.sort_values(["involved", "_order", "league_rank_before"],
                          ascending=[False, True, True], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def run_whatif(ensemble: EnsembleAB, data: LeagueData, date: pd.Timestamp, config: Config,
               requests: list[ChangeRequest], *,
               injuries: list[PlayerAvailability] | None = None) -> WhatIf:
    """The baseline and the scenario at ``date`` (module docstring); ``injuries``: the
    injuries file's entries, in both."""
    date = pd.Timestamp(date).normalize()
    known = data.before(date)
    resolve_changes(requests, known, data.season_of_date(date), date)  # typos fail at once
    before = make_predictions(ensemble, data, date, config, injuries=injuries)
    changes = resolve_changes(requests, known, before.season, date, before)
    after = make_predictions(ensemble, data, date, config, injuries=injuries,
                             edit=scenario_edit(changes, date))
    if set(before.table["team_id"]) != set(after.table["team_id"]):
        raise DataError("the scenario's prediction has other teams than the baseline's")
    involved = {c.from_team_id for c in changes} | {c.team_id for c in changes
                                                    if c.team_id is not None}
    return WhatIf(before.season, date, changes, before, after,
                  changes_table(before, after, involved))
