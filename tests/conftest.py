"""Shared fixtures: the real data in ../shared/data (skipped with a message when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRUESTRENGTH_SHARED_DATA", REPO.parent / "shared" / "data"))


REAL_DATA_FIXTURES = {"shared_nba", "mini_dir", "real_store", "real_league"}


def pytest_collection_modifyitems(config, items):
    """Every test that reads ../shared/data must say so with the ``realdata`` marker, so that
    what a run without the data skips is visible (``pytest -m "not realdata"``)."""
    unmarked = [i.nodeid for i in items
                if REAL_DATA_FIXTURES & set(getattr(i, "fixturenames", ()))
                and i.get_closest_marker("realdata") is None]
    if unmarked:
        raise pytest.UsageError("tests read ../shared/data without @pytest.mark.realdata: "
                                + ", ".join(unmarked))


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

    return real_store.league()


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """A three-season synthetic league (seed 0) in a store, built once per test session."""
    from truestrength.base.config import SynthSection
    from truestrength.data.synth import synthetic_store

    root = tmp_path_factory.mktemp("synth")
    return synthetic_store(root / "league", root / "s.duckdb", SynthSection(n_seasons=3, seed=0))


@pytest.fixture(scope="session")
def synth_dir(synthetic) -> Path:
    return synthetic.summary.out_dir


@pytest.fixture(scope="session")
def synth_league(synthetic):
    return synthetic.data
