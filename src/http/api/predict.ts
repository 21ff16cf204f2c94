/**
 * POST /predict: the score of an arbitrary point, same fields as a route's safety answer (with
 * `location` instead of route id and name). Dates: the forecast window today … today+6 (UTC), like
 * the route endpoints — the weather comes from the same forecast. Cached briefly (15 min) under its
 * own key `predict:{date}:{type}:{lat}:{lon}:{elevation}` with single-flight like route scores; the
 * elevation is the caller's (no elevation lookup: unknown → neutral elevation factor).
 */
import { keys } from "../../cache/keys";
import { readThrough } from "../../cache/read-through";
import type { Route } from "../../data/routes";
import type { DailyScore } from "../../service/score-service";
import { cacheHeaders } from "../cache-headers";
import { countTally } from "../counting";
import { HttpError, badRequest } from "../errors";
import type { AppRequest } from "../context";
import { parseWith } from "../validate";
import { forecastWindow, requireInWindow } from "./params";
import { MAX_BODY_BYTES, PredictBody } from "./schemas";

export const PREDICT_TTL_SECONDS = 900;

/** The JSON body: 415 unless application/json, 413 beyond MAX_BODY_BYTES (declared or streamed), 400 if unparseable. */
export async function readJsonBody(req: Request): Promise<unknown> {
  const type = req.headers.get("Content-Type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type.trim())) {
    throw new HttpError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)", undefined, { "Accept-Post": "application/json" });
  }
  const tooLarge = () => new HttpError(413, "payload_too_large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers.get("Content-Length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw badRequest("the body is not valid JSON", "body");
  }
}

/** Only its engine runs are counted (stats:score_cache `computed`); hit/miss describe the route score cache. */
export async function predict(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const b = parseWith(await readJsonBody(req), PredictBody);
  requireInWindow(b.date, "date", forecastWindow());
  const elevationM = b.elevation_m ?? null;
  const key = keys.predict(`${b.date}:${b.route_type}:${b.latitude}:${b.longitude}:${elevationM ?? "-"}`);
  const point: Route = {
    id: 0,
    name: "point",
    mountainId: null,
    mountainName: null,
    type: b.route_type,
    grade: null,
    latitude: b.latitude,
    longitude: b.longitude,
    elevationM,
    accidentCount: 0,
    mountainAccidentCount: 0,
  };
  const result = await readThrough(req.app.cache, [key], async () => {
    const [score] = await req.app.scores.computeRouteForecast(point, [b.date]);
    const { route_id: _id, route_name: _name, ...fields } = score as DailyScore;
    const raw = JSON.stringify({ location: { latitude: b.latitude, longitude: b.longitude, elevation_m: elevationM, route_type: b.route_type }, ...fields });
    return { values: [{ raw, ttlSeconds: PREDICT_TTL_SECONDS }] };
  });
  countTally(req.app, ctx, { hits: 0, misses: 0, computed: result.tally.computed });
  // A POST answer: not for shared caches.
  return new Response(result.values[0], {
    headers: { "Content-Type": "application/json; charset=utf-8", ...cacheHeaders(result, false) },
  });
}
