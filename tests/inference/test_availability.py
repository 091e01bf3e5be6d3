"""Availability end to end on the synthetic league, cut at mid-season with its real remaining
schedule stored: an injuries file that puts a team's best player (by the league's known true
abilities) out for the season lowers its title odds; a return date before the playoffs
brings them back part-way.

Model A's network is replaced by the league's truth: a team's score is the minutes-weighted
true ability (offense + defense) of the players in its roster snapshot, and the stacker
weighs Model A alone. Everything else is the real path — the injuries file is parsed, the
availability resolved (inferred outs included), the snapshots built without the out player,
each availability phase scored and simulated. Why not a trained network: on three synthetic
seasons a fast-trained Model A barely moves when one player leaves its set (its score moved
by +0.004, 0.003 sd, for this very case), and the stacker gives it a weight of ~0.03 beside
Model B, so the test would measure the network, not the availability.
"""

from __future__ import annotations

import pandas as pd
import pytest

from truestrength.data.injuries import read_injuries
from truestrength.inference.predict import make_predictions

from helpers import mid_season, truth_config, truth_ensemble

CONFIG = truth_config(n_sims=4000, seed=1)


@pytest.fixture(scope="module")
def setup(synthetic):
    data, season, ens, ability = truth_ensemble(synthetic, CONFIG)
    days = sorted(data.standings_games(season)["game_date"].unique())
    return data, season, mid_season(data, season), ens, ability, days


def test_best_player_out_lowers_title_odds_and_his_return_brings_them_back_part_way(
        setup, tmp_path):
    data, season, date, ens, ability, days = setup
    base = make_predictions(ens, data, date, CONFIG)
    assert base.meta.schedule == "stored"
    table = base.table.set_index("team_id")
    team = int(table["p_title"].idxmax())
    abbr = table.at[team, "team"]
    known = data.before(date)
    pl = known.player_logs
    played = pl.loc[(pl["season"] == season) & (pl["team_id"] == team), "player_id"].unique()
    already_out = {a.player_id for a in base.absences if a.treated_out}
    candidates = ability.reindex(played).drop(list(already_out), errors="ignore")
    star = int(candidates.idxmax())
    name = known.players.set_index("player_id").at[star, "name"]

    def odds(return_date: str) -> tuple[float, object]:
        f = tmp_path / f"injuries-{return_date or 'season'}.csv"
        # upper case: names match whatever their case
        f.write_text(f"player,team,status,return_date\n{name.upper()},{abbr},out,"
                     f"{return_date}\n")
        entries = read_injuries(f, known, season, CONFIG.availability)
        got = make_predictions(ens, data, date, CONFIG, injuries=entries)
        return float(got.table.set_index("team_id").at[team, "p_title"]), got

    p_base = float(table.at[team, "p_title"])
    p_out, out = odds("")
    back = pd.Timestamp(days[int(len(days) * 0.75)])
    p_back, ret = odds(f"{back:%Y-%m-%d}")
    print(f"title odds of {abbr}: {p_base:.4f} with {name}, {p_out:.4f} out for the season, "
          f"{p_back:.4f} back on {back:%Y-%m-%d}")
    assert p_out < p_base - 0.02, (p_base, p_out)
    assert p_out < p_back < p_base, (p_out, p_back, p_base)
    # the output says who was out and why
    listed = {a.player_id: a for a in out.absences}
    assert listed[star].reason == "injuries file" and listed[star].treated_out
    # his return date adds one phase to those of the inferred outs' learned returns
    inferred_backs = {a.return_date for a in out.absences
                      if a.reason.startswith("missed last") and a.return_date is not None}
    assert ret.meta.availability_phases == out.meta.availability_phases + (
        back not in inferred_backs)
    assert out.meta.availability_phases == base.meta.availability_phases
    assert ret.meta.players_out == out.meta.players_out == base.meta.players_out + 1
    files = ret.write(tmp_path / "pred")
    ab = pd.read_csv(tmp_path / "pred" / "absences.csv")
    assert tmp_path / "pred" / "absences.csv" in files
    row = ab[ab["player_id"] == star].iloc[0]
    assert (row["team"], row["status"], row["return_date"]) == (abbr, "out", f"{back:%Y-%m-%d}")


def test_a_return_after_the_season_changes_nothing_before_the_playoffs(setup, tmp_path):
    """Regular-season wins with a return date after the last game equal those of out for the
    season; only the postseason (play-in included) sees him back, so title odds go up."""
    data, season, date, ens, ability, days = setup
    known = data.before(date)
    table = make_predictions(ens, data, date, CONFIG).table.set_index("team_id")
    team = int(table["p_title"].idxmax())
    pl = known.player_logs
    played = pl.loc[(pl["season"] == season) & (pl["team_id"] == team), "player_id"].unique()
    star = int(ability.reindex(played).idxmax())
    name = known.players.set_index("player_id").at[star, "name"]
    after = pd.Timestamp(days[-1]) + pd.Timedelta(days=1)
    res = {}
    for ret in ("", f"{after:%Y-%m-%d}"):
        f = tmp_path / "inj.csv"
        f.write_text(f"player,team,status,return_date\n{name},{table.at[team, 'team']},out,"
                     f"{ret}\n")
        res[ret] = make_predictions(ens, data, date, CONFIG, injuries=read_injuries(
            f, known, season, CONFIG.availability)).table.set_index("team_id")
    a, b = res[""], res[f"{after:%Y-%m-%d}"]
    pd.testing.assert_series_equal(a["mean_wins"], b["mean_wins"])
    assert b.at[team, "p_title"] > a.at[team, "p_title"]


def test_the_playoff_rotation_changes_only_the_postseason(setup):
    """With the playoff rotation on, the regular season is simulated exactly as before (same
    random streams, same games); the postseason is played by other rosters, and the power
    used is recorded."""
    from truestrength.base.config import PlayoffRotationSection

    data, season, date, ens, ability, days = setup
    on_cfg = CONFIG.model_copy(update={"playoff_rotation": PlayoffRotationSection(
        enabled=True, power=2.0)})
    off = make_predictions(ens, data, date, CONFIG)
    on = make_predictions(ens, data, date, on_cfg)
    a, b = off.table.set_index("team_id"), on.table.set_index("team_id")
    pd.testing.assert_series_equal(a["mean_wins"], b["mean_wins"])
    pd.testing.assert_series_equal(a["score"], b["score"])  # the date's own ranking
    assert (a["p_title"] - b["p_title"]).abs().max() > 0.01
    assert b["p_title"].sum() == pytest.approx(1.0)
    assert off.meta.playoff_power is None
    assert on.meta.playoff_power == 2.0 and on.meta.playoff_power_learned is False
