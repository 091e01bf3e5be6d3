"""What-ifs on the synthetic league, cut at mid-season with its real remaining schedule: taking
out a team's best player (by the league's known true abilities) lowers its strength and title
odds and raises its rivals' summed title odds; an empty scenario changes nothing at all (the
same random streams); names and teams that cannot be resolved are clear errors.

Model A is the league's truth (``helpers.truth_ensemble``, as in test_availability): a fast
trained network barely moves when one player leaves its set, so the test would measure the
network, not the what-if.
"""

from __future__ import annotations

import pandas as pd
import pytest

from truestrength.base.errors import ConfigError
from truestrength.inference.whatif import (
    COMPARED,
    ChangeRequest,
    parse_request,
    resolve_changes,
    run_whatif,
)

from helpers import mid_season, truth_config, truth_ensemble

CONFIG = truth_config(n_sims=2000, seed=3)


@pytest.fixture(scope="module")
def setup(synthetic):
    data, season, ens, ability = truth_ensemble(synthetic, CONFIG)
    date = mid_season(data, season)
    empty = run_whatif(ens, data, date, CONFIG, [])
    return data, season, date, ens, ability, empty


def _best_player(setup) -> tuple[int, str, str, int]:
    """The title favourite's best available player by true ability: (team, abbr, name, id)."""
    data, season, date, ens, ability, empty = setup
    table = empty.before.table.set_index("team_id")
    team = int(table["p_title"].idxmax())
    known = data.before(date)
    pl = known.player_logs
    pl = pl[pl["season"] == season].sort_values(["game_date", "game_id"], kind="stable")
    last = pl.groupby("player_id").tail(1).set_index("player_id")["team_id"]
    mine = last[last == team].index
    out = {a.player_id for a in empty.before.absences if a.treated_out}
    star = int(ability.reindex(mine).drop(list(out), errors="ignore").idxmax())
    name = known.players.set_index("player_id").at[star, "name"]
    return team, str(table.at[team, "team"]), str(name), star


def test_an_empty_scenario_changes_nothing_the_streams_are_identical(setup):
    *_, empty = setup
    assert empty.changes == []
    assert not empty.table["involved"].any()
    for col in COMPARED:
        assert (empty.table[f"d_{col}"] == 0).all(), col
    pd.testing.assert_frame_equal(empty.before.table, empty.after.table)


def test_without_the_best_player_his_team_drops_and_its_rivals_gain(setup):
    data, season, date, ens, ability, empty = setup
    team, abbr, name, star = _best_player(setup)
    # any case, no accents needed: the name is matched normalised
    got = run_whatif(ens, data, date, CONFIG, [parse_request("without", name.upper())])
    (change,) = got.changes
    assert change.player_id == star and change.from_team_id == team
    row = got.table.set_index("team_id").loc[team]
    assert bool(row["involved"]) and got.involved["team_id"].tolist() == [team]
    print(f"without {name} ({abbr}): strength {row['strength_before']} -> "
          f"{row['strength_after']}, title {row['p_title_before']:.4f} -> "
          f"{row['p_title_after']:.4f}; others {got.others_title()}")
    assert row["d_strength"] < 0 and row["d_p_title"] < 0
    assert row["d_mean_wins"] < 0 and row["d_mean_losses"] > 0
    before, after = got.others_title()
    assert after > before
    # the baseline is the plain prediction: the same figures as the empty scenario
    pd.testing.assert_frame_equal(got.before.table, empty.before.table)
    # he is out in the scenario's absences, for the season (the postseason too)
    entry = next(a for a in got.after.absences if a.player_id == star)
    assert entry.treated_out and entry.return_date is None and "what-if" in entry.reason
    assert star not in set(got.after.rosters["player_id"])


def test_a_trade_moves_the_player_and_both_teams_are_involved(setup):
    data, season, date, ens, ability, empty = setup
    team, abbr, name, star = _best_player(setup)
    table = empty.before.table.set_index("team_id")
    weakest = int(table["strength"].idxmin())
    to = str(table.at[weakest, "team"])
    got = run_whatif(ens, data, date, CONFIG, [parse_request("trade", f"{name}:{to.lower()}")])
    rows = got.table.set_index("team_id")
    assert set(got.involved["team_id"]) == {team, weakest}
    assert rows.at[team, "d_strength"] < 0 < rows.at[weakest, "d_strength"]
    roster = got.after.rosters
    assert roster.loc[roster["player_id"] == star, "team_id"].tolist() == [weakest]
    assert got.changes[0].describe() == f"{name} traded from {abbr} to {to}"


def test_with_brings_back_a_player_treated_as_out(setup):
    data, season, date, ens, ability, empty = setup
    out = [a for a in empty.before.absences if a.treated_out and a.status != "traded"]
    if not out:
        pytest.skip("nobody is treated as out at this date of the synthetic league")
    back = out[0]
    got = run_whatif(ens, data, date, CONFIG, [parse_request("with", str(back.player_id))])
    assert back.player_id not in {a.player_id for a in got.after.absences if a.treated_out}
    assert back.player_id in set(got.after.rosters["player_id"]) or len(
        got.after.rosters[got.after.rosters["team_id"] == back.team_id]) > 0


def test_unknown_ambiguous_names_and_teams_are_clear_errors(setup):
    data, season, date, ens, ability, empty = setup
    team, abbr, name, star = _best_player(setup)
    known = data.before(date)

    def resolve(*reqs: ChangeRequest):
        return resolve_changes(list(reqs), known, season, date, empty.before)

    with pytest.raises(ConfigError, match=r"no player 'Nobody Atall' has played in"):
        resolve(ChangeRequest("without", "Nobody Atall"))
    with pytest.raises(ConfigError, match=r"did you mean"):
        resolve(ChangeRequest("without", name[:-1]))
    with pytest.raises(ConfigError, match=r"no team 'XXX' in .*; the season's teams are"):
        resolve(ChangeRequest("trade", name, "XXX"))
    with pytest.raises(ConfigError, match=r"already on"):
        resolve(ChangeRequest("trade", name, abbr))
    with pytest.raises(ConfigError, match=r"one change per player"):
        resolve(ChangeRequest("without", name), ChangeRequest("trade", name, "XXX"))
    with pytest.raises(ConfigError, match=r"is not treated as out"):
        resolve(ChangeRequest("with", name))
    with pytest.raises(ConfigError, match=r"NAME:TEAM"):
        parse_request("trade", name)
    # two players of one name: the error lists both with ids, and an id resolves it
    pl = known.player_logs
    other = int(pl.loc[(pl["season"] == season) & (pl["player_id"] != star), "player_id"].iloc[0])
    players = known.players.copy()
    players.loc[players["player_id"] == other, "name"] = name
    twin = _with_players(known, players)
    with pytest.raises(ConfigError, match=rf"2 players of {season} are called .*id {star}"):
        resolve_changes([ChangeRequest("without", name)], twin, season, date, empty.before)
    (c,) = resolve_changes([ChangeRequest("without", str(star))], twin, season, date,
                           empty.before)
    assert c.player_id == star


def _with_players(known, players: pd.DataFrame):
    """``known`` with its players table replaced (a second player under the same name)."""

    class View:
        def __getattr__(self, name):
            return players if name == "players" else getattr(known, name)

    return View()
