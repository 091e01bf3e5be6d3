"""predict's remaining schedule: the stored schedule when there is one, the expected one
otherwise, the games played when the store already holds them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from truestrength.base.config import SimulationSection
from truestrength.base.league import LeagueData
from truestrength.inference.predict import remaining_schedule
from truestrength.inference.simulate import SeasonState, logistic_win_prob, simulate_season


def _midseason(data: LeagueData) -> tuple[str, pd.Timestamp]:
    season = data.seasons[-1]
    g = data.standings_games(season)
    return season, pd.Timestamp(sorted(g["game_date"].unique())[80])


def _pairs(frame: pd.DataFrame) -> Counter:
    return Counter(zip(frame["home_team_id"].astype(int), frame["road_team_id"].astype(int),
                       strict=True))


def test_synthetic_league_ingests_its_schedule(synthetic):
    data = synthetic.data
    assert synthetic.report.schedule.schedule_rows == len(data.schedule) > 0
    reg = data.games[data.games["kind"] == "regular"]
    assert set(data.schedule["game_id"]) == set(reg["game_id"])
    assert not data.schedule["postponed"].any()
    assert (synthetic.summary.out_dir / "schedule.csv") in synthetic.summary.files


def test_cut_at_midseason_the_simulation_plays_exactly_the_stored_remaining_games(synth_league):
    season, mid = _midseason(synth_league)
    truth = synth_league.standings_games(season)
    truth = truth[truth["game_date"] >= mid]
    store_at_mid = synth_league.before(mid)  # what a store read on that day holds
    assert store_at_mid.games["game_date"].max() < mid and len(store_at_mid.schedule)

    sched, kind = remaining_schedule(store_at_mid, season, mid)
    assert kind == "stored"
    assert len(sched) == len(truth) > 400
    assert _pairs(sched) == _pairs(truth)

    state = SeasonState.from_league(store_at_mid, season, mid, schedule=sched)
    assert _pairs(state.remaining) == _pairs(truth)
    scores = pd.Series(np.linspace(-1, 1, len(state.teams)), index=state.teams)
    sim = simulate_season(state, logistic_win_prob(scores, 0.1, 1.0),
                          SimulationSection(n_sims=200, seed=0)).table.set_index("team_id")
    played = state.wins + state.losses
    left = _pairs(state.remaining)
    per_team = Counter()
    for (h, r), n in left.items():
        per_team[h] += n
        per_team[r] += n
    expected_total = pd.Series({t: played[i] + per_team[t] for i, t in enumerate(state.teams)})
    assert (expected_total == 82).all()
    assert (sim["mean_wins"] <= expected_total.reindex(sim.index)).all()


def test_postponed_games_without_a_date_and_played_games_are_left_out(synth_league):
    season, mid = _midseason(synth_league)
    src = dict(synth_league._source)
    sched = src["schedule"].copy()
    future = sched.index[(sched["season"] == season) & (sched["game_date"] >= mid)]
    sched.loc[future[:3], "postponed"] = True
    src["schedule"] = sched
    data = LeagueData(src, "x").before(mid)
    got, kind = remaining_schedule(data, season, mid)
    assert kind == "stored" and len(got) == len(future) - 3


def test_without_a_stored_schedule_the_expected_one_is_used(synth_league):
    season, mid = _midseason(synth_league)
    frames = {k: v for k, v in synth_league._source.items() if k != "schedule"}
    data = LeagueData(frames, "x").before(mid)
    got, kind = remaining_schedule(data, season, mid)
    truth = synth_league.standings_games(season)
    assert kind == "expected" and len(got) == int((truth["game_date"] >= mid).sum())


def test_a_past_season_uses_the_games_played(synth_league):
    season, mid = _midseason(synth_league)
    got, kind = remaining_schedule(synth_league, season, mid)
    truth = synth_league.standings_games(season)
    truth = truth[truth["game_date"] >= mid]
    assert kind == "stored" and _pairs(got) == _pairs(truth)
    end = truth["game_date"].max() + pd.Timedelta(days=1)
    got, kind = remaining_schedule(synth_league.before(end), season, end)
    assert kind == "stored" and got.empty


def test_a_store_that_lags_the_date_keeps_the_games_it_has_not_seen(synth_league):
    """The store's last games are days before the prediction date (the last fetch): the
    scheduled games in between are still to play, from the date on, not dropped."""
    season, mid = _midseason(synth_league)
    days = sorted(synth_league.standings_games(season)["game_date"].unique())
    lagging = synth_league.before(mid)  # holds games before ``mid`` only
    later = pd.Timestamp(days[days.index(mid) + 5])  # predict five game days later
    truth = synth_league.standings_games(season)
    truth = truth[truth["game_date"] >= mid]
    sched, kind = remaining_schedule(lagging, season, later)
    assert kind == "stored" and _pairs(sched) == _pairs(truth)
    assert (sched["game_date"] >= later).all()


def test_a_date_before_the_stores_newest_game_keeps_the_rest_of_the_schedule(synth_league):
    """A store holding games up to ``mid`` asked about an earlier date: the games it holds
    from that date on and the scheduled ones it does not hold are the rest of the season."""
    season, mid = _midseason(synth_league)
    days = sorted(synth_league.standings_games(season)["game_date"].unique())
    earlier = pd.Timestamp(days[days.index(mid) - 10])
    store = synth_league.before(mid)
    truth = synth_league.standings_games(season)
    truth = truth[truth["game_date"] >= earlier]
    sched, kind = remaining_schedule(store, season, earlier)
    assert kind == "stored" and len(sched) == len(truth) and _pairs(sched) == _pairs(truth)
