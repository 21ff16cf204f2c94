/**
 * POST /api/v1/predict (§3.14) in both forms:
 * - point form {latitude, longitude, route_type, planned_date, …}: scored on the predict grid
 *   through the shared service (`pointScore`: 0.01°, the weather cell; elevation to 10 m), so
 *   nearby points share one computation — the metadata echoes the request, the score is the grid
 *   point's;
 * - route form {route_id, planned_date} (what the frontend sends): the route's own score
 *   (`detailScore`), i.e. its point, normalised type and elevation; the same cached explanation
 *   the risk breakdown reads.
 * The body is read the way FastAPI reads it: JSON when the Content-Type is absent or JSON, 422
 * `json_invalid` when it does not parse, `missing` when there is none.
 */
import { detailScore, isStorableId, parseDetail, pointScore } from "../../service/route-scores";
import type { DailyScore } from "../../service/score-service";
import { BodyNotText, BodyTooLarge, readBodyText } from "../body";
import { pointScoreOptions, routeScoreOptions } from "../budget";
import { cacheHeaders } from "../cache-headers";
import type { AppRequest } from "../context";
import { countTally } from "../counting";
import { MAX_BODY_BYTES } from "../schema-blocks";
import { ApiError, notFound, validationError } from "./errors";
import { parseOrThrow } from "./params";
import { scorableDate } from "./scores";
import { PredictPointBody, PredictRouteBody } from "./schemas";

/** The search radius the original reports (metadata only): at most this. */
const MAX_REPORTED_RADIUS_KM = 300;

function jsonError(position: number, reason: string) {
  return validationError([{ type: "json_invalid", loc: ["body", position], msg: "JSON decode error", input: {}, ctx: { error: reason } }]);
}

/** The body as FastAPI sees it: parsed JSON, undefined when empty, the raw text for a non-JSON content type. */
export async function readV1Body(req: Request): Promise<unknown> {
  let text: string;
  try {
    text = await readBodyText(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new ApiError(413, `Request body too large (at most ${MAX_BODY_BYTES} bytes)`);
    if (e instanceof BodyNotText) throw jsonError(0, "Invalid UTF-8");
    throw e;
  }
  if (text === "") return undefined;
  const type = (req.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/json" && !/^application\/[\w.+-]*\+json$/.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw jsonError(m ? Number(m[1]) : 0, "Expecting value");
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function prediction(s: Omit<DailyScore, "route_id" | "route_name">, radiusKm: number | null | undefined) {
  const metadata = { ...s.metadata } as Record<string, unknown>;
  if (radiusKm !== null && radiusKm !== undefined) metadata.search_radius_km = Math.min(radiusKm, MAX_REPORTED_RADIUS_KM);
  return {
    risk_score: s.risk_score,
    num_contributing_accidents: s.num_contributing_accidents,
    top_contributing_accidents: s.top_contributing_accidents,
    metadata,
    color_code: s.color_code,
  };
}

export async function predictV1(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const body = await readV1Body(req);
  if (body === undefined) throw validationError([{ type: "missing", loc: ["body"], msg: "Field required", input: null }]);
  if (!isObject(body)) {
    throw validationError([
      { type: "model_attributes_type", loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", input: body },
    ]);
  }
  const routeForm = body.latitude === undefined && body.longitude === undefined && body.route_type === undefined && body.route_id !== undefined;
  if (routeForm) {
    const b = parseOrThrow(PredictRouteBody, body, "body");
    const date = scorableDate(b.planned_date, "planned_date", undefined, "body");
    if (!isStorableId(b.route_id)) throw notFound("Route");
    const { raw, read } = await detailScore(req.app, b.route_id, date, routeScoreOptions(req, ctx));
    countTally(req.app, ctx, read.tally);
    return Response.json(prediction(parseDetail(raw)!, b.search_radius_km), { headers: cacheHeaders(read, false) });
  }
  const b = parseOrThrow(PredictPointBody, body, "body");
  const date = scorableDate(b.planned_date, "planned_date", undefined, "body");
  const r = await pointScore(
    req.app,
    { latitude: b.latitude, longitude: b.longitude, routeType: b.route_type, elevationM: b.elevation_meters ?? null, grade: b.route_grade ?? null },
    date,
    pointScoreOptions(req, ctx),
  );
  countTally(req.app, ctx, { hits: 0, misses: 0, computed: r.read.tally.computed });
  return Response.json(prediction(JSON.parse(r.raw), b.search_radius_km), { headers: cacheHeaders(r.read, false) });
}
