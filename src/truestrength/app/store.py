"""Store jobs: ingest files, drop a season, describe the store, standings, synth, fetch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from truestrength.base.config import Config
from truestrength.base.errors import DataError
from truestrength.base.io import make_folder
from truestrength.base.league import LeagueData
from truestrength.base.targets import standings
from truestrength.data.fetch import FetchResult, fetch_seasons
from truestrength.data.ingest import IngestReport, ingest_files, ingest_parsed, parse_files
from truestrength.data.store import SeasonDrop, Store
from truestrength.data.synth import SynthSummary, generate_league, input_paths


def load_data(db: Path) -> LeagueData:
    """The whole store at ``db``, read-only, as a LeagueData."""
    with Store(db, read_only=True) as store:
        return store.league()


def ingest(paths: Iterable[Path], db: Path, *, allow_new_teams: bool = False) -> IngestReport:
    """Validate every file, then write all of them in one transaction (or nothing)."""
    # Every file is parsed before the store is even opened: a bad file creates nothing.
    files = parse_files(paths)
    with Store(db) as store:
        return ingest_parsed(store, files, allow_new_teams=allow_new_teams)


def drop_season(db: Path, season: str) -> SeasonDrop:
    """Remove one season from the store at ``db`` (all of it or nothing), e.g. to undo an
    ingest. A missing store is an error, not a new empty one."""
    with Store(db, create=False) as store:
        return store.drop_season(season)


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    data_hash: str
    seasons: pd.DataFrame  # Store.season_summary()
    counts: dict[str, int]


def info(db: Path) -> StoreInfo:
    with Store(db, read_only=True) as store:
        return StoreInfo(store.path, store.content_hash(), store.season_summary(),
                         store.counts())


@dataclass(frozen=True)
class Standings:
    season: str
    table: pd.DataFrame  # base.targets.standings


def season_standings(db: Path, season: str | None) -> Standings:
    with Store(db, read_only=True) as store:
        seasons = store.seasons()
        if not seasons:
            raise DataError(f"{db}: the store holds no games")
        season = season or seasons[-1]
        if season not in seasons:
            raise DataError(f"season {season} is not in the store (it has {', '.join(seasons)})")
        data = store.league([season])
    return Standings(season, standings(data, season))


@dataclass(frozen=True)
class SynthOutcome:
    summary: SynthSummary
    ingest_paths: list[Path]


def synth(out_dir: Path, config: Config) -> SynthOutcome:
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"{out_dir} is a file; synth writes a folder")
    # Made here, before minutes of simulation, so a path that cannot be a folder fails first.
    make_folder(out_dir, "synth output folder")
    return SynthOutcome(generate_league(out_dir, config.synth), input_paths(out_dir))


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    report: IngestReport | None  # None when nothing was ingested


def fetch(seasons: list[str], raw_dir: Path, db: Path, config: Config, *,
          ingest_files_too: bool = True) -> FetchOutcome:
    result = fetch_seasons(raw_dir, seasons, config.fetch)
    report = None
    if ingest_files_too and result.files:
        with Store(db) as store:
            report = ingest_files(store, result.files)
    return FetchOutcome(result, report)
