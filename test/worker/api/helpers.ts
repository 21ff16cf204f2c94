/**
 * Shared by the API tests (inside workerd): calling the Worker, a small dataset of our own, and
 * Redis clean-up.
 *
 * The test database also holds the shared reference dataset and is used by other test files at the
 * same time, so everything here has ids 900000+ and lies in an otherwise empty box in the southern
 * hemisphere (the reference data is all north of the equator). Seeding is idempotent (ON CONFLICT
 * DO NOTHING) because every API test file calls it; nothing is truncated. Each file uses its own
 * routes so files running in parallel never share a cache key.
 */
import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Redis } from "@upstash/redis";
import entry from "../../../src/index";
import { createSql } from "../../../src/data/db";
import { dateRange, todayUtc } from "../../../src/dates";
import { keys } from "../../../src/cache/keys";

export const BASE = "http://edge.test/api/v2";
export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false });
export const sql = createSql(env.DATABASE_URL, env.NEON_HTTP_ENDPOINT);

const worker = exports.default as unknown as Required<ExportedHandler<typeof env>>;

/**
 * One request through the Worker's fetch handler; waits for its waitUntil work (counters).
 * `exports.default` always runs with the configured bindings; with other bindings (a broken Redis
 * URL, another CORS list) the entry module's handler is called directly.
 */
export async function call(path: string, init: RequestInit = {}, workerEnv: typeof env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const url = path.startsWith("http") ? path : `${BASE}${path}`;
  const handler = workerEnv === env ? worker : (entry as unknown as Required<ExportedHandler<typeof env>>);
  const res = await handler.fetch(new Request(url, init) as any, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res as unknown as Response;
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** HGETALL as an object (the client without automatic deserialisation returns the flat reply). */
export async function hash(key: string): Promise<Record<string, string>> {
  const flat = ((await redis.hgetall(key)) ?? []) as unknown as string[];
  return Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]!]])));
}

export const window7 = () => dateRange(todayUtc(), 7);

/** The test box: every row below lies in it; nothing else does. */
export const BOX = { minLon: 169, minLat: -45, maxLon: 170, maxLat: -44 };
export const BOX_PARAM = `${BOX.minLon},${BOX.minLat},${BOX.maxLon},${BOX.maxLat}`;

export const MOUNTAINS = [
  { id: 900001, name: "Mount Zedtest", elevation_ft: 9000, lat: -44.5, lon: 169.5 },
  { id: 900002, name: "Zedtest Spire", elevation_ft: 7000, lat: -44.62, lon: 169.61 },
  { id: 900003, name: "Zedtest Unlocated", elevation_ft: null, lat: null, lon: null },
] as const;

type RouteRow = { id: number; name: string; mountain: number; type: string | null; grade: string | null; lat: number | null; lon: number | null };
/** All located but 900013, which has neither own nor mountain coordinates (unscorable). */
export const ROUTES: RouteRow[] = [
  { id: 900001, name: "Zedtest North Ridge", mountain: 900001, type: "alpine", grade: "5.6", lat: -44.501, lon: 169.502 },
  { id: 900002, name: "Zedtest East Face", mountain: 900001, type: "trad", grade: "5.9", lat: -44.503, lon: 169.507 },
  { id: 900003, name: "Zedtest Couloir", mountain: 900001, type: "ice", grade: "WI4", lat: null, lon: null },
  { id: 900004, name: "Zedtest Flight Line", mountain: 900001, type: "alpine", grade: "5.4", lat: -44.51, lon: 169.49 },
  { id: 900005, name: "Zedtest Big Wall", mountain: 900002, type: "big_wall", grade: "A2", lat: -44.621, lon: 169.612 },
  { id: 900006, name: "Zedtest Mystery", mountain: 900002, type: null, grade: null, lat: -44.625, lon: 169.615 },
  { id: 900007, name: "Zedtest Sport Crag", mountain: 900002, type: "Sport", grade: "5.11a", lat: -44.63, lon: 169.62 },
  { id: 900008, name: "Zedtest Unknown", mountain: 900002, type: "unknown", grade: null, lat: -44.635, lon: 169.625 },
  { id: 900009, name: "Zedtest Forecast Arete", mountain: 900001, type: "alpine", grade: "5.5", lat: -44.52, lon: 169.52 },
  { id: 900010, name: "Zedtest Breakdown Buttress", mountain: 900001, type: "alpine", grade: "5.7", lat: -44.505, lon: 169.505 },
  { id: 900011, name: "Zedtest 100% Gully_", mountain: 900002, type: "alpine", grade: null, lat: -44.64, lon: 169.63 },
  { id: 900012, name: "Zedtest Degraded Slab", mountain: 900001, type: "trad", grade: "5.8", lat: -44.515, lon: 169.515 },
  { id: 900013, name: "Zedtest Nowhere", mountain: 900003, type: "trad", grade: null, lat: null, lon: null },
  { id: 900014, name: "Zedtest Outage Ramp", mountain: 900001, type: "alpine", grade: "5.3", lat: -44.517, lon: 169.517 },
  { id: 900015, name: "Zedtest Schema Wall", mountain: 900001, type: "mixed", grade: "M5", lat: -44.519, lon: 169.519 },
];
export const LOCATED_ROUTES = ROUTES.filter((r) => r.id !== 900013).map((r) => r.id);

