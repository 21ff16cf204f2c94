/** GET /accidents (filters, keyset pagination) and GET /accidents/:id. */
import { getAccident, listAccidents, type AccidentSummary } from "../../data/queries";
import { notFound } from "../errors";
import type { AppRequest } from "../context";
import { parseQuery } from "../validate";
import { decodeCursor, page, pathId } from "./params";
import { jsonWithEtag } from "../respond";
import { AccidentsQuery, type AccidentSummaryViewT, type AccidentViewT } from "./schemas";

const ACCIDENT_CACHE_CONTROL = "public, max-age=300";

function summaryView(a: AccidentSummary): AccidentSummaryViewT {
  return {
    id: a.id,
    date: a.date,
    latitude: a.latitude,
    longitude: a.longitude,
    state: a.state,
    location: a.location,
    mountain: a.mountain,
    route: a.route,
    mountain_id: a.mountainId,
    route_id: a.routeId,
    accident_type: a.accidentType,
    activity: a.activity,
    injury_severity: a.injurySeverity,
    source: a.source,
  };
}

export async function listAccidentsHandler(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, AccidentsQuery);
  const afterId = decodeCursor("a", q.cursor);
  const rows = await listAccidents(req.app.sql, { bbox: q.bbox, since: q.since, severities: q.severity, afterId, limit: q.limit + 1 });
  const { items, next } = page("a", rows, q.limit);
  return jsonWithEtag(req, { accidents: items.map(summaryView), next_cursor: next }, { "Cache-Control": ACCIDENT_CACHE_CONTROL });
}

export async function getAccidentHandler(req: AppRequest): Promise<Response> {
  const id = pathId(req.params);
  const a = await getAccident(req.app.sql, id);
  if (!a) throw notFound(`accident ${id} does not exist`);
  const body: AccidentViewT = {
    ...summaryView(a),
    source_id: a.sourceId,
    year: a.year,
    age_range: a.ageRange,
    tags: a.tags,
    description: a.description,
  };
  return jsonWithEtag(req, body, { "Cache-Control": ACCIDENT_CACHE_CONTROL });
}
