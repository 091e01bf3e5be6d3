"""The postseason blend's inputs and the playoff rotation's power, chosen on validation seasons.

For each season S of ``--seasons`` (validation seasons only: never 2019-20 … 2023-24, never
2024-25+) and each candidate (a set of ``blend.postseason_inputs`` and a
``playoff_rotation.power``), the postseason blend is fitted exactly as ``train`` and the
backtest fit it (``models.postseason.fit_postseason``) on the stored seasons before S, and
S's play-in and playoff games are forecast from the day after its regular season. Printed per
candidate: the published choice and weights, each season's postseason log loss, their mean,
and the mean's paired difference from the first candidate with a bootstrap interval over
games. Also each input's end-of-season Spearman with the playoff finish among the 16 playoff
teams, and where it ranked the champion. And the strength sd of the fit
(``blend.postseason_strength_sd``, fitted unless ``--sd`` fixes it): the season's playoff
series log loss and its title log loss (10,000 simulations of the postseason from the real
seeds) at that sd and at sd 0.

No model is trained (the inputs read games only): seconds per candidate.

Run: python benchmarks/bench_postseason.py --db STORE --seasons 2017-18,2018-19
         --inputs rapm --inputs srs --inputs srs,rapm --powers 1,1.5,2,2.5,3
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from truestrength.app.store import load_data
from truestrength.base import memo
from truestrength.base.config import Config, load_config, with_overrides, with_sections
from truestrength.base.targets import playoff_finish_rank
from truestrength.evaluation import metrics as m
from truestrength.evaluation.postseason_forecast import forecast_postseason
from truestrength.inference.simulate import SeasonState, simulate_season
from truestrength.models.postseason import playoff_series, series_win_probs
from truestrength.models.rapm import Rapm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seasons", required=True, help="comma list of validation seasons")
    ap.add_argument("--inputs", action="append", required=True,
                    help="comma list of postseason inputs; repeat for several sets")
    ap.add_argument("--powers", default=None, help="comma list of playoff_rotation.power "
                    "(default: the configuration's)")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("-c", "--config", type=Path, default=None)
    ap.add_argument("--sd", type=float, default=None,
                    help="fix blend.postseason_strength_sd (default: fitted)")
    args = ap.parse_args()
    base = load_config(args.config) if args.config else Config()
    data = load_data(args.db)
    seasons = args.seasons.split(",")
    # None (the configuration's power learned from playoff rows) is a candidate like a number
    powers = ([float(p) for p in args.powers.split(",")] if args.powers
              else [base.playoff_rotation.power])
    candidates = [(inputs, p) for inputs in args.inputs for p in powers
                  if "rapm" in inputs.split(",") or p == powers[0]]
    losses: dict[tuple[str, float], np.ndarray] = {}
    with memo.reusing_fits():
        rapm = Rapm(base.rapm)  # one RAPM: its weekly fits are shared by every candidate
        for inputs, power in candidates:
            config = with_sections(base, {"blend": {"postseason_inputs": inputs.split(",")},
                                          "playoff_rotation": {"power": power}})
            config = with_overrides(config, "blend", postseason_strength_sd=args.sd)
            per_game, line = [], []
            for season in seasons:
                f = forecast_postseason(data, season, config, rapm)
                post, scores, as_of, g = f.post, f.scores, f.as_of, f.games
                known = data.up_to(season)
                ll = f.log_losses
                per_game.append(ll)
                truth = playoff_finish_rank(known, season)
                s = scores.reindex(truth.index).to_numpy(float)
                r = truth.to_numpy(float)
                champ = int((s > s[r == 1][0]).sum()) + 1
                sd = post.strength_sd
                series, title = _series_and_title(known, season, as_of, g, truth,
                                                  post.win_model.win_prob(scores),
                                                  config, sd)
                line.append(f"{season} {ll.mean():.4f} (sp16 "
                            f"{m.spearman(s[r <= 16], r[r <= 16]):.2f}, champion #{champ}; "
                            f"{post.stacker.choice} of {post.inputs} on "
                            f"{len(post.seasons)} seasons, weights "
                            f"{np.round(post.stacker.weights, 3).tolist()}); sd {sd:g}: "
                            f"series log loss {series[0]:.4f} (sd 0: {series[1]:.4f}), title "
                            f"log loss {title[0]:.3f} (sd 0: {title[1]:.3f}); "
                            f"{post.describe().split('; ')[-1]}")
            losses[(inputs, power)] = np.concatenate(per_game)
            first = losses[candidates[0]]
            d = losses[(inputs, power)] - first
            rng = np.random.default_rng(0)
            boot = [d[rng.integers(0, d.size, d.size)].mean() for _ in range(args.n_boot)]
            print(f"inputs {inputs}, power {power}: mean {losses[(inputs, power)].mean():.4f}"
                  f" over {d.size} games; vs {candidates[0][0]} power {candidates[0][1]} "
                  f"{d.mean():+.4f} [{np.quantile(boot, 0.025):+.4f}, "
                  f"{np.quantile(boot, 0.975):+.4f}]", flush=True)
            for x in line:
                print("    " + x, flush=True)


def _series_and_title(known, season, as_of, games, truth, win_prob, config: Config,
                      sd: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The season's playoff-series log loss and title log loss at ``sd`` and at 0."""
    series = playoff_series(known, season)
    home, road = series["home"].to_numpy(), series["road"].to_numpy()
    neutral = series["neutral_site"].to_numpy(bool)
    at_home = win_prob(home, road, neutral)
    on_road = 1 - win_prob(road, home, neutral)
    won = series["home_won"].to_numpy(bool)
    empty = pd.DataFrame({"home_team_id": [], "road_team_id": [], "neutral_site": []})
    state = SeasonState.from_league(known.before(as_of), season, as_of, schedule=empty)
    out_series, out_title = [], []
    for v in (sd, 0.0):
        p = series_win_probs(np.log(at_home / (1 - at_home)), np.log(on_road / (1 - on_road)),
                             v)
        out_series.append(float(-np.mean(np.log(np.where(won, p, 1 - p)))))
        odds = simulate_season(state, win_prob, config.simulation, postseason_sd=v).table
        out_title.append(m.title_log_loss(odds.set_index("team_id")["p_title"]
                                          .reindex(truth.index).to_numpy(float),
                                          int(np.flatnonzero(truth.to_numpy() == 1)[0])))
    return (out_series[0], out_series[1]), (out_title[0], out_title[1])


if __name__ == "__main__":
    main()
