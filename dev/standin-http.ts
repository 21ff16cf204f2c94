/**
 * Pieces the HTTP stand-ins share (dev/neon-http.ts, dev/upstash-rest.ts): reading a capped body,
 * and the fault switch tests flip — one fault per scope ("" = every request), counted down.
 */
import type http from "node:http";

/** Reads the whole body (so the client is not cut off mid-send), keeping at most `limit` bytes. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<{ text: string; bytes: number; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (c: Buffer) => {
      bytes += c.length;
      if (bytes <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    req.on("end", () => resolve({ text: bytes <= limit ? Buffer.concat(chunks).toString("utf8") : "", bytes, tooLarge: bytes > limit }));
    req.on("error", reject);
  });
}

export interface ScopedFault {
  mode: string;
  /** How many requests meet it (default: all until cleared). */
  times?: number;
  /** Only requests of this scope meet it (default: every request). */
  scope?: string;
}

/** The active faults by scope: a request meets its scope's fault, else the global one. */
export class FaultSwitch<F extends ScopedFault> {
  private readonly faults = new Map<string, F & { remaining: number }>();

  constructor(
    private readonly modes: readonly string[],
    /** The stand-in's own error for an unknown mode (its wire format's). */
    private readonly unknownMode: (message: string) => Error,
    /** Called for every request that meets a fault (the stand-in's `faultsServed`). */
    private readonly onServed: () => void,
  ) {}

  set(fault: F | null, scope = fault?.scope ?? ""): void {
    if (!fault) return void this.faults.delete(scope);
    if (!this.modes.includes(fault.mode)) throw this.unknownMode(`unknown fault mode ${JSON.stringify(fault.mode)} (one of ${this.modes.join(", ")})`);
    this.faults.set(scope, { ...fault, remaining: fault.times ?? Infinity });
  }

  /** The fault a request of this scope would meet, without counting it. */
  peek(scope: string | undefined): F | undefined {
    return this.faults.get(this.keyOf(scope));
  }

  /** The fault this request meets, counting it down. */
  take(scope: string | undefined): F | undefined {
    const key = this.keyOf(scope);
    const f = this.faults.get(key);
    if (!f) return undefined;
    if (--f.remaining <= 0) this.faults.delete(key);
    this.onServed();
    return f;
  }

  /** The active faults by scope (the GET answer of the test control). */
  toJSON(): Record<string, F & { remaining: number }> {
    return Object.fromEntries(this.faults);
  }

  private keyOf(scope: string | undefined): string {
    return scope !== undefined && this.faults.has(scope) ? scope : "";
  }
}
