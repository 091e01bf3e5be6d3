"""Shared fixtures: the real data in ../shared/data (skipped with a message when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRUESTRENGTH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_nba() -> Path:
    nba = SHARED_DATA / "nba"
    if not (nba / "games").is_dir():
        pytest.skip(f"real data not found at {nba} (set TRUESTRENGTH_SHARED_DATA)")
    return nba


@pytest.fixture(scope="session")
def real_store(shared_nba, tmp_path_factory):
    """Every real file ingested once into a fresh store, for the whole test session."""
    from truestrength.data.ingest import ingest_files
    from truestrength.data.store import Store

    store = Store(tmp_path_factory.mktemp("real") / "real.duckdb")
    ingest_files(store, [shared_nba])
    yield store
    store.close()


@pytest.fixture(scope="session")
def real_league(real_store):
    from truestrength.data.league import LeagueData

    return LeagueData.from_store(real_store)
