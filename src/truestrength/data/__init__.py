"""Getting NBA data in: file formats, validation, the DuckDB store, synthetic league, nba_api."""