type AccidentRow = {
  id: number;
  date: string;
  lat: number | null;
  lon: number | null;
  severity: string | null;
  activity: string;
  type: string;
  tags: string | null;
  mountain: number | null;
};
export const ACCIDENTS: AccidentRow[] = [
  { id: 900001, date: "2019-01-12", lat: -44.502, lon: 169.503, severity: "fatal", activity: "climbing", type: "avalanche", tags: "alpine", mountain: 900001 },
  { id: 900002, date: "2020-02-03", lat: -44.506, lon: 169.498, severity: "serious", activity: "climbing", type: "fall", tags: "alpine", mountain: 900001 },
  { id: 900003, date: "2021-12-24", lat: -44.51, lon: 169.51, severity: "minor", activity: "climbing", type: "roped_climbing", tags: null, mountain: 900001 },
  { id: 900004, date: "2022-11-05", lat: -44.62, lon: 169.61, severity: "Serious", activity: "climbing", type: "rappel", tags: null, mountain: 900002 },
  { id: 900005, date: "2023-03-17", lat: -44.63, lon: 169.62, severity: null, activity: "climbing", type: "rockfall", tags: null, mountain: 900002 },
  { id: 900006, date: "2024-07-30", lat: -44.55, lon: 169.55, severity: "unknown", activity: "Hiker", type: "unknown", tags: null, mountain: null },
  { id: 900007, date: "2018-05-05", lat: null, lon: null, severity: "fatal", activity: "climbing", type: "fall", tags: null, mountain: 900002 },
];

let seeded: Promise<void> | undefined;

/** Idempotent; once per test file (isolate). */
export function seed(): Promise<void> {
  return (seeded ??= (async () => {
    for (const m of MOUNTAINS) {
      await sql.query(
        `INSERT INTO mountains (mountain_id, name, elevation_ft, latitude, longitude, accident_count) VALUES ($1,$2,$3,$4,$5,0)
         ON CONFLICT (mountain_id) DO NOTHING`,
        [m.id, m.name, m.elevation_ft, m.lat, m.lon],
      );
    }
    for (const r of ROUTES) {
      await sql.query(
        `INSERT INTO routes (route_id, name, mountain_id, mountain_name, grade, type, latitude, longitude, accident_count)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0) ON CONFLICT (route_id) DO NOTHING`,
        [r.id, r.name, r.mountain, MOUNTAINS.find((m) => m.id === r.mountain)!.name, r.grade, r.type, r.lat, r.lon],
      );
    }
    let corpusRows = 0; // accidents and weather rows this call inserted (the corpus changed)
    for (const a of ACCIDENTS) {
      corpusRows += (
        await sql.query(
          `INSERT INTO accidents (accident_id, source, date, state, location, mountain, latitude, longitude, accident_type, activity,
                                injury_severity, description, tags, mountain_id)
         VALUES ($1,'TEST',$2::date,'ZZ','Zedtest valley',$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (accident_id) DO NOTHING RETURNING 1`,
          [
            a.id,
            a.date,
            a.mountain ? MOUNTAINS.find((m) => m.id === a.mountain)!.name : null,
            a.lat,
            a.lon,
            a.type,
            a.activity,
            a.severity,
            `Synthetic accident ${a.id}, "quoted", with a comma`,
            a.tags,
            a.mountain,
          ],
        )
      ).length;
    }
    // Seven days of weather for the first three accidents, so their weather similarity is computed.
    let wid = 900001;
    for (const a of ACCIDENTS.slice(0, 3)) {
      for (let d = 6; d >= 0; d--) {
        corpusRows += (
          await sql.query(
            `INSERT INTO accident_weather (weather_id, accident_id, date, latitude, longitude, temperature_avg, temperature_min,
                                         temperature_max, wind_speed_avg, precipitation_total, cloud_cover_avg)
           VALUES ($1,$2,$3::date - $4::int,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (weather_id) DO NOTHING RETURNING 1`,
            [wid++, a.id, a.date, d, a.lat, a.lon, -5 + d, -9 + d, -1 + d, 4 + d, d % 3 === 0 ? 2 : 0, 40 + 5 * d],
          )
        ).length;
      }
    }
    // As an import would: rows were added behind the importer's back, so bump the data version,
    // or isolates would keep (or restore from a snapshot) a corpus without them.
    if (corpusRows > 0) await sql.query(`UPDATE data_version SET version = version + 1, updated_at = now() WHERE id = 1`);
  })());
}

/** Deletes the compact and detail score keys, their locks and the forecast locks of the given routes for the forecast window. */
export async function clearScores(routeIds: readonly number[]): Promise<void> {
  const scoreKeys = routeIds.flatMap((id) => window7().flatMap((d) => [keys.score(id, d), keys.scoreDetail(id, d)]));
  const locks = scoreKeys.map((k) => keys.lock(k));
  const forecastLocks = routeIds.map((id) =>
    keys.lock(
      window7()
        .map((d) => keys.score(id, d))
        .join("|"),
    ),
  );
  const all = [...scoreKeys, ...locks, ...forecastLocks];
  for (let i = 0; i < all.length; i += 200) await redis.del(...all.slice(i, i + 200));
}

export { env, waitOnExecutionContext };
