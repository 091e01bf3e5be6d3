"""TrueStrength: rank NBA teams by true strength from their rosters."""

__version__ = "0.1.0"
