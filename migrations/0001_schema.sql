-- SafeAscent Edge schema: the four reference tables plus a data version.
-- Statements end with ";" at the end of a line (the migrator splits on that; no dollar-quoting here).

CREATE TABLE IF NOT EXISTS mountains (
  mountain_id    integer PRIMARY KEY,
  name           text NOT NULL,
  alt_names      text,
  elevation_ft   double precision CHECK (elevation_ft IS NULL OR elevation_ft BETWEEN -1500 AND 30000),
  prominence_ft  double precision,
  type           text,
  range          text,
  state          text,
  latitude       double precision CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
  longitude      double precision CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
  location       text,
  accident_count integer NOT NULL DEFAULT 0 CHECK (accident_count >= 0),
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE TABLE IF NOT EXISTS routes (
  route_id          integer PRIMARY KEY,
  name              text NOT NULL,
  mountain_id       integer REFERENCES mountains (mountain_id) ON DELETE SET NULL,
  mountain_name     text,
  grade             text,
  grade_yds         text,
  length_ft         double precision CHECK (length_ft IS NULL OR length_ft >= 0),
  pitches           integer CHECK (pitches IS NULL OR pitches >= 0),
  type              text,
  first_ascent_year integer,
  latitude          double precision CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
  longitude         double precision CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
  accident_count    integer NOT NULL DEFAULT 0 CHECK (accident_count >= 0),
  mp_route_id       bigint,
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
-- Warming picks routes by their mountain's accident count.
CREATE INDEX IF NOT EXISTS routes_mountain_idx ON routes (mountain_id);
CREATE INDEX IF NOT EXISTS routes_lat_lon_idx ON routes (latitude, longitude);

CREATE TABLE IF NOT EXISTS accidents (
  accident_id     integer PRIMARY KEY,
  source          text,
  source_id       text,
  date            date,
  year            integer,
  state           text,
  location        text,
  mountain        text,
  route           text,
  latitude        double precision CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
  longitude       double precision CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
  accident_type   text,
  activity        text,
  injury_severity text,
  age_range       text,
  description     text,
  tags            text,
  mountain_id     integer REFERENCES mountains (mountain_id) ON DELETE SET NULL,
  route_id        integer REFERENCES routes (route_id) ON DELETE SET NULL,
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX IF NOT EXISTS accidents_date_idx ON accidents (date);
CREATE INDEX IF NOT EXISTS accidents_lat_lon_idx ON accidents (latitude, longitude);
CREATE INDEX IF NOT EXISTS accidents_mountain_idx ON accidents (mountain_id);

-- Daily weather near an accident, d-6 .. d. accident_id is empty on many source rows: those belong to
-- every accident at the same 0.01-degree place whose window holds the date (see src/data/corpus.ts).
CREATE TABLE IF NOT EXISTS accident_weather (
  weather_id          integer PRIMARY KEY,
  accident_id         integer REFERENCES accidents (accident_id) ON DELETE CASCADE,
  date                date NOT NULL,
  latitude            double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude           double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  temperature_avg     double precision,
  temperature_min     double precision,
  temperature_max     double precision,
  wind_speed_avg      double precision CHECK (wind_speed_avg IS NULL OR wind_speed_avg >= 0),
  wind_speed_max      double precision CHECK (wind_speed_max IS NULL OR wind_speed_max >= 0),
  precipitation_total double precision CHECK (precipitation_total IS NULL OR precipitation_total >= 0),
  visibility_avg      double precision,
  cloud_cover_avg     double precision CHECK (cloud_cover_avg IS NULL OR cloud_cover_avg BETWEEN 0 AND 100)
);
CREATE INDEX IF NOT EXISTS accident_weather_accident_idx ON accident_weather (accident_id, date);
CREATE INDEX IF NOT EXISTS accident_weather_place_idx ON accident_weather (latitude, longitude, date) WHERE accident_id IS NULL;

-- Bumped by every import that changes rows; a Worker isolate rebuilds its accident corpus when it moves.
CREATE TABLE IF NOT EXISTS data_version (
  id         integer PRIMARY KEY CHECK (id = 1),
  version    bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
