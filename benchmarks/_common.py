"""Shared bits for the benchmark scripts: where the real data is, and peak memory."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_NBA = Path(os.environ.get("TRUESTRENGTH_SHARED_DATA", REPO.parent / "shared" / "data")
                  ) / "nba"


def require_real_data() -> Path:
    if not (SHARED_NBA / "games").is_dir():
        sys.exit(f"real data not found at {SHARED_NBA} (set TRUESTRENGTH_SHARED_DATA)")
    return SHARED_NBA


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
