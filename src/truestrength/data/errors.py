"""The one error type bad input raises, so every message names file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from truestrength.base.errors import DataError


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file. ``line`` is 1-based (header = 1)."""

    message: str
    line: int | None = None
    field: str | None = None

    def where(self) -> str:
        parts = ([f"line {self.line}"] if self.line is not None else []) + (
            [f"field {self.field}"] if self.field is not None else [])
        return ", ".join(parts)


class IngestError(DataError):
    """A file that cannot be ingested, with every problem found in it (up to a limit).

    ``line``, ``field`` and ``message`` are the first problem's, so a caller that handles one
    problem at a time still can; ``problems`` holds them all and ``more`` counts those left
    out past the limit.
    """

    def __init__(
        self,
        file: Path | str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self._init(str(file), [Problem(message, line, field)], 0)

    @classmethod
    def many(cls, file: Path | str, problems: list[Problem], more: int = 0) -> IngestError:
        err = cls.__new__(cls)
        err._init(str(file), problems, more)
        return err

    def _init(self, file: str, problems: list[Problem], more: int) -> None:
        if not problems:
            raise ValueError("an IngestError needs at least one problem")
        self.file, self.problems, self.more = file, problems, more
        first = problems[0]
        self.line, self.field, self.message = first.line, first.field, first.message
        if len(problems) == 1 and not more:
            where = ", ".join(p for p in (file, first.where()) if p)
            text = f"{where}: {first.message}"
        else:
            total = len(problems) + more
            lines = [f"{file}: {total} problems"
                     + (f" (the first {len(problems)} shown)" if more else "")]
            lines += [f"  {p.where() or 'file'}: {p.message}" for p in problems]
            text = "\n".join(lines)
        DataError.__init__(self, text)
