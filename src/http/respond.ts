/**
 * JSON answers of the public API: a strong ETag (SHA-1 of the body) on every 200, and 304 when
 * If-None-Match already names it. Bodies may be pre-serialised strings (a cached score is served
 * as the exact bytes Redis holds, never parsed and re-serialised).
 */

const JSON_TYPE = "application/json; charset=utf-8";
const encoder = new TextEncoder();

export async function etagOf(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", encoder.encode(text)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return `"${hex}"`;
}

/** RFC 9110 weak comparison against an If-None-Match list (`*` matches anything). */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => opaque(t) === opaque(etag));
}

/** 200 with the JSON body and its ETag, or 304 (same headers, no body) when the client has it. */
export async function jsonWithEtag(request: Request, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const etag = await etagOf(text);
  if (matchesIfNoneMatch(request.headers.get("If-None-Match"), etag)) {
    return new Response(null, { status: 304, headers: { ...headers, ETag: etag } });
  }
  return new Response(text, { status: 200, headers: { ...headers, "Content-Type": JSON_TYPE, ETag: etag } });
}

/**
 * 200 with a JSON text as it is. No compression here: workerd (wrangler dev) and Cloudflare's edge
 * gzip/brotli-encode responses for clients that accept it (measured: /api/v1/accidents?limit=50,
 * 38.8 KB → 10.5 KB with Accept-Encoding: gzip, plain without), so doing it in the Worker would
 * only cost CPU. `Vary: Accept-Encoding` is theirs to add.
 */
export function jsonText(text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { headers: { ...headers, "Content-Type": JSON_TYPE } });
}
