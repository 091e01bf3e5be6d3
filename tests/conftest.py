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
def mini_dir(shared_nba, tmp_path_factory) -> Path:
    """Five real games (player logs and games files) cut from ../shared/data."""
    from helpers import cut_mini_files

    return cut_mini_files(shared_nba, tmp_path_factory.mktemp("mini"))


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
    from truestrength.base.league import LeagueData

    return real_store.league()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    """A three-season synthetic league (seed 0), written once per test session."""
    from truestrength.base.config import SynthSection
    from truestrength.data.synth import generate_league

    out = tmp_path_factory.mktemp("synth") / "league"
    generate_league(out, SynthSection(n_seasons=3, seed=0))
    return out


@pytest.fixture(scope="session")
def synth_league(synth_dir, tmp_path_factory):
    from truestrength.cli import synth_input_paths
    from truestrength.data.ingest import ingest_files
    from truestrength.base.league import LeagueData
    from truestrength.data.store import Store

    with Store(tmp_path_factory.mktemp("synthdb") / "s.duckdb") as store:
        ingest_files(store, synth_input_paths(synth_dir))
        return store.league()
