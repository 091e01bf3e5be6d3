"""The project's error types.

A :class:`TrueStrengthError` is a problem with what the user asked for or fed in: bad data, a
bad configuration, a model that will not learn, a run that cannot be used. The command line
turns exactly these into one-line messages. Anything else (``ValueError`` from a broken
invariant, ``KeyError``, ...) is a bug and surfaces as one, with its traceback.
"""

from __future__ import annotations


class TrueStrengthError(Exception):
    """Base class: a user-facing failure with a message that says what to do."""


class DataError(TrueStrengthError):
    """The data cannot answer the question: a season missing, incomplete or unknown."""


class ConfigError(TrueStrengthError):
    """A configuration file that cannot be read or does not validate."""


class ModelError(TrueStrengthError):
    """A model that cannot be fitted or used on this data."""


class RunError(TrueStrengthError):
    """A saved run, checkpoint or artifact that is missing, unreadable or does not match."""


class NotFittedError(RuntimeError):
    """A fitted-state method was called before ``fit``: a programming error, never the user's.

    Deliberately not a :class:`TrueStrengthError`, so it surfaces as the bug it is.
    """


def check_is_fitted(obj: object, *attributes: str) -> None:
    """Raise :class:`NotFittedError` unless every named attribute of ``obj`` is set (not None).

    The one fitted-state check, as in scikit-learn: ``fit`` sets the attributes, every method
    that needs them calls this first.
    """
    missing = [a for a in attributes if getattr(obj, a, None) is None]
    if missing:
        name = getattr(obj, "name", type(obj).__name__)
        raise NotFittedError(f"{name}: call fit() first ({', '.join(missing)} not set)")
