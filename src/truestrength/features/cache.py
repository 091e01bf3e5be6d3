"""On-disk cache of roster snapshots: ``roster-<key>.npz`` (arrays) + ``.keys.parquet``.

The key is a sha256 over everything the build depends on: the store's content hash, the
view (cutoff date, seasons visible, player rows visible — ``restrict_seasons``/``before``
views share their store's ``data_hash``), the resolved seasons, the dates spec, the config
hash and ``roster.SCHEMA_VERSION``. A cache entry is never updated, only written whole: the
parquet first, then the npz by atomic rename, so an npz on disk means a complete entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.data.league import LeagueData
from truestrength.features.player_stats import to_days
from truestrength.features.roster import (
    SCHEMA_VERSION,
    RosterConfig,
    RosterSnapshots,
    build_snapshots,
    check_finite,
    resolve_seasons,
)

__all__ = ["cache_key", "load_or_build"]

log = logging.getLogger(__name__)
DEFAULT_CACHE_DIR = Path("data/cache/features")


def cache_key(data: LeagueData, seasons: list[str] | None, config: RosterConfig,
              dates: str | list = "game_dates") -> str:
    spec = {
        "schema": SCHEMA_VERSION,
        "data_hash": data.data_hash,
        "cutoff": None if data.cutoff is None else str(pd.Timestamp(data.cutoff).date()),
        "visible_seasons": sorted(data.team_seasons["season"].unique()),
        "player_rows": len(data.player_logs),
        "seasons": resolve_seasons(data, seasons),
        "seasons_given": seasons is not None,  # changes how explicit dates are paired
        "dates": dates if isinstance(dates, str) else to_days(list(dates)).tolist(),
        "config": config.config_hash(),
    }
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    return cache_dir / f"roster-{key}.npz", cache_dir / f"roster-{key}.keys.parquet"


def load_or_build(
    data: LeagueData,
    seasons: list[str] | None = None,
    config: RosterConfig = RosterConfig(),
    cache_dir: Path | str = DEFAULT_CACHE_DIR,
    dates: str | list = "game_dates",
) -> RosterSnapshots:
    """The snapshots ``build_snapshots(data, seasons, config, dates)`` would return, from the
    cache when an entry for exactly these inputs exists; built and stored otherwise."""
    cache_dir = Path(cache_dir)
    key = cache_key(data, seasons, config, dates)
    npz_path, keys_path = _paths(cache_dir, key)
    if npz_path.exists() and keys_path.exists():
        try:
            return _load(npz_path, keys_path)
        except Exception as exc:  # a damaged entry is rebuilt, not trusted
            log.warning("roster cache entry %s unreadable (%s); rebuilding", npz_path, exc)
    snaps = build_snapshots(data, seasons, config, dates)
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
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    for path, write in (
        (keys_path, lambda f: snaps.keys.to_parquet(f, index=False)),
        (npz_path, lambda f: np.savez(
            f, x=snaps.x, player_ids=snaps.player_ids, minutes=snaps.minutes, mask=snaps.mask,
            feature_names=np.array(snaps.feature_names))),
    ):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
