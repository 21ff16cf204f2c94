/**
 * The OpenAPI 3.1 document of the public API, generated from the endpoint table (src/http/api.ts)
 * and the zod schemas that validate requests and describe responses (`z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses natively).
 */
import { z } from "zod";
import { VERSION } from "../version";
import { RESPONSE_SCHEMAS } from "./api/schemas";

export type ResponseName = keyof typeof RESPONSE_SCHEMAS;

/** One public endpoint: how it is routed, validated and documented. */
export interface EndpointDoc {
  method: "get" | "post";
  /** itty-router path under the API base, e.g. "/routes/:id/safety". */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  pathParams?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The 200 body's component (absent: any JSON object). */
  response?: ResponseName;
  /** Error statuses besides 503. */
  errors: number[];
  /** Cache-first score answer: X-Cache / X-Degraded headers. */
  scoreCache?: boolean;
  /** 200 answers carry an ETag and honour If-None-Match. */
  etag?: boolean;
}

type JsonSchema = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: "Malformed input (the error names the field).",
  401: "Missing admin bearer token.",
  403: "Wrong admin bearer token.",
  404: "Unknown resource.",
  405: "Known path, wrong method (see Allow).",
  413: "Body larger than 16 KB.",
  415: "Content-Type is not application/json.",
  422: "Invalid value, e.g. a date outside the forecast window (the error names the field and the range).",
  503: "Postgres (or Redis for cache-only answers) unreachable; retry after Retry-After seconds.",
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function components(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(RESPONSE_SCHEMAS)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io: "output", unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(out.schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s as JsonSchema;
      return [id, rest];
    }),
  );
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (description: string, schema: JsonSchema = { type: "string" }) => ({ description, schema });

function parameters(e: EndpointDoc): JsonSchema[] {
  const params: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(e.pathParams ?? {})) {
    params.push({ name, in: "path", required: true, schema: jsonSchema(schema, "input") });
  }
  for (const [name, schema] of Object.entries(e.query?.shape ?? {})) {
    const s = jsonSchema(schema as z.ZodType, "input");
    const { description, ...rest } = s;
    params.push({ name, in: "query", required: !(schema as z.ZodType).safeParse(undefined).success, ...(description ? { description } : {}), schema: rest });
  }
  return params;
}

function operation(e: EndpointDoc): JsonSchema {
  const okHeaders: JsonSchema = { "Cache-Control": header("Freshness for browsers and shared caches.") };
  if (e.etag) okHeaders.ETag = header("Strong validator: a hash of the body. Send it back in If-None-Match for a 304.");
  if (e.scoreCache) {
    okHeaders["X-Cache"] = header("HIT: served from the score cache; MISS: computed for this request.", { type: "string", enum: ["HIT", "MISS"] });
    okHeaders["X-Degraded"] = header("cache-unavailable when Redis could not be used (the score was computed).", { type: "string", enum: ["cache-unavailable"] });
  }
  const responses: JsonSchema = {
    200: { description: "OK", headers: okHeaders, content: { "application/json": { schema: e.response ? ref(e.response) : { type: "object" } } } },
  };
  if (e.etag) responses[304] = { description: "Not modified (If-None-Match matched the ETag)." };
  for (const status of [...e.errors, 503]) {
    responses[status] = { description: ERROR_TEXT[status] ?? "Error", content: { "application/json": { schema: ref("Error") } } };
  }
  return {
    operationId: `${e.method}${e.path.replace(/[:/](\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    tags: [e.tag],
    parameters: parameters(e),
    ...(e.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(e.body, "input") } } } } : {}),
    responses,
  };
}

export function buildOpenApi(endpoints: readonly EndpointDoc[], basePath: string): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const e of endpoints) {
    const path = e.path.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[e.method] = operation(e);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "SafeAscent Edge API",
      version: VERSION,
      description:
        "Climbing-route risk scores (0–100) from historical accidents, weather similarity, route type and severity. " +
        "Route scores are served cache-first; dates are limited to the forecast window today … today+6 (UTC). " +
        "Errors are JSON {error: {code, message, field?}}.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: basePath }],
    paths,
    components: {
      schemas: components(),
      securitySchemes: { adminBearer: { type: "http", scheme: "bearer", description: "The admin token; only for ?fresh=true." } },
    },
  };
}
