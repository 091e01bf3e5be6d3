"""On-disk cache of roster snapshots: ``roster-<key>.npz`` (arrays) + ``.keys.parquet``.

The key is a sha256 over everything the build depends on: the store's content hash, the
view (cutoff date, seasons visible, player rows visible — ``restrict_seasons``/``before``
views share their store's ``data_hash``), the resolved seasons, the dates spec, the config
hash, ``roster.SCHEMA_VERSION`` and :func:`code_fingerprint` (the source of the code that
builds the snapshots, so an edit that forgets to bump the schema version still misses).
A cache entry is never updated, only written whole: the parquet first, then the npz by atomic
rename, so an npz on disk means a complete entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

import truestrength
from truestrength.base.config import RapmSection, RosterSection
from truestrength.base.io import atomic_write
from truestrength.base.league import LeagueData
from truestrength.base.seasons import to_days
from truestrength.features.roster import (
    SCHEMA_VERSION,
    RosterSnapshots,
    build_snapshots,
    check_finite,
    resolve_seasons,
)

__all__ = ["cache_key", "code_fingerprint", "snapshots"]

log = logging.getLogger(__name__)

# The modules whose code decides what a snapshot contains: the build itself, the player
# statistics it reads, the league views and calendar it cuts with, and this file (the key and
# the stored layout). A change to any of them, or a new release, invalidates every entry.
FINGERPRINT_MODULES = (
    "truestrength.features.roster",
    "truestrength.features.player_stats",
    "truestrength.features.player_rapm",
    "truestrength.features.cache",
    "truestrength.base.league",
    "truestrength.base.seasons",
)


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the package version and the bytes of :data:`FINGERPRINT_MODULES`' source
    files; computed once per process (the code cannot change under a running process)."""
    digest = hashlib.sha256(f"truestrength {truestrength.__version__}".encode())
    for name in FINGERPRINT_MODULES:
        path = Path(importlib.import_module(name).__file__)
        digest.update(f"\0{name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(data: LeagueData, seasons: list[str] | None, config: RosterSection,
              dates: str | list = "game_dates", rapm: RapmSection = RapmSection()) -> str:
    spec = {
        "schema": SCHEMA_VERSION,
        "code": code_fingerprint(),
        "data_hash": data.data_hash,
        "cutoff": None if data.cutoff is None else str(pd.Timestamp(data.cutoff).date()),
        "visible_seasons": sorted(data.team_seasons["season"].unique()),
        "player_rows": len(data.player_logs),
        "seasons": resolve_seasons(data, seasons),
        "seasons_given": seasons is not None,  # changes how explicit dates are paired
        "dates": dates if isinstance(dates, str) else to_days(list(dates)).tolist(),
        "config": config.model_dump(mode="json", exclude={"cache_dir"}),
        # The ridge settings change the RAPM features only when they are built.
        "rapm": rapm.model_dump(mode="json") if config.rapm_feature else None,
    }
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    return cache_dir / f"roster-{key}.npz", cache_dir / f"roster-{key}.keys.parquet"


def snapshots(
    data: LeagueData,
    seasons: list[str] | None,
    config: RosterSection,
    dates: str | list = "game_dates",
    rapm: RapmSection = RapmSection(),
) -> RosterSnapshots:
    """The snapshots ``build_snapshots(data, seasons, config, dates, rapm=rapm)`` returns,
    from the cache in ``config.cache_dir`` when an entry for exactly these inputs exists
    (built and stored otherwise); with ``cache_dir`` None, simply built."""
    if config.cache_dir is None:
        return build_snapshots(data, seasons, config, dates, rapm=rapm)
    key = cache_key(data, seasons, config, dates, rapm)
    npz_path, keys_path = _paths(Path(config.cache_dir), key)
    if npz_path.exists() and keys_path.exists():
        try:
            return _load(npz_path, keys_path)
        except Exception as exc:  # a damaged entry is rebuilt, not trusted
            log.warning("roster cache entry %s unreadable (%s); rebuilding", npz_path, exc)
    snaps = build_snapshots(data, seasons, config, dates, rapm=rapm)
    _save(snaps, npz_path, keys_path)
    return snaps


def _load(npz_path: Path, keys_path: Path) -> RosterSnapshots:
    with np.load(npz_path, allow_pickle=False) as z:
        snaps = RosterSnapshots(
            keys=pd.read_parquet(keys_path),
            x=z["x"], player_ids=z["player_ids"], minutes=z["minutes"], mask=z["mask"],
            feature_names=tuple(str(n) for n in z["feature_names"]),
        )
    check_finite(snaps, "cached")
    return snaps


def _save(snaps: RosterSnapshots, npz_path: Path, keys_path: Path) -> None:
    # The keys first, the arrays last: an npz on disk means a complete entry.
    atomic_write(keys_path, lambda tmp: snaps.keys.to_parquet(tmp, index=False))
    atomic_write(npz_path, lambda tmp: tmp.write_bytes(_npz_bytes(snaps)))


def _npz_bytes(snaps: RosterSnapshots) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, x=snaps.x, player_ids=snaps.player_ids, minutes=snaps.minutes,
             mask=snaps.mask, feature_names=np.array(snaps.feature_names))
    return buf.getvalue()
