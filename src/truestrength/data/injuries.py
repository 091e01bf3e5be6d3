"""The injuries file of ``predict --injuries FILE``: who is out, as the user knows it.

A CSV with a header and the columns ``player, team, status`` and, optionally,
``return_date``:

* ``player`` — the player's name as the store has it; case, accents and repeated spaces do
  not matter ("Luka Doncic" finds "Luka Dončić");
* ``team`` — the team's abbreviation in the season (``team_seasons.abbreviation``); the
  player must have played for it in the season, or be on its roster in the rosters frame;
* ``status`` — ``out``, ``doubtful``, ``questionable`` or ``probable`` (any case);
* ``return_date`` — ``YYYY-MM-DD``, the first day he is expected to play again; empty or
  absent = not known (out for the rest of the season and the playoffs, if his status keeps
  him out).

Every problem names the file, the line (header = line 1) and the field; an unknown name
suggests the closest names of that team (``difflib``). All problems of a file are reported
together (up to ``_MAX_REPORTED``), so one round fixes the file.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from pathlib import Path

import pandas as pd

from truestrength.base.availability import STATUSES, PlayerAvailability
from truestrength.base.config import AvailabilitySection
from truestrength.base.league import LeagueData
from truestrength.data.errors import IngestError

__all__ = ["INJURY_COLUMNS", "normalise_name", "read_injuries"]

INJURY_COLUMNS = ("player", "team", "status", "return_date")
_REQUIRED = ("player", "team", "status")
_MAX_REPORTED = 20
REASON = "injuries file"


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _team_players(data: LeagueData, season: str,
                  rosters: pd.DataFrame | None) -> dict[int, dict[str, tuple[int, str]]]:
    """team_id -> normalised name -> (player_id, stored name), for the season."""
    pl = data.player_logs
    pairs = pl.loc[pl["season"] == season, ["team_id", "player_id"]].drop_duplicates()
    if rosters is not None and len(rosters):
        r = rosters.loc[rosters["season"] == season, ["team_id", "player_id"]]
        pairs = pd.concat([pairs, r]).drop_duplicates()
    names = data.players.set_index("player_id")["name"] if len(data.players) else pd.Series(
        dtype=str)
    out: dict[int, dict[str, tuple[int, str]]] = {}
    for t, p in zip(pairs["team_id"].astype(int), pairs["player_id"].astype(int), strict=True):
        name = names.get(p)
        if name is None:
            continue
        out.setdefault(t, {})[normalise_name(name)] = (p, str(name))
    return out


def read_injuries(path: Path, data: LeagueData, season: str, config: AvailabilitySection,
                  rosters: pd.DataFrame | None = None) -> list[PlayerAvailability]:
    """The file's rows as availability entries (reason "injuries file"); IngestError naming
    file, line and field for every problem (see the module docstring)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"cannot read the injuries file ({exc})") from exc
    if not rows:
        raise IngestError(path, "empty file: expected a header "
                          f"{','.join(INJURY_COLUMNS)} (return_date optional)", line=1)
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise IngestError(path, f"missing column(s) {missing}; expected "
                          f"{','.join(INJURY_COLUMNS)} (return_date optional)", line=1,
                          field=missing[0])
    unknown = [h for h in header if h not in INJURY_COLUMNS]
    if unknown:
        raise IngestError(path, f"unknown column(s) {unknown}; expected "
                          f"{','.join(INJURY_COLUMNS)}", line=1, field=unknown[0])
    col = {h: i for i, h in enumerate(header)}

    ts = data.team_seasons
    ts = ts[ts["season"] == season]
    abbr = {str(a).upper(): int(t) for a, t in zip(ts["abbreviation"], ts["team_id"],
                                                  strict=True)}
    players = _team_players(data, season, rosters)
    all_names = {n: (p, name, t) for t, d in players.items() for n, (p, name) in d.items()}

    problems: list[tuple[int, str, str]] = []
    out: list[PlayerAvailability] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append((line, header[min(len(row), len(header) - 1)],
                             f"{len(row)} values for {len(header)} columns"))
            continue

        def get(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col else ""

        team_s, name_s, status_s = get("team"), get("player"), get("status").lower()
        bad = False
        team_id = abbr.get(team_s.upper())
        if team_id is None:
            problems.append((line, "team", f"unknown team {team_s!r} for {season} (known: "
                             f"{', '.join(sorted(abbr))})"))
            bad = True
        if status_s not in STATUSES:
            problems.append((line, "status", f"{get('status')!r} is not one of "
                             f"{', '.join(STATUSES)}"))
            bad = True
        ret = None
        if get("return_date"):
            try:
                ret = pd.Timestamp(pd.to_datetime(get("return_date"), format="%Y-%m-%d"))
            except (ValueError, TypeError):
                problems.append((line, "return_date", f"{get('return_date')!r} is not a date "
                                 "(expected YYYY-MM-DD)"))
                bad = True
        if not name_s:
            problems.append((line, "player", "empty name"))
            continue
        if team_id is None:
            continue
        key = normalise_name(name_s)
        found = players.get(team_id, {}).get(key)
        if found is None:
            problems.append((line, "player", _unknown_name(name_s, key, team_s, season,
                                                           players.get(team_id, {}),
                                                           all_names)))
            continue
        pid, stored = found
        if pid in seen:
            problems.append((line, "player", f"{stored} is listed twice (also line "
                             f"{seen[pid]})"))
            continue
        seen[pid] = line
        if bad:
            continue
        out.append(PlayerAvailability(
            player_id=pid, player=stored, team_id=team_id, status=status_s,  # type: ignore[arg-type]
            reason=REASON, treated_out=_treated_out(status_s, config), return_date=ret))
    if problems:
        line, fld, msg = problems[0]
        more = [f"line {ln}, field {f}: {m}" for ln, f, m in problems[1:_MAX_REPORTED]]
        extra = len(problems) - _MAX_REPORTED
        if more:
            msg += "; also " + "; ".join(more) + (f"; and {extra} more" if extra > 0 else "")
        raise IngestError(path, msg, line=line, field=fld)
    return out


def _treated_out(status: str, config: AvailabilitySection) -> bool:
    if status == "out":
        return True
    return getattr(config, status) == "out"


def _unknown_name(given: str, key: str, team: str, season: str,
                  team_names: dict[str, tuple[int, str]],
                  all_names: dict[str, tuple[int, str, int]]) -> str:
    elsewhere = all_names.get(key)
    if elsewhere is not None:
        return (f"{elsewhere[1]} did not play for {team} in {season} (he played for team "
                f"{elsewhere[2]}); give his team, or his new team's roster")
    close = difflib.get_close_matches(key, list(team_names), n=3, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(key, list(all_names), n=3, cutoff=0.75)
        names = [all_names[c][1] for c in close]
    else:
        names = [team_names[c][1] for c in close]
    hint = f"; did you mean {', '.join(repr(n) for n in names)}?" if names else ""
    return f"no player {given!r} of {team} in {season} in the store{hint}"
