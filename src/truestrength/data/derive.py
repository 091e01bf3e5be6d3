"""Derived tables, rebuilt from ``games`` for the seasons an ingest touched."""

from __future__ import annotations

from truestrength.data.formats import BOX_COUNTS


def rebuild_derived(con, seasons: list[str]) -> None:
    """Recompute team_game_logs and playoff_series for ``seasons`` (inside the caller's
    transaction, so a failure leaves the old rows in place)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _seasons AS SELECT unnest(?::VARCHAR[]) AS season",
                [seasons])
    con.execute("DELETE FROM team_game_logs WHERE season IN (SELECT season FROM _seasons)")
    con.execute("DELETE FROM playoff_series WHERE season IN (SELECT season FROM _seasons)")
    for us, them in (("home", "road"), ("road", "home")):
        own = ", ".join(f"{us}_{c}" for c in BOX_COUNTS)
        opp = ", ".join(f"{them}_{c}" for c in BOX_COUNTS)
        con.execute(f"""
            INSERT INTO team_game_logs
            SELECT game_id, {us}_team_id, season, game_date, kind, counts_for_standings,
                   {them}_team_id, {str(us == "home").upper()}, neutral_site,
                   {us}_pts, {them}_pts, {us}_pts > {them}_pts, {own}, {opp}
            FROM games WHERE season IN (SELECT season FROM _seasons)
        """)
    # A series is every playoff game between the same two teams in a season. Its round is the
    # number of series each team has started by then (both teams agree in a real bracket);
    # team_a is the home team of game 1, i.e. the team with home-court advantage.
    con.execute("""
        INSERT INTO playoff_series
        WITH pg AS (
            SELECT season, game_id, game_date, home_team_id, road_team_id,
                   least(home_team_id, road_team_id) AS lo,
                   greatest(home_team_id, road_team_id) AS hi,
                   CASE WHEN home_pts > road_pts THEN home_team_id ELSE road_team_id END AS w
            FROM games
            WHERE kind = 'playoff' AND season IN (SELECT season FROM _seasons)
        ),
        series AS (
            SELECT season, lo, hi,
                   arg_min(home_team_id, game_date || game_id) AS team_a,
                   min(game_date) AS started,
                   count(*) FILTER (WHERE w = lo) AS wins_lo,
                   count(*) FILTER (WHERE w = hi) AS wins_hi
            FROM pg GROUP BY season, lo, hi
        ),
        per_team AS (
            SELECT season, lo, hi, team,
                   row_number() OVER (PARTITION BY season, team ORDER BY started) AS nth
            FROM (SELECT season, lo, hi, started, lo AS team FROM series
                  UNION ALL SELECT season, lo, hi, started, hi AS team FROM series)
        ),
        rounds AS (SELECT season, lo, hi, max(nth) AS round FROM per_team GROUP BY ALL)
        SELECT s.season, r.round, s.team_a,
               CASE WHEN s.team_a = s.lo THEN s.hi ELSE s.lo END AS team_b,
               CASE WHEN s.team_a = s.lo THEN s.wins_lo ELSE s.wins_hi END AS wins_a,
               CASE WHEN s.team_a = s.lo THEN s.wins_hi ELSE s.wins_lo END AS wins_b,
               CASE WHEN s.wins_lo >= 4 THEN s.lo WHEN s.wins_hi >= 4 THEN s.hi END AS winner_id
        FROM series s JOIN rounds r USING (season, lo, hi)
    """)
