"""The postseason blend (issue 11): fitted on earlier seasons' play-in and playoff games, its
inputs read the day after each regular season from earlier games only, RAPM played by the
playoff rotation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from features.league_factory import Game, Line, make_league
from truestrength.base import ratings
from truestrength.base.config import BlendSection, Config
from truestrength.base.game_model import series_win_prob
from truestrength.base.io import write_json
from truestrength.base.league import LeagueData
from truestrength.base.seasons import POSTSEASON_KINDS
from truestrength.base.targets import end_of_regular_season
from truestrength.features.playoff_rotation import fit_playoff_power
from truestrength.models.postseason import (
    MIN_GAMES,
    SD_GRID,
    Postseason,
    fit_postseason,
    fit_strength_sd,
    playoff_series,
    postseason_inputs,
    series_win_probs,
)
from truestrength.models.rapm import Rapm
from truestrength.models.stacker import MEAN

# two inputs (the default since stop 25 is RAPM alone), combined by the default mean
CONFIG = Config(blend=BlendSection(postseason_inputs=["srs", "rapm"]))
TWO = Config(blend=BlendSection(postseason_inputs=["srs", "rapm"], postseason_combine="fitted"))


@pytest.fixture(scope="module")
def history(synth_league):
    return synth_league.restrict_seasons(synth_league.seasons[:2])


def test_rapm_input_is_the_playoff_rotations_rating_from_games_before_the_day(synth_league):
    season = synth_league.seasons[1]
    as_of = end_of_regular_season(synth_league, season)
    rapm = Rapm(CONFIG.rapm)
    got = postseason_inputs(synth_league, season, as_of, ["rapm", "srs"], CONFIG, rapm)
    rotation = fit_playoff_power(synth_league, season, CONFIG.playoff_rotation)
    want = Rapm(CONFIG.rapm).playoff_ratings(synth_league.before(as_of), season, as_of, rotation)
    np.testing.assert_allclose(got["rapm"], want.reindex(got.index), atol=1e-12)
    srs = ratings.srs(synth_league.before(as_of).standings_games(season))
    np.testing.assert_allclose(got["srs"], srs.reindex(got.index), atol=1e-12)
    # nothing on or after the day enters: the league cut at the day gives the same numbers
    cut = postseason_inputs(synth_league.before(as_of), season, as_of, ["rapm", "srs"], CONFIG,
                            Rapm(CONFIG.rapm))
    pd.testing.assert_frame_equal(got, cut)
    # the playoff rotation is not the last games' rotation
    assert not np.allclose(got["rapm"], rapm.ratings(synth_league, as_of).reindex(got.index))


def test_the_blend_is_a_logistic_of_earlier_postseason_games_on_the_inputs(history):
    post = fit_postseason(history, TWO, Rapm(TWO.rapm))
    assert post.seasons == tuple(history.seasons)
    st = post.stacker
    assert set(st.candidates) == {"blend", "srs", "rapm"}
    n = int(history.games["kind"].isin(POSTSEASON_KINDS).sum())
    assert st.candidates["blend"].n_games == n
    # refit by hand: the same inputs, differences home minus road, scikit-learn's logistic
    from sklearn.linear_model import LogisticRegression

    rows = []
    for season in history.seasons:
        as_of = end_of_regular_season(history, season)
        x = postseason_inputs(history, season, as_of, ["srs", "rapm"], TWO, Rapm(TWO.rapm))
        x = (x[["srs", "rapm"]] - x[["srs", "rapm"]].mean()) / 5.0
        g = history.games[(history.games["season"] == season)
                          & history.games["kind"].isin(POSTSEASON_KINDS)]
        d = x.reindex(g["home_team_id"]).to_numpy() - x.reindex(g["road_team_id"]).to_numpy()
        rows.append(pd.DataFrame({"home": ~g["neutral_site"].to_numpy(bool),
                                  "b2b": g["home_b2b"].to_numpy(float)
                                  - g["road_b2b"].to_numpy(float),
                                  "srs": d[:, 0], "rapm": d[:, 1],
                                  "won": (g["home_pts"] > g["road_pts"]).to_numpy()}))
    f = pd.concat(rows)
    want = LogisticRegression(C=np.inf, fit_intercept=False, max_iter=1000).fit(
        f[["home", "b2b", "srs", "rapm"]].to_numpy(float), f["won"].astype(int)).coef_.ravel()
    blend = st.candidates["blend"]
    np.testing.assert_allclose([blend.home_advantage, blend.back_to_back, *blend.weights],
                               want, atol=1e-4)


def test_strengths_combine_the_inputs_and_survive_a_round_trip(history, synth_league):
    post = fit_postseason(history, CONFIG, Rapm(CONFIG.rapm))
    assert post.inputs == ["srs", "rapm"] and (post.stacker.weights > 0).all()
    season = synth_league.seasons[2]
    as_of = end_of_regular_season(synth_league, season)
    scores, frame = post.strengths(synth_league, season, as_of, CONFIG, Rapm(CONFIG.rapm))
    w = post.stacker.weights
    np.testing.assert_allclose(scores, ((frame - frame.mean()) / 5.0).to_numpy() @ w,
                               atol=1e-12)
    again = Postseason.from_dict(post.to_dict())
    pd.testing.assert_series_equal(
        again.strengths(synth_league, season, as_of, CONFIG, Rapm(CONFIG.rapm))[0], scores)
    # a player out for the postseason
    team = int(scores.index[0])
    logs = synth_league.before(as_of).player_logs
    star = int(logs[(logs["season"] == season) & (logs["team_id"] == team)]
               .groupby("player_id")["minutes"].sum().idxmax())
    without = post.strengths(synth_league, season, as_of, CONFIG, Rapm(CONFIG.rapm),
                             out=frozenset({star}))[1]["rapm"]
    assert without[team] != frame["rapm"][team]  # only his team changes
    assert (without.drop(team) == frame["rapm"].drop(team)).all()


def test_the_mean_averages_each_input_s_own_fit_on_every_season_it_has(history):
    # the first season without player rows: SRS reads it, RAPM cannot
    partial = _without_players(history, history.seasons[0])
    post = fit_postseason(partial, CONFIG, Rapm(CONFIG.rapm))
    st = post.stacker
    assert st.choice == MEAN and post.seasons == tuple(history.seasons)
    n_post = history.games.groupby("season")["kind"].apply(
        lambda k: int(k.isin(POSTSEASON_KINDS).sum()))
    # each input fitted alone, on the seasons it has: SRS on both, RAPM on the second only
    single = {m: fit_postseason(partial, Config(blend=BlendSection(postseason_inputs=[m])),
                                Rapm(CONFIG.rapm)) for m in ("srs", "rapm")}
    assert single["rapm"].describe().startswith("postseason: published rapm's own fit")
    alone = {m: p.stacker.published for m, p in single.items()}
    assert alone["srs"].n_games == n_post.sum() and alone["rapm"].n_games == n_post.iloc[1]
    for m in ("srs", "rapm"):
        assert st.candidates[m].weights[0] == pytest.approx(alone[m].weights[0])
    # the published logit is the mean of the two fits' logits
    rng = np.random.default_rng(0)
    diffs, neutral, b2b = rng.normal(size=(50, 2)), rng.random(50) < 0.3, rng.integers(-1, 2, 50)
    want = (alone["srs"].logit(diffs[:, :1], neutral, b2b)
            + alone["rapm"].logit(diffs[:, 1:], neutral, b2b)) / 2
    np.testing.assert_allclose(st.published.logit(diffs, neutral, b2b), want, atol=1e-12)
    assert "mean of each input's own fit" in post.describe()
    # the fitted combination would have read the second season alone
    assert fit_postseason(partial, TWO, Rapm(TWO.rapm)).seasons == (history.seasons[1],)


def _without_players(league: LeagueData, season: str) -> LeagueData:
    frames = {name: getattr(league, name) for name in
              ("games", "team_games", "team_seasons", "playoff_series", "schedule", "rosters")}
    logs = league.player_logs
    frames["player_logs"] = logs[logs["season"] != season]
    return LeagueData(frames, f"without players in {season}")


def test_the_mean_s_sd_chain_fits_each_season_on_the_seasons_before_it(synth_league,
                                                                         monkeypatch):
    import truestrength.models.postseason as postseason

    seasons = synth_league.seasons[:3]
    partial = _without_players(synth_league.restrict_seasons(seasons), seasons[0])
    seen = []

    def spy(games, inputs, how, l2):
        seen.append(sorted(set(games["season"])))
        return fit(games, inputs, how, l2)

    fit = postseason._combined_fit
    monkeypatch.setattr(postseason, "_combined_fit", spy)
    post = fit_postseason(partial, CONFIG, Rapm(CONFIG.rapm))
    # the second season's series: a fit on the first alone, which has no RAPM, so none; the
    # third's 15 series: a fit on the first two (SRS on both, RAPM on the second)
    assert seen == [seasons[:1], seasons[:2]]
    assert (post.sd_source, post.sd_series) == ("fitted", 15)


def test_too_few_postseason_games_no_blend():
    # regular-season games only: nothing to fit; the regular blend forecasts the postseason
    day = pd.Timestamp("2021-10-20")
    games = [Game(f"{day + pd.Timedelta(days=2 * n):%Y-%m-%d}", 1 + n % 2, 2 - n % 2,
                  (Line(10, 1, min=240.0), Line(20, 2, min=240.0))) for n in range(30)]
    assert fit_postseason(make_league(games), CONFIG, Rapm(CONFIG.rapm)) is None
    # with MIN_GAMES - 1 playoff games after it, still too few
    later = day + pd.Timedelta(days=70)
    games += [Game(f"{later + pd.Timedelta(days=n):%Y-%m-%d}", 1, 2,
                   (Line(10, 1, min=240.0), Line(20, 2, min=240.0)), kind="playoff")
              for n in range(MIN_GAMES - 1)]
    assert fit_postseason(make_league(games), CONFIG, Rapm(CONFIG.rapm)) is None


def test_before_its_first_game_a_team_is_played_by_last_season_s_rotation(synth_league):
    season = synth_league.seasons[2]
    first = synth_league.games.loc[synth_league.games["season"] == season, "game_date"].min()
    rapm = Rapm(CONFIG.rapm)
    got = postseason_inputs(synth_league, season, first, ["rapm"], CONFIG, rapm)["rapm"]
    assert got.std() > 1.0  # not every team at the league average
    known = synth_league.before(first)
    prev = known.player_logs[known.player_logs["season"] == synth_league.seasons[1]]
    rotation = fit_playoff_power(known, season, CONFIG.playoff_rotation)
    from truestrength.features.playoff_rotation import playoff_shares

    shares = playoff_shares(prev[["game_id", "game_date", "team_id", "player_id", "minutes"]],
                            rotation)
    want = rapm.fit_at(known, first).team_ratings(shares)
    np.testing.assert_allclose(got, want.reindex(got.index), atol=1e-12)


# --------------------------------------------------------------------------------------------
# how sure the postseason strengths are
# --------------------------------------------------------------------------------------------
def test_playoff_series_are_the_store_s_decided_series(synth_league):
    season = synth_league.seasons[1]
    got = playoff_series(synth_league, season)
    assert len(got) == 15 and not got["neutral_site"].any()
    g = synth_league.games
    pg = g[(g["season"] == season) & (g["kind"] == "playoff")].sort_values(
        ["game_date", "game_id"])
    for r in got.itertuples():
        games = pg[pg["home_team_id"].isin([r.home, r.road])
                   & pg["road_team_id"].isin([r.home, r.road])]
        assert games["home_team_id"].iloc[0] == r.home  # home court: hosts game 1
        home_wins = (((games["home_team_id"] == r.home) & (games["home_pts"] > games["road_pts"]))
                     | ((games["road_team_id"] == r.home)
                        & (games["road_pts"] > games["home_pts"]))).sum()
        assert (home_wins == 4) == r.home_won and (r.home_won or len(games) - home_wins == 4)
    # while the playoffs are being played no series of the season is known yet
    mid = pg["game_date"].iloc[len(pg) // 2]
    assert playoff_series(synth_league.before(mid), season).empty
    assert len(playoff_series(synth_league.before(mid), synth_league.seasons[0])) == 15


def test_series_probabilities_spread_with_the_sd_and_sd_zero_is_the_closed_form():
    lh, lr = np.array([1.0, 0.2, -0.5]), np.array([0.4, -0.4, -1.1])
    np.testing.assert_allclose(series_win_probs(lh, lr, 0.0),
                               series_win_prob(expit(lh), expit(lr)))
    # Monte Carlo of the shocks gives the quadrature's mean
    rng = np.random.default_rng(0)
    d = rng.normal(0, np.sqrt(2) * 0.7, 200_000)
    mc = series_win_prob(expit(lh[0] + d), expit(lr[0] + d)).mean()
    assert abs(series_win_probs(lh[:1], lr[:1], 0.7)[0] - mc) < 0.003
    # more uncertainty, closer to a coin flip for the favourite
    p = [series_win_probs(lh[:1], lr[:1], sd)[0] for sd in (0.0, 0.5, 1.0, 2.0)]
    assert p[0] > p[1] > p[2] > p[3] > 0.5


@pytest.mark.parametrize("true_sd", [0.0, 0.6])
def test_the_sd_fit_finds_the_shocks_series_were_played_with(true_sd):
    rng = np.random.default_rng(1)
    n = 3000  # a hundred series cannot tell sd 0 from 0.5 (BENCHMARKS "Stop 23")
    lh = rng.normal(0.4, 0.6, n)
    lr = lh - 0.6
    d = rng.normal(0, np.sqrt(2) * true_sd, n)
    won = rng.random(n) < series_win_prob(expit(lh + d), expit(lr + d))
    sd, losses = fit_strength_sd(lh, lr, won)
    # over 20 seeds the fit lay within 0.25 of 0 (the edge of the grid) and 0.1 of 0.6
    assert abs(sd - true_sd) <= 0.3 if true_sd == 0 else abs(sd - true_sd) <= 0.15
    # the losses are the series' mean log loss at each sd of the grid
    p = series_win_probs(lh, lr, 0.5)
    assert losses[SD_GRID == 0.5][0] == pytest.approx(-np.mean(np.log(np.where(won, p, 1 - p))))


def test_the_fitted_sd_is_forward_chained_and_kept_with_the_run(history, tmp_path):
    post = fit_postseason(history, CONFIG, Rapm(CONFIG.rapm))
    # one earlier season forecasts the second's 15 series
    assert post.sd_source == "fitted" and post.sd_series == 15
    back = Postseason.from_dict(post.to_dict())
    assert (back.strength_sd, back.sd_source, back.sd_series, back.sd_log_loss) == (
        post.strength_sd, post.sd_source, post.sd_series, post.sd_log_loss)
    assert "strength sd" in post.describe()
    fixed = fit_postseason(history, Config(blend=BlendSection(postseason_strength_sd=0.35)),
                           Rapm(CONFIG.rapm))
    assert (fixed.strength_sd, fixed.sd_source) == (0.35, "fixed")
    assert "(fixed)" in fixed.describe()
    # saved as a run saves it (the unfitted log losses are JSON null) and read back
    saved = json.loads(write_json(tmp_path / "post.json", fixed.to_dict()).read_text())
    again = Postseason.from_dict(saved)
    assert (again.strength_sd, again.sd_source) == (0.35, "fixed")
    assert np.isnan(again.sd_log_loss).all()
    # one season: nothing before it to forecast its series from
    alone = fit_postseason(history.restrict_seasons(history.seasons[:1]), CONFIG,
                           Rapm(CONFIG.rapm))
    assert (alone.strength_sd, alone.sd_source, alone.sd_series) == (0.0, "too few series", 0)
    assert "too few to fit" in alone.describe()
    # a run saved before the sd simulated with strengths known exactly
    old = post.to_dict()
    for key in ("strength_sd", "sd_source", "sd_series", "sd_log_loss"):
        del old[key]
    assert Postseason.from_dict(old).strength_sd == 0.0
