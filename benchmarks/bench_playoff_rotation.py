"""Model A's end of season with and without the playoff rotation (issue 11), on one trained model.

For each season S given (validation seasons only: never 2019-20 … 2023-24, never 2024-25+),
Model A is fitted on the seasons before S exactly as the backtest fits it (``walk_forward``),
once, and saved under ``--models DIR/S`` (a later run loads it instead of refitting). Then at
S's end-of-season point (the backtest's ``end``: the day after the last regular-season game)
it is scored with the recent rotation ("off") and with the playoff rotation at each power
of ``--powers`` (``playoff_rotation.power``), and for each:

* po_spearman16 / po_spearman: Spearman of the score with the playoff finish among the 16
  playoff teams / all 30 (what ``truestrength backtest`` reports at ``end``);
* title_log_loss: -ln P(champion) from the backtest's playoff simulation
  (``simulation`` defaults, its seed), finals_log_loss: -mean ln P(finals) of the two
  finalists;
* playoff_log_loss: log loss of P(home wins) of every playoff game of S from the end-of-season
  win model (the probabilities the simulation plays the bracket with), with the paired
  bootstrap over games against "off" (negative = better).

win_pct is shown beside it (its end-of-season scores and simulation), as the issue's yardstick.

Run: python benchmarks/bench_playoff_rotation.py --db STORE --seasons 2018-19
     --powers 1,1.5,2 --models /tmp/po/models --out /tmp/po/bench.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.app.predictors import predictor_factories
from truestrength.base.availability import Availability
from truestrength.base.config import Config, PlayoffRotationSection
from truestrength.base.errors import DataError
from truestrength.base.targets import as_of_points, playoff_finish_rank
from truestrength.base.walkforward import walk_forward
from truestrength.data.store import Store
from truestrength.evaluation import metrics as m
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.inference.simulate import SeasonState, simulate_season
from truestrength.models.model_a.predictor import FittedModelA, ModelA

N_BOOT, SEED = 2000, 0


def _score(pred, known, upto, season, date, truth, config: Config) -> dict:
    s = pred.scores.reindex(truth.index).to_numpy(float)
    rank = truth.to_numpy(float)
    playoff = rank <= 16
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": [], "neutral_site": []})
    state = SeasonState.from_league(known, season, date, schedule=empty)
    odds = simulate_season(state, pred.win_prob, config.simulation).table.set_index("team_id")
    p_title = odds["p_title"].reindex(truth.index).to_numpy(float)
    p_finals = odds["p_finals"].reindex(truth.index).to_numpy(float)
    champ = int(np.flatnonzero(rank == 1)[0])
    finalists = rank <= 2
    po = upto.games[(upto.games["season"] == season) & (upto.games["kind"] == "playoff")]
    p = np.asarray(pred.win_prob(po["home_team_id"].to_numpy(), po["road_team_id"].to_numpy(),
                                 po["neutral_site"].to_numpy(dtype=bool)), float)
    y = (po["home_pts"] > po["road_pts"]).to_numpy(float)
    return {
        "po_spearman16": m.spearman(s[playoff], rank[playoff]),
        "po_spearman": m.spearman(s, rank),
        "title_log_loss": m.title_log_loss(p_title, champ),
        "finals_log_loss": float(-np.mean(np.log(np.maximum(p_finals[finalists], 1e-15)))),
        "playoff_log_loss": m.log_loss(p, y),
        "n_playoff_games": len(po),
        "_p": p, "_y": y,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seasons", required=True)
    ap.add_argument("--powers", default="1,1.5,2")
    ap.add_argument("--cap", type=float, default=PlayoffRotationSection().cap)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    config = Config()
    data = Store(args.db).league()
    seasons = [s.strip() for s in args.seasons.split(",")]
    powers = [float(x) for x in args.powers.split(",")]
    rows = []
    for fold in walk_forward(data, seasons):
        season, upto = fold.season, fold.upto
        date = next(p.date for p in as_of_points(upto, season) if p.label == "end")
        known = upto.before(date)
        truth = playoff_finish_rank(upto, season)
        path = args.models / season / "model_a.pt"
        started = time.perf_counter()
        if path.is_file():
            model = ModelA.from_fitted(FittedModelA.load(path, expect=config), config)
        else:
            model = ModelA(config).fit(fold.train)
            path.parent.mkdir(parents=True, exist_ok=True)
            model.fitted_.save(path)
        print(f"{season}: Model A ready in {time.perf_counter() - started:.0f} s", flush=True)
        try:
            learned = fit_playoff_power(known, season, PlayoffRotationSection())
            print(f"{season}: learned power {learned.power:.3f} from {learned.seasons}")
        except DataError as exc:
            print(f"{season}: no learned power: {exc}")
        variants = {"off": None} | {
            f"power {g:g}": PlayoffRotationSection(enabled=True, power=g, cap=args.cap)
            for g in powers}
        base = None
        for name, section in variants.items():
            pred = model.predict(known, season, date, availability=None if section is None
                                 else Availability(playoff_rotation=section))
            r = _score(pred, known, upto, season, date, truth, config)
            if base is None:
                base = r
            d = m.paired_bootstrap_diff(m.log_loss, r["_p"], base["_p"], r["_y"],
                                        n_boot=N_BOOT, seed=SEED)
            rows.append({"season": season, "predictor": "model_a", "rotation": name,
                         **{k: v for k, v in r.items() if not k.startswith("_")},
                         "playoff_ll_vs_off": d.point, "low": d.low, "high": d.high})
        wp = predictor_factories(["win_pct"], config)["win_pct"]().fit(fold.train)
        r = _score(wp.predict(known, season, date), known, upto, season, date, truth, config)
        rows.append({"season": season, "predictor": "win_pct", "rotation": "-",
                     **{k: v for k, v in r.items() if not k.startswith("_")}})
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.round(4).to_string(index=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table.to_dict("records"), indent=1, default=float))


if __name__ == "__main__":
    main()
