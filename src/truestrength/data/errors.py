"""The one error type bad input raises, so every message names file, line and field."""

from __future__ import annotations

from pathlib import Path

from truestrength.base.errors import DataError


class IngestError(DataError):
    """A file that cannot be ingested. ``line`` is the 1-based line in the file (header = 1)."""

    def __init__(
        self,
        file: Path | str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        where = self.file
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")
