/**
 * /api/v1 request parsing the way FastAPI does it: query strings last-wins and unknown parameters
 * ignored; integers, numbers, booleans and dates parsed from strings with pydantic's lax rules; and
 * every zod issue turned into a pydantic error item (`type`, `loc`, `msg`, `input`, `ctx`).
 *
 * The lexical schemas below are zod (so the OpenAPI document is generated from them): a string in,
 * a typed value out (`.pipe()` adds the limits), each failure a custom issue carrying its pydantic
 * `type`.
 */
import { z } from "zod";
import { isStorableId } from "../../service/route-scores";
import { isIsoDate } from "../schema-blocks";
import { validationError, type ValidationItem } from "./errors";

type Location = "query" | "path" | "body";

const issue = (ctx: z.core.$RefinementCtx<string>, type: string, message: string, input: string) =>
  ctx.addIssue({ code: "custom", message, params: { type }, input });

/** An integer from a string: optional sign, digits, surrounding spaces (pydantic's lax int). */
export const IntString = z
  .string()
  .transform((s, ctx) => {
    const t = s.trim();
    if (!/^[+-]?\d+$/.test(t)) {
      issue(ctx, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", s);
      return z.NEVER;
    }
    return Number(t);
  })
  .pipe(z.number().int());

/** A finite number from a string (pydantic's lax float). */
export const FloatString = z
  .string()
  .transform((s, ctx) => {
    const t = s.trim();
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(n)) {
      issue(ctx, "float_parsing", "Input should be a valid number, unable to parse string as a number", s);
      return z.NEVER;
    }
    return n;
  })
  .pipe(z.number());

const TRUE = new Set(["true", "1", "yes", "on", "t", "y"]);
const FALSE = new Set(["false", "0", "no", "off", "f", "n"]);

/** A boolean: true/false/1/0/yes/no/on/off, any case. */
export const BoolString = z
  .string()
  .transform((s, ctx) => {
    const t = s.trim().toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    issue(ctx, "bool_parsing", "Input should be a valid boolean, unable to interpret input", s);
    return z.NEVER;
  })
  .pipe(z.boolean());

/** A calendar date YYYY-MM-DD, returned as that string. */
export const DateString = z
  .string()
  .transform((s, ctx) => {
    const t = s.trim();
    if (!isIsoDate(t)) {
      const m = /^\d{4}-(\d{2})-\d{2}$/.exec(t);
      const why = !m
        ? "invalid date format, expected YYYY-MM-DD"
        : Number(m[1]) < 1 || Number(m[1]) > 12
          ? "month value is outside expected range"
          : "day value is outside expected range";
      issue(ctx, "date_from_datetime_parsing", `Input should be a valid date or datetime, ${why}`, s);
      return z.NEVER;
    }
    return t;
  })
  .pipe(z.string().meta({ format: "date" }));

export const intParam = (min?: number, max?: number) => {
  let n = z.number().int();
  if (min !== undefined) n = n.min(min);
  if (max !== undefined) n = n.max(max);
  return IntString.pipe(n);
};

export const floatParam = (min?: number, max?: number) => {
  let n = z.number();
  if (min !== undefined) n = n.min(min);
  if (max !== undefined) n = n.max(max);
  return FloatString.pipe(n);
};

// ------------------------------------------------------------------------- issues → items

const fmt = (n: unknown) => (typeof n === "number" && Number.isInteger(n) ? String(n) : String(n));

