/**
 * zod building blocks shared by both API surfaces (src/http/v1/schemas.ts, src/http/v2/schemas.ts):
 * what a date, a coordinate, a route type and an id may be. Each surface composes them with its
 * own lexical rules (v2: strict patterns, 400/422; v1: FastAPI/pydantic's lax parsing) and maps
 * zod issues to its own error shape.
 */
import { z } from "zod";
import { CANONICAL_ROUTE_TYPES, type CanonicalRouteType } from "../scoring";
import { MAX_INT32 } from "../service/route-scores";

/** Largest id a row can have (Postgres `integer`). */
export const MAX_ID = MAX_INT32;
/** Largest request body either surface reads. */
export const MAX_BODY_BYTES = 16 * 1024;

export const routeTypes = CANONICAL_ROUTE_TYPES as [CanonicalRouteType, ...CanonicalRouteType[]];
export const lower = (v: unknown) => (typeof v === "string" ? v.trim().toLowerCase() : v);

/** A calendar date YYYY-MM-DD (a real day: 2026-02-30 is not one). */
export const IsoDate = z.iso.date().meta({ description: "A UTC calendar date, YYYY-MM-DD.", example: "2026-11-25" });
export const isIsoDate = (s: string) => IsoDate.safeParse(s).success;

export const Latitude = z.number().min(-90).max(90);
export const Longitude = z.number().min(-180).max(180);

/** One of the seven canonical route types, any case. */
export const CanonicalType = z.enum(routeTypes);

/** A top contributing accident of a score (both surfaces; v1 documents it as an open object, v2 as a strict one). */
export const topAccidentFields = {
  accident_id: z.number().int(),
  total_influence: z.number(),
  distance_km: z.number(),
  days_ago: z.number().int(),
  spatial_weight: z.number(),
  temporal_weight: z.number(),
  elevation_weight: z.number(),
  weather_weight: z.number(),
  route_type_weight: z.number(),
  severity_weight: z.number(),
  grade_weight: z.number(),
};
