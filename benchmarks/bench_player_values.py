"""Does Model A value players the way the synthetic league's truth does? (issue 10)

Generates a synthetic league (seed 0, ``--seasons`` seasons, default 4), fits Model A on all
seasons but the last for each game-loss weight λ (``--weights``, default ``0,300``: ListMLE
only, and the default) and, at a quarter, half and three quarters of the last season's dates:

* **top-player removal**: for each team, its snapshot (the forecast-time roster, features of
  games before the date) with and without its best player by true ability (offense +
  defense, ``truth/players.csv``). Model change = score without him - score with him (he is
  masked out; the set-attention pooling renormalises over the rest). True change = the same
  difference of the truth's team strength ``sum (m / 48) * (o + d)``, with the snapshot's
  recent minutes scaled to 240 with and without him (his minutes go to the rest pro rata,
  which is how the synthetic coach refills a rotation, up to the rank template). Reported:
  Spearman across the 30 teams (target >= 0.7), averaged over the three dates.
* **every player**: the same removal for every player of every roster, Spearman of model
  change against true change over all of them (how well the values of individual players,
  not only stars, are read).

* **player values** (with ``--set value_head=true``): Spearman of the value head's per-player
  value against the true ability, over every player of every roster.
* **the plain RAPM** (``rapm_*``): the same two removals read by the ridge's player values in
  force at the date, the team's rating the minutes-share-weighted sum of them: what a model
  whose team strength is a sum of player values gets on the same league.

Run: python benchmarks/bench_player_values.py [--weights 0,300] [--seasons 4] [--epochs N]
         [--set value_head=true,...] [--roster-set rapm_feature=true]
Prints one table; takes a few minutes per weight on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from truestrength.base.config import Config, SynthSection
from truestrength.data.synth import synthetic_store
from truestrength.features.roster import build_snapshots
from truestrength.models.model_a.predictor import fit_model_a
from truestrength.models.model_a.trainer import TensorData, score_snapshots
from truestrength.models.rapm import Rapm


def _share_sum(minutes: np.ndarray, values: np.ndarray) -> float:
    """A team as the minutes-share-weighted sum of its players' values: the synthetic truth's
    form (in points per 48 minutes, times 5) and the plain RAPM's."""
    return float((minutes / minutes.sum() * values).sum())


def _settings(text: str, flag: str) -> dict[str, str]:
    """``a=1,b=x`` as {"a": "1", "b": "x"}; the Config validates the values."""
    pairs = [kv for kv in text.split(",") if kv]
    bad = [kv for kv in pairs if "=" not in kv]
    if bad:
        raise SystemExit(f"{flag}: {bad[0]!r} is not name=value (e.g. {flag} value_head=true)")
    return dict(kv.split("=", 1) for kv in pairs)


