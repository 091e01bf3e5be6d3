"""On the synthetic league the baselines track the true strengths they estimate."""

from __future__ import annotations

from truestrength.app.predictors import predictor_factories
from truestrength.base.config import Config
from truestrength.evaluation.truth import agreement_with_truth, read_truth


def test_baselines_agree_with_true_strength(synth_dir, synth_league):
    truth = read_truth(synth_dir)
    rows = agreement_with_truth(synth_league, truth, predictor_factories(["srs", "elo", "win_pct"],
                                                                        Config()),
                                synth_league.seasons[-1:])
    by = rows.set_index(["predictor", "point"])["spearman_truth"]
    # by the 41-game mark a season's margins pin strength down well; at 10 games less so
    for name in ("srs", "elo", "win_pct"):
        assert by[(name, "g41")] > 0.6, rows
        assert by[(name, "g41")] > by[(name, "g10")] - 0.1
    assert len(rows) == 3 * 5
