/**
 * A small JSON Schema (2020-12) checker for the keywords `z.toJSONSchema` emits — enough to validate
 * real API responses against the OpenAPI document itself (no validator library in the project):
 * $ref (local), type (incl. "integer" and type lists), properties, required, additionalProperties,
 * items, enum, const, anyOf, oneOf, allOf, minimum, maximum, minLength, maxLength, pattern.
 * Unknown keywords (description, format, example, default) are annotations and ignored.
 */
type Schema = Record<string, any> | boolean;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === "integer") return typeof v === "number" && Number.isInteger(v);
  if (t === "number") return typeof v === "number" && Number.isFinite(v);
  return typeOf(v) === t;
}

export function validate(root: Record<string, any>, schema: Schema, value: unknown, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value allowed`];
  const errors: string[] = [];
  const s = schema;
  if (s.$ref) {
    const target = String(s.$ref)
      .replace(/^#\//, "")
      .split("/")
      .reduce((o: any, k: string) => o?.[k], root);
    if (!target) return [`${path}: unresolvable $ref ${s.$ref}`];
    errors.push(...validate(root, target, value, path));
  }
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => hasType(value, t))) return [...errors, `${path}: expected ${types.join("|")}, got ${typeOf(value)}`];
  }
  if (s.enum && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push(`${path}: expected const ${JSON.stringify(s.const)}`);
  if (typeof value === "number") {
    if (s.minimum !== undefined && value < s.minimum) errors.push(`${path}: ${value} < minimum ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) errors.push(`${path}: ${value} > maximum ${s.maximum}`);
  }
  if (typeof value === "string") {
    if (s.minLength !== undefined && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (s.pattern && !new RegExp(s.pattern, "u").test(value)) errors.push(`${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => errors.push(...validate(root, s.items, v, `${path}[${i}]`)));
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in obj)) errors.push(`${path}: missing ${k}`);
    const props: Record<string, Schema> = s.properties ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errors.push(...validate(root, props[k]!, v, `${path}.${k}`));
      else if (s.additionalProperties !== undefined) errors.push(...validate(root, s.additionalProperties, v, `${path}.${k}`));
    }
  }
  if (s.allOf) for (const sub of s.allOf) errors.push(...validate(root, sub, value, path));
  if (s.anyOf && !s.anyOf.some((sub: Schema) => validate(root, sub, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (s.oneOf && s.oneOf.filter((sub: Schema) => validate(root, sub, value, path).length === 0).length !== 1)
    errors.push(`${path}: must match exactly one of oneOf`);
  return errors;
}
