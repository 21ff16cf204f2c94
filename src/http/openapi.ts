/**
 * OpenAPI 3.1 documents of the API surfaces, generated from each surface's endpoint table and the
 * zod schemas that validate its requests and describe its responses (`z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses natively). One builder, two documents (/api/v1, /api/v2): the
 * surface says its title, components, error component and how query parameters are documented.
 */
import { z } from "zod";
import { VERSION } from "../version";

/** One endpoint: how it is routed, validated and documented. */
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
  /** Whether the body may be absent (default: required when `body` is set). */
  bodyOptional?: boolean;
  /** The 200 body's component (absent: any JSON object). */
  response?: string;
  /** Error statuses besides 503. */
  errors: number[];
  /** Cache-first score answer: X-Cache / X-Degraded headers. */
  scoreCache?: boolean;
  /** 200 answers carry an ETag and honour If-None-Match. */
  etag?: boolean;
}

type JsonSchema = Record<string, unknown>;

export interface DocumentOptions {
  basePath: string;
  title: string;
  description: string;
  /** Response components by name (the OpenAPI `components.schemas`). */
  schemas: Record<string, z.ZodType>;
  /** The component of an error answer with this status. */
  errorComponent: (status: number) => string;
  errorText: Record<number, string>;
  /**
   * How a query parameter's schema is documented: "input" (the string as sent — v2's parameters
   * are mostly strings validated by pattern) or "output" (the typed value it denotes — v1 parses
   * strings into integers, numbers, booleans and dates the way FastAPI does).
   */
  paramIo: "input" | "output";
  securitySchemes?: Record<string, JsonSchema>;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function components(schemas: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
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

function parameters(e: EndpointDoc, io: "input" | "output"): JsonSchema[] {
  const params: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(e.pathParams ?? {})) {
    params.push({ name, in: "path", required: true, schema: jsonSchema(schema, io) });
  }
  for (const [name, schema] of Object.entries(e.query?.shape ?? {})) {
    const s = jsonSchema(schema as z.ZodType, io);
    const { description, ...rest } = s;
    params.push({ name, in: "query", required: !(schema as z.ZodType).safeParse(undefined).success, ...(description ? { description } : {}), schema: rest });
  }
  return params;
}

function operation(e: EndpointDoc, o: DocumentOptions): JsonSchema {
  const okHeaders: JsonSchema = { "Cache-Control": header("Freshness for browsers and shared caches.") };
  if (e.etag) okHeaders.ETag = header("Strong validator: a hash of the body. Send it back in If-None-Match for a 304.");
  if (e.scoreCache) {
    okHeaders["X-Cache"] = header("HIT: served from the score cache; MISS: computed for this request.", { type: "string", enum: ["HIT", "MISS"] });
    okHeaders["X-Degraded"] = header("cache-unavailable when Redis could not be used (the score was computed).", {
      type: "string",
      enum: ["cache-unavailable"],
    });
  }
  const responses: JsonSchema = {
    200: { description: "OK", headers: okHeaders, content: { "application/json": { schema: e.response ? ref(e.response) : { type: "object" } } } },
  };
  if (e.etag) responses[304] = { description: "Not modified (If-None-Match matched the ETag)." };
  for (const status of [...new Set([...e.errors, 503])]) {
    const headers = status === 429 || status === 503 ? { headers: { "Retry-After": header("Seconds to wait before retrying.", { type: "integer" }) } } : {};
    responses[status] = { description: o.errorText[status] ?? "Error", ...headers, content: { "application/json": { schema: ref(o.errorComponent(status)) } } };
  }
  return {
    operationId: `${e.method}${e.path.replace(/[:/-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    tags: [e.tag],
    parameters: parameters(e, o.paramIo),
    ...(e.body ? { requestBody: { required: !e.bodyOptional, content: { "application/json": { schema: jsonSchema(e.body, "input") } } } } : {}),
    responses,
  };
}

export function buildOpenApi(endpoints: readonly EndpointDoc[], o: DocumentOptions): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const e of endpoints) {
    const path = e.path.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[e.method] = operation(e, o);
  }
  return {
    openapi: "3.1.0",
    info: { title: o.title, version: VERSION, description: o.description },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: o.basePath }],
    paths,
    components: {
      schemas: components(o.schemas),
      ...(o.securitySchemes ? { securitySchemes: o.securitySchemes } : {}),
    },
  };
}
