"""On-disk cache of roster snapshots: ``roster-<key>.npz`` (arrays) + ``.keys.parquet``.

The key is a sha256 over everything the build depends on: the store's content hash, the
view (cutoff date, seasons visible, player rows visible — ``restrict_seasons``/``before``
views share their store's ``data_hash``), the resolved seasons, the dates spec, the config
hash and ``roster.SCHEMA_VERSION``. A cache entry is never updated, only written whole: the
parquet first, then the npz by atomic rename, so an npz on disk means a complete entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.base.config import RosterSection
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

__all__ = ["cache_key", "snapshots"]

log = logging.getLogger(__name__)


def cache_key(data: LeagueData, seasons: list[str] | None, config: RosterSection,
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
        "config": config.model_dump(mode="json", exclude={"cache_dir"}),
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
) -> RosterSnapshots:
    """The snapshots ``build_snapshots(data, seasons, config, dates)`` returns, from the cache
    in ``config.cache_dir`` when an entry for exactly these inputs exists (built and stored
    otherwise); with ``cache_dir`` None, simply built."""
    if config.cache_dir is None:
        return build_snapshots(data, seasons, config, dates)
    key = cache_key(data, seasons, config, dates)
    npz_path, keys_path = _paths(Path(config.cache_dir), key)
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
    # The keys first, the arrays last: an npz on disk means a complete entry.
    atomic_write(keys_path, lambda tmp: snaps.keys.to_parquet(tmp, index=False))
    atomic_write(npz_path, lambda tmp: tmp.write_bytes(_npz_bytes(snaps)))


def _npz_bytes(snaps: RosterSnapshots) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, x=snaps.x, player_ids=snaps.player_ids, minutes=snaps.minutes,
             mask=snaps.mask, feature_names=np.array(snaps.feature_names))
    return buf.getvalue()
