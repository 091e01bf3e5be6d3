"""Files written whole or not at all, and the saved JSON artifacts runs are made of."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from truestrength.base.errors import DataError, RunError


def make_folder(path: Path, what: str) -> Path:
    """Create the folder ``path`` (and its parents), or raise a :class:`DataError` that says
    why in the user's terms; ``what`` names it in the message (``"store folder"``)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # mkdir's "File exists" hides the usual cause: a file where a folder must be.
        blocker = next((p for p in (path, *path.parents) if p.exists()), None)
        why = (f"{blocker} is a file, not a folder"
               if blocker is not None and not blocker.is_dir() else exc.strerror)
        raise DataError(f"cannot create the {what} {path}: {why}") from exc
    return path


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temp file in the same folder, then rename it to ``path``.

    A crash or an exception mid-write leaves the old file (or none), never half a file: the
    rename is atomic on one file system.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_json(path: Path, obj: Any) -> Path:
    """``obj`` as indented JSON, atomically. NaN and inf (an undefined CI, a figure that
    could not be measured) are written as null: bare NaN is not JSON."""
    text = json.dumps(_null_non_finite(obj), indent=2, default=_plain, allow_nan=False)
    return atomic_write(Path(path), lambda tmp: tmp.write_text(text))


def _null_non_finite(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _null_non_finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_null_non_finite(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _plain(o: Any) -> Any:
    """numpy scalars as Python numbers; anything else (dates, paths) as its string."""
    if isinstance(o, np.bool_ | np.integer):
        return o.item()
    return str(o)


def read_artifact(path: Path, fmt: str) -> dict:
    """A saved JSON artifact (run, checkpoint) of format ``fmt``, or a RunError saying why it
    cannot be used."""
    try:
        meta = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: not a readable {fmt} file ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise RunError(f"{path}: not a {fmt} file")
    return meta
