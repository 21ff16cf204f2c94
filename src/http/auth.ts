/** Bearer-token check for /admin/*, compared in constant time (SHA-256 digests, XOR-accumulated). */
import { HttpError } from "./errors";

const encoder = new TextEncoder();

export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

export async function isAdmin(request: Request, adminToken: string): Promise<boolean> {
  const header = request.headers.get("Authorization") ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  return m ? constantTimeEqual(m[1]!.trim(), adminToken) : false;
}

export async function requireAdmin(request: Request, adminToken: string): Promise<void> {
  if (!(await isAdmin(request, adminToken))) {
    throw new HttpError(401, "unauthorized", "Admin bearer token required", undefined, { "WWW-Authenticate": 'Bearer realm="admin"' });
  }
}
