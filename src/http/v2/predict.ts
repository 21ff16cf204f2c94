/**
 * POST /predict: the score of an arbitrary point, same fields as a route's safety answer (with
 * `location` instead of route id and name). Dates: the forecast window today … today+6 (UTC), like
 * the route endpoints — the weather comes from the same forecast. Scored and cached on the predict
 * grid by the shared score service (src/service/route-scores.ts `pointScore`: 0.01°, elevation to
 * 10 m, 15 min, single-flight); `location` echoes the caller's point. The elevation is the
 * caller's (no elevation lookup: unknown → neutral elevation factor).
 */
import { pointScore } from "../../service/route-scores";
import { BodyNotText, BodyTooLarge, readBodyText } from "../body";
import { cacheHeaders } from "../cache-headers";
import { countTally } from "../counting";
import { HttpError, badRequest } from "../errors";
import type { AppRequest } from "../context";
import { pointScoreOptions } from "../budget";
import { parseWith } from "../validate";
import { forecastWindow, requireInWindow } from "./params";
import { MAX_BODY_BYTES, PredictBody } from "./schemas";

export { PREDICT_TTL_SECONDS } from "../../service/route-scores";

/** The JSON body: 415 unless application/json, 413 beyond MAX_BODY_BYTES (declared or streamed), 400 if unparseable. */
export async function readJsonBody(req: Request): Promise<unknown> {
  const type = req.headers.get("Content-Type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type.trim())) {
    throw new HttpError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)", undefined, {
      "Accept-Post": "application/json",
    });
  }
  let text: string;
  try {
    text = await readBodyText(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new HttpError(413, "payload_too_large", e.message);
    if (e instanceof BodyNotText) throw badRequest("the body is not valid JSON", "body");
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("the body is not valid JSON", "body");
  }
}

/** Only its engine runs are counted (stats:score_cache `computed`); hit/miss describe the route score cache. */
export async function predict(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const b = parseWith(await readJsonBody(req), PredictBody);
  requireInWindow(b.date, "date", forecastWindow());
  const elevationM = b.elevation_m ?? null;
  const result = await pointScore(
    req.app,
    { latitude: b.latitude, longitude: b.longitude, routeType: b.route_type, elevationM, grade: null },
    b.date,
    pointScoreOptions(req, ctx),
  );
  countTally(req.app, ctx, { hits: 0, misses: 0, computed: result.read.tally.computed });
  const location = JSON.stringify({ latitude: b.latitude, longitude: b.longitude, elevation_m: elevationM, route_type: b.route_type });
  // A POST answer: not for shared caches.
  return new Response(`{"location":${location},${result.raw.slice(1)}`, {
    headers: { "Content-Type": "application/json; charset=utf-8", ...cacheHeaders(result.read, false) },
  });
}
