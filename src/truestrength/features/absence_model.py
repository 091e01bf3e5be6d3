"""How long absences last, learned from the box scores: for a rotation player who has missed
his team's last k games, the chance he is back for the next one, and how many more he
typically misses.

Spells. Only regular-season games (the standings games and the cup final, as the rest of
the features) strictly before the fitting date are read, season by season. After each game
a player plays for team T, he is *in the rotation* when his mean minutes over his last
``roster.recent_games`` games (that one included) are at least
``availability.rotation_min_minutes`` — the rule ``features.availability`` uses to infer
him out. If he then misses T's next game, a spell starts; it counts T's games he misses in
a row (M >= 1) and ends

* with a return when his next game is for T again (returned after M missed);
* censored when there is no next game in the season as far as the data go (the season's
  end, or the fitting date in a season under way), or when his next game is for another
  team (he left T: nobody knows when he would have been back for it). A censored spell says
  only "M or more", never "back after M".

Hazard. For k >= 1, h(k) = P(he plays T's next game | he has missed k so far): d(k) spells
returned after exactly k, over n(k) spells at risk (returned after k or more, or censored
after more than k) — the discrete Kaplan-Meier estimate. Its counts thin out for long
absences, so each h(k) is shrunk towards r(k), the single geometric hazard of all spells
from k on (sum of d over sum of n for k' >= k), with ``absence_smoothing`` pseudo-spells:
h(k) = (d(k) + s r(k)) / (n(k) + s). Past the last k whose spells from k on still hold
``absence_tail_exposure`` games at risk, r stays at that k's value: a geometric tail, also
beyond the longest spell seen. Further games missed F, given k missed, then has
P(F = j) = h(k + j) prod_{i<j} (1 - h(k + i)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from truestrength.base.config import AvailabilitySection
from truestrength.base.errors import DataError, ModelError
from truestrength.base.league import LeagueData
from truestrength.base.seasons import to_days
from truestrength.features.player_stats import regular_player_logs

__all__ = ["SPELL_COLUMNS", "AbsenceHazardRow", "AbsenceModel", "absence_spells"]

SPELL_COLUMNS = ("season", "player_id", "team_id", "first_missed", "missed", "returned")
# Wider than twice any date's day number (1970 is day 0): (group, day) keys stay ordered.
_DAY_SPAN = 1_000_000


def absence_spells(known: LeagueData, recent_games: int,
                   rotation_min_minutes: float) -> pd.DataFrame:
    """The absence spells of rotation players in ``known`` (module docstring), one row each:
    ``season, player_id, team_id, first_missed`` (date of the first game missed),
    ``missed`` (M >= 1) and ``returned`` (False = censored)."""
    logs = regular_player_logs(known.player_logs, known.games)
    if logs.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            SPELL_COLUMNS, ("object", "int64", "int64", "datetime64[ns]", "int64", "bool"),
            strict=True)})
    logs = logs[["season", "player_id", "team_id", "game_id", "game_date", "minutes"]]
    tg = (logs[["season", "team_id", "game_id", "game_date"]]
          .drop_duplicates(["team_id", "game_id"])
          .sort_values(["season", "team_id", "game_date", "game_id"], kind="stable")
          .reset_index(drop=True))
    tg["idx"] = tg.groupby(["season", "team_id"]).cumcount()
    # (season, team) groups are contiguous and numbered in order, so (group, day) sorts tg
    tg["grp"] = tg.groupby(["season", "team_id"], sort=False).ngroup()
    tg_key = tg["grp"].to_numpy(np.int64) * _DAY_SPAN + to_days(tg["game_date"])
    n_team = tg.groupby(["season", "team_id"]).size().rename("n_team")
    logs = (logs.merge(tg[["team_id", "game_id", "idx", "grp"]], on=["team_id", "game_id"])
            .merge(n_team, left_on=["season", "team_id"], right_index=True)
            .sort_values(["season", "player_id", "game_date", "game_id"], kind="stable")
            .reset_index(drop=True))
    by = logs.groupby(["season", "player_id"], sort=False)
    # mean minutes over his last ``recent_games`` games, this one included
    csum = by["minutes"].cumsum()
    n_seen = by.cumcount() + 1
    back = csum.groupby([logs["season"], logs["player_id"]], sort=False).shift(
        recent_games, fill_value=0.0)
    recent = (csum - back) / np.minimum(n_seen, recent_games)
    nxt_team = by["team_id"].shift(-1)
    nxt_idx = by["idx"].shift(-1)
    nxt_date = by["game_date"].shift(-1)

    same = nxt_team.notna() & (nxt_team == logs["team_id"])
    left = nxt_team.notna() & ~same
    missed = np.where(same, nxt_idx - logs["idx"] - 1, logs["n_team"] - logs["idx"] - 1)
    missed = pd.Series(missed, index=logs.index).fillna(0).astype(np.int64)
    if left.any():  # his old team's games before his first game for the new one
        i = np.flatnonzero(left.to_numpy())
        grp = logs["grp"].to_numpy(np.int64)[i]
        before = (np.searchsorted(tg_key, grp * _DAY_SPAN + to_days(nxt_date.iloc[i]),
                                  side="left")
                  - np.searchsorted(tg["grp"].to_numpy(np.int64), grp, side="left"))
        missed.iloc[i] = np.maximum(before - logs["idx"].to_numpy(np.int64)[i] - 1, 0)
    keep = (missed >= 1) & (recent >= rotation_min_minutes)
    spells = logs.loc[keep, ["season", "player_id", "team_id", "idx"]].copy()
    spells["missed"] = missed[keep].to_numpy()
    spells["returned"] = same[keep].to_numpy()
    first = tg.set_index(["season", "team_id", "idx"])["game_date"]
    spells["first_missed"] = first.reindex(pd.MultiIndex.from_arrays(
        [spells["season"], spells["team_id"], spells["idx"] + 1])).to_numpy()
    return spells[list(SPELL_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class AbsenceHazardRow:
    """One k of the fitted hazard: spells at risk after k missed, those back for the next
    game, the raw Kaplan-Meier hazard (NaN with none at risk) and the smoothed one used."""

    k: int
    at_risk: int
    returned: int
    raw: float
    hazard: float


class AbsenceModel:
    """The learned hazard of coming back (module docstring). ``fit`` (from a league, cut
    strictly before a date) or ``fit_spells`` (from spell lengths) return the model; every
    other method raises ``ModelError`` before one of them was called."""

    def __init__(self, config: AvailabilitySection | None = None,
                 recent_games: int = 10) -> None:
        self.config = config or AvailabilitySection()
        self.recent_games = recent_games

    def fit(self, data: LeagueData, date: pd.Timestamp) -> AbsenceModel:
        """Learn from the spells of ``data`` strictly before ``date`` (the view is cut here,
        so a caller cannot leak later games into it)."""
        known = data.before(pd.Timestamp(date).normalize())
        self.spells_ = absence_spells(known, self.recent_games,
                                      self.config.rotation_min_minutes)
        return self.fit_spells(self.spells_["missed"].to_numpy(),
                               self.spells_["returned"].to_numpy())

    def fit_spells(self, missed: np.ndarray, returned: np.ndarray) -> AbsenceModel:
        """Learn from spells: ``missed`` games (>= 1) and whether he ``returned`` after
        them (False = censored: he missed at least that many)."""
        missed = np.asarray(missed, dtype=np.int64)
        returned = np.asarray(returned, dtype=bool)
        if missed.shape != returned.shape or missed.ndim != 1:
            raise DataError(f"spells: missed {missed.shape} and returned {returned.shape} "
                            "must be two vectors of one length")
        if len(missed) and missed.min() < 1:
            raise DataError(f"spells: a spell misses at least one game, got {missed.min()}")
        top = int(missed.max()) if len(missed) else 0
        ks = np.arange(1, top + 2)
        ret_at = np.bincount(missed[returned], minlength=top + 2)[1:]
        cens_at = np.bincount(missed[~returned], minlength=top + 2)[1:]
        # at risk after k missed: returned after k or more, or censored after more than k
        ret_ge = ret_at[::-1].cumsum()[::-1]
        cens_gt = np.concatenate([cens_at[::-1].cumsum()[::-1][1:], [0]])
        n = ret_ge + cens_gt
        d = ret_at
        tail_d, tail_n = d[::-1].cumsum()[::-1], n[::-1].cumsum()[::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            rest = np.where(tail_n > 0, tail_d / tail_n, np.nan)
            raw = np.where(n > 0, d / n, np.nan)
        # The longest spells' own geometric hazard rests on a few spells (the very last k
        # at risk is 1 whenever the longest spell returned): past the last k whose spells
        # from there on still hold ``absence_tail_exposure`` games at risk, that k's holds.
        enough = np.flatnonzero(tail_n >= self.config.absence_tail_exposure)
        if len(enough):
            rest[enough[-1] + 1:] = rest[enough[-1]]
        else:  # too few spells for a tail: all of them pooled
            rest[:] = tail_d[0] / tail_n[0] if tail_n[0] > 0 else 0.0
        s = self.config.absence_smoothing
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(n + s > 0, (d + s * rest) / (n + s), rest)
        self.n_spells_ = int(len(missed))
        self.n_returned_ = int(returned.sum())
        self.hazard_ = hazard  # hazard_[k - 1] = h(k)
        self.tail_hazard_ = float(rest[-1]) if len(rest) else 0.0
        self.table_ = [AbsenceHazardRow(int(k), int(n[i]), int(d[i]), float(raw[i]),
                                        float(hazard[i])) for i, k in enumerate(ks)]
        return self

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "hazard_"):
            raise ModelError("AbsenceModel is not fitted: call fit() or fit_spells() first")

    @property
    def informative(self) -> bool:
        """Enough spells (``absence_min_spells``) to date a return from them."""
        self._check_is_fitted()
        return self.n_spells_ >= self.config.absence_min_spells

    def hazard(self, k: int | np.ndarray) -> np.ndarray:
        """h(k) for k >= 1: P(back for the next game | missed k so far)."""
        self._check_is_fitted()
        k = np.asarray(k, dtype=np.int64)
        if (k < 1).any():
            raise ModelError(f"hazard is defined for k >= 1 games missed, got {k.min()}")
        h = self.hazard_
        return np.where(k <= len(h), h[np.minimum(k, len(h)) - 1] if len(h) else 0.0,
                        self.tail_hazard_)

    def further_missed(self, k: int, horizon: int) -> np.ndarray:
        """P(F = j) for j = 0..horizon-1: the chance he misses exactly j more games after
        the k he has missed (what is left to ``horizon`` is his chance of missing more)."""
        h = self.hazard(np.arange(k, k + horizon))
        alive = np.concatenate([[1.0], np.cumprod(1.0 - h)[:-1]])
        return alive * h

    def quantile(self, k: int, horizon: int, q: float | None = None) -> int | None:
        """The smallest j with P(F <= j | missed k) >= q (``absence_quantile`` by default):
        with the median, "typically back after j more". None when that is not reached
        within ``horizon`` games."""
        q = self.config.absence_quantile if q is None else q
        if horizon <= 0:
            return None
        cdf = np.cumsum(self.further_missed(k, horizon))
        hit = np.flatnonzero(cdf >= q - 1e-12)
        return int(hit[0]) if len(hit) else None
