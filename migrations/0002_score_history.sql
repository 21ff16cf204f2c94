-- Score history: each warmed route's score for the day of a warming run, written once per route and
-- day by the warming run (never per request), read by /api/v1 historical-trends.
-- risk_score is the compact score (1 dp, as the map and the cache hold it).

CREATE TABLE IF NOT EXISTS score_history (
  route_id    integer NOT NULL REFERENCES routes (route_id) ON DELETE CASCADE,
  date        date NOT NULL,
  risk_score  real NOT NULL CHECK (risk_score BETWEEN 0 AND 100),
  color_code  text NOT NULL CHECK (color_code IN ('green', 'yellow', 'orange', 'red')),
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (route_id, date)
);

-- The prune of old rows (by date, across routes).
CREATE INDEX IF NOT EXISTS score_history_date ON score_history (date);
