"""Getting NBA data in: file formats, validation, the DuckDB store, synthetic league, nba_api."""

# Registers the schedule and rosters parsers with formats.read_file; a plain import from
# formats would be an import cycle (schedule_files reuses formats' cell parsers).
from truestrength.data import schedule_files as _schedule_files  # noqa: E402, F401
