"""What a run records so its numbers can be reproduced: code version, data hash, config."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from truestrength import __version__
from truestrength.base.io import write_json


def code_version() -> str:
    """Package version plus the git commit (``+dirty`` when the work tree has changes)."""
    root = Path(__file__).resolve().parents[3]  # the repository (src/truestrength/base/)
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                             capture_output=True, text=True, check=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{sha}{'.dirty' if dirty else ''}"


def manifest(config: Any, data_hash: str, seeds: dict[str, int], **extra: Any) -> dict:
    cfg = config.model_dump(mode="json") if hasattr(config, "model_dump") else config
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "python": platform.python_version(),
        "data_hash": data_hash,
        "seeds": seeds,
        "config": cfg,
        **extra,
    }


def write_manifest(path: Path, **kwargs: Any) -> Path:
    return write_json(path, manifest(**kwargs))