def removal_effects(fitted, data, season: str, date: pd.Timestamp,
                    ability: pd.Series, rapm_coef: pd.Series) -> pd.DataFrame:
    """One row per (team, player) of the snapshots at ``date``: model and true change when
    he is removed, and whether he is his team's best player by true ability. ``rapm_change``:
    the same removal read by the plain RAPM's values in force at the date (``rapm_coef``),
    the team's rating being the minutes-share-weighted sum of its players' values."""
    snaps = build_snapshots(data.before(date), [season], fitted.roster, dates=[date])
    scaled = fitted.scaler.transform(snaps)
    full = TensorData.from_snapshots(scaled, fitted.vocab)
    base, _ = score_snapshots(fitted.model, full)
    value = None
    if fitted.model.value_out is not None:
        with torch.no_grad():
            value = fitted.model(full.x, full.player_idx, full.minutes,
                                 full.mask).player_value.numpy()
    rows = []
    for n in range(len(snaps)):
        real = np.flatnonzero(snaps.mask[n])
        pids = snaps.player_ids[n, real]
        od = ability.reindex(pids).fillna(ability.min()).to_numpy()  # unknown: replacement
        mins = snaps.minutes[n, real].astype(np.float64)
        coef = rapm_coef.reindex(pids).fillna(0.0).to_numpy()
        true_full, rapm_full = 5 * _share_sum(mins, od), _share_sum(mins, coef)
        # All single removals of this team at once: row k drops slot real[k].
        k = len(real)
        x = full.x[n].expand(k, *full.x.shape[1:]).clone()
        mask = full.mask[n].expand(k, -1).clone()
        mask[torch.arange(k), torch.from_numpy(real)] = False
        if k < 2:
            continue
        out, _ = score_snapshots(fitted.model, TensorData(
            x, full.player_idx[n].expand(k, -1).clone(), full.minutes[n].expand(k, -1).clone(),
            mask))
        best = int(np.argmax(od))
        for j in range(k):
            keep = np.arange(k) != j
            true_wo = 5 * _share_sum(mins[keep], od[keep])
            rapm_wo = _share_sum(mins[keep], coef[keep])
            rows.append({"team_id": int(snaps.keys.loc[n, "team_id"]), "player_id": int(pids[j]),
                         "model_change": float(out[j] - base[n]),
                         "rapm_change": float(rapm_wo - rapm_full),
                         "value": np.nan if value is None else float(value[n, real[j]]),
                         "ability": float(od[j]),
                         "true_change": float(true_wo - true_full), "top": j == best})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="0,300", help="game_loss_weight values, comma list")
    ap.add_argument("--seasons", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=None, help="override model_a.epochs")
    ap.add_argument("--set", default="", help="model_a settings for every weight, "
                                                "e.g. value_head=true,embed_dim=0")
    ap.add_argument("--roster-set", default="", help="roster settings, e.g. rapm_feature=true")
    args = ap.parse_args()
    extra = _settings(args.set, "--set")
    roster = _settings(args.roster_set, "--roster-set")
    weights = [float(w) for w in args.weights.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        league = Path(tmp) / "league"
        data = synthetic_store(league, Path(tmp) / "s.duckdb",
                               SynthSection(n_seasons=args.seasons, seed=0)).data
        truth = pd.read_csv(league / "truth" / "players.csv")
        season = data.seasons[-1]
        history = data.restrict_seasons(data.seasons[:-1])
        t = truth[truth["season"] == season]
        ability = pd.Series((t["offense"] + t["defense"]).to_numpy(),
                            index=t["player_id"].to_numpy()).groupby(level=0).mean()
        days = np.sort(data.standings_games(season)["game_date"].unique())
        dates = [pd.Timestamp(days[int(q * len(days))]) for q in (0.25, 0.5, 0.75)]
        rows = []
        for w in weights:
            overrides = {**extra, "game_loss_weight": w}
            if args.epochs:
                overrides["epochs"] = args.epochs
            cfg = Config.model_validate({"model_a": overrides, "roster": {
                **roster, "cache_dir": str(Path(tmp) / "cache")}})
            t0 = time.perf_counter()
            fitted = fit_model_a(history, cfg)
            secs = time.perf_counter() - t0
            rapm = Rapm(cfg.rapm)
            for d in dates:
                eff = removal_effects(fitted, data, season, d, ability,
                                      rapm.fit_at(data.before(d), d).coef)
                top = eff[eff["top"]]
                rows.append({
                    "game_loss_weight": w, "date": d.date(),
                    "top_player_spearman": top["model_change"].corr(top["true_change"],
                                                                    method="spearman"),
                    "all_players_spearman": eff["model_change"].corr(eff["true_change"],
                                                                     method="spearman"),
                    "rapm_top_spearman": top["rapm_change"].corr(top["true_change"],
                                                                 method="spearman"),
                    "rapm_all_spearman": eff["rapm_change"].corr(eff["true_change"],
                                                                 method="spearman"),
                    "value_vs_ability": eff["value"].corr(eff["ability"], method="spearman"),
                    "teams": len(top), "players": len(eff), "fit_seconds": round(secs)})
    res = pd.DataFrame(rows)
    with pd.option_context("display.width", 160):
        print(res.round(3).to_string(index=False))
        print("\nmean over the three dates:")
        print(res.groupby("game_loss_weight")[[
            "top_player_spearman", "all_players_spearman", "value_vs_ability",
            "rapm_top_spearman", "rapm_all_spearman"]].mean().round(3).to_string())
    print(f"\nsynthetic league seed 0, {args.seasons} seasons; fitted on {data.seasons[:-1]}, "
          f"measured in {season}; model_a settings {extra or 'defaults'}, roster settings "
          f"{roster or 'defaults'}; rapm_*: the plain RAPM's values (its own settings) read "
          "by the same removals")


if __name__ == "__main__":
    main()
