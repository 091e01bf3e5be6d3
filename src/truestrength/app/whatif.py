"""`truestrength whatif`: a prediction before and after a roster change, from one run.

Writes to ``<runs>/<run>-whatif-<YYYYMMDD>-<hash 8>/``, the hash of the store's data hash
and the resolved scenario (the changes' kinds, player ids and teams): another store or
another scenario goes to another folder. A folder already holding a what-if from another
run, store, date, configuration, injuries file or scenario (its ``run_manifest.json``) is
refused unless ``force``, as ``predict`` does. Files: ``whatif.csv``, ``whatif.json`` and
each side's full prediction under ``before/`` and ``after/`` (``inference.whatif``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from truestrength.app.runs import (
    IDENTITY_KEYS,
    LeagueCheck,
    _file_sha,
    check_league,
    check_output_folder,
    read_run_manifest,
)
from truestrength.base.config import Config
from truestrength.base.errors import ConfigError
from truestrength.base.league import LeagueData
from truestrength.base.manifest import write_manifest
from truestrength.base.seasons import parse_date
from truestrength.data.injuries import read_injuries
from truestrength.inference.whatif import (
    ChangeRequest,
    WhatIf,
    parse_request,
    resolve_changes,
    run_whatif,
)
from truestrength.training.ensemble import EnsembleAB, run_config

WHATIF_IDENTITY_KEYS = (*IDENTITY_KEYS, "scenario")


@dataclass(frozen=True)
class WhatIfOutcome:
    out_dir: Path
    whatif: WhatIf
    files: list[Path]
    league: LeagueCheck

    @property
    def warnings(self) -> list[str]:
        return list(self.league.warnings)


def requests_from_options(without: list[str], trade: list[str],
                          with_: list[str]) -> list[ChangeRequest]:
    """The command's options as change requests, in the order without, trade, with."""
    reqs = ([parse_request("without", v) for v in without]
            + [parse_request("trade", v) for v in trade]
            + [parse_request("with", v) for v in with_])
    if not reqs:
        raise ConfigError("nothing to change: give at least one --without NAME, "
                          "--trade NAME:TEAM or --with NAME[:TEAM]")
    return reqs


def whatif(data: LeagueData, config: Config | None, run: Path, date: str | pd.Timestamp,
           runs: Path, requests: list[ChangeRequest], injuries: Path | None = None, *,
           force: bool = False) -> WhatIfOutcome:
    """The what-if at ``date`` from the run (``config`` None = the run's own configuration;
    ``injuries``: an injuries file, used by both sides)."""
    when = date if isinstance(date, pd.Timestamp) else parse_date(date)
    config = config or run_config(run)
    ensemble = EnsembleAB.load(run, expect=config)
    season = data.season_of_date(when)
    league = check_league(run, read_run_manifest(run), ensemble, data, season)
    entries = None
    if injuries is not None:
        entries = read_injuries(injuries, data.before(when), season, config.availability,
                                rosters=data.before(when).rosters)
    # The folder is named after the resolved scenario (ids, not spellings): "jokic" and
    # "Nikola Jokić" are one question and one folder. Resolved before anything is computed,
    # so a refused folder or a typo costs nothing.
    first = resolve_changes(requests, data.before(when), season, when)
    scenario = [[c.kind, c.player_id, c.team_id] for c in first]
    key = json.dumps({"data": data.data_hash, "scenario": scenario}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    out_dir = runs / f"{run.name}-whatif-{when:%Y%m%d}-{digest}"
    identity = {"trained_run": str(run), "data_hash": data.data_hash,
                "date": str(when.date()), "config": config.model_dump(mode="json"),
                "injuries_sha256": _file_sha(injuries), "scenario": scenario}
    check_output_folder(out_dir, identity, force, keys=WHATIF_IDENTITY_KEYS)
    got = run_whatif(ensemble, data, when, config, requests, injuries=entries)
    files = got.write(out_dir)
    write_manifest(out_dir / "run_manifest.json", config=config, data_hash=data.data_hash,
                   seeds={"simulation": config.simulation.seed}, command="whatif",
                   date=str(when.date()), trained_run=str(run),
                   train_seasons=ensemble.train_seasons,
                   injuries=None if injuries is None else str(injuries),
                   injuries_sha256=identity["injuries_sha256"], scenario=scenario,
                   changes=[r.text for r in requests], league_warnings=league.warnings)
    return WhatIfOutcome(out_dir, got, files, league)