function toItem(i: z.core.$ZodIssue, loc: Location, root: unknown, raw: Record<string, unknown> | undefined): ValidationItem {
  const path = i.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[];
  const fullLoc = [loc, ...path];
  // The value as the client sent it (a query string, not the parsed number).
  const sent = raw && path.length ? raw[String(path[0])] : (i as { input?: unknown }).input;
  const input = sent === undefined ? (loc === "body" && path.length ? (root ?? null) : null) : sent;
  switch (i.code) {
    case "custom": {
      const type = (i.params as { type?: string } | undefined)?.type ?? "value_error";
      return {
        type,
        loc: fullLoc,
        msg: type === "value_error" ? `Value error, ${i.message}` : i.message,
        input,
        ...(type === "value_error" ? { ctx: { error: {} } } : {}),
      };
    }
    case "invalid_type": {
      if ((i as { input?: unknown }).input === undefined) return { type: "missing", loc: fullLoc, msg: "Field required", input };
      const expected = i.expected;
      const given = (i as { input?: unknown }).input;
      if (expected === "number" && typeof given === "string") {
        return { type: "float_parsing", loc: fullLoc, msg: "Input should be a valid number, unable to parse string as a number", input };
      }
      if (expected === "number") return { type: "float_type", loc: fullLoc, msg: "Input should be a valid number", input };
      if (expected === "int") return { type: "int_type", loc: fullLoc, msg: "Input should be a valid integer", input };
      if (expected === "string") return { type: "string_type", loc: fullLoc, msg: "Input should be a valid string", input };
      if (expected === "boolean") return { type: "bool_type", loc: fullLoc, msg: "Input should be a valid boolean", input };
      if (expected === "object")
        return { type: "model_attributes_type", loc: fullLoc, msg: "Input should be a valid dictionary or object to extract fields from", input };
      return { type: `${expected}_type`, loc: fullLoc, msg: `Input should be a valid ${expected}`, input };
    }
    case "too_small": {
      const ge = i.inclusive !== false;
      const bound = i.minimum as number;
      return ge
        ? { type: "greater_than_equal", loc: fullLoc, msg: `Input should be greater than or equal to ${fmt(bound)}`, input, ctx: { ge: bound } }
        : { type: "greater_than", loc: fullLoc, msg: `Input should be greater than ${fmt(bound)}`, input, ctx: { gt: bound } };
    }
    case "too_big": {
      const le = i.inclusive !== false;
      const bound = i.maximum as number;
      return le
        ? { type: "less_than_equal", loc: fullLoc, msg: `Input should be less than or equal to ${fmt(bound)}`, input, ctx: { le: bound } }
        : { type: "less_than", loc: fullLoc, msg: `Input should be less than ${fmt(bound)}`, input, ctx: { lt: bound } };
    }
    case "invalid_value":
      return {
        type: "literal_error",
        loc: fullLoc,
        msg: `Input should be ${i.values.map((v) => `'${String(v)}'`).join(", ")}`,
        input,
        ctx: { expected: i.values.join(", ") },
      };
    default:
      return { type: "value_error", loc: fullLoc, msg: `Value error, ${i.message}`, input, ctx: { error: {} } };
  }
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, loc: Location, raw?: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw validationError(r.error.issues.map((i) => toItem(i, loc, value, raw)));
}

/** The query string as FastAPI reads it: the last value of a repeated parameter wins. */
export function queryParams(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(request.url).searchParams) out[k] = v;
  return out;
}

/** Query parameters through a schema (unknown ones are ignored: z.object strips them). */
export function parseQuery<S extends z.ZodObject>(request: Request, schema: S): z.output<S> {
  const raw = queryParams(request);
  return parseOrThrow(schema, raw, "query", raw);
}

/** An integer path parameter (422 int_parsing otherwise). Any integer: ids that cannot exist are the handler's 404. */
export function pathInt(params: Record<string, string | undefined>, name: string): number {
  const raw = params[name] ?? "";
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep it as sent: it fails the integer parse below
  }
  const r = IntString.safeParse(decoded, { reportInput: true });
  if (r.success) return r.data;
  throw validationError([
    { type: "int_parsing", loc: ["path", name], msg: "Input should be a valid integer, unable to parse string as an integer", input: decoded },
  ]);
}

/** An id from a query filter: ids that cannot exist match nothing (null). */
export const filterId = (id: number | undefined) => (id === undefined ? undefined : isStorableId(id) ? id : null);
