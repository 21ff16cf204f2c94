/**
 * Read replicas for the Upstash stand-in (dev/upstash-rest.ts): Upstash Global serves reads from
 * replicas that apply the primary's writes asynchronously, and offers read-your-writes per client
 * through the `upstash-sync-token` header ("returning a sync token after each request, which
 * indicates the primary member's state. In the next request, this sync token ensures the read
 * replica syncs up to that token before serving the read" — upstash.com/docs/redis/howto/readyourwrites).
 *
 * Emulation over the one backing Redis: every request that writes gets the next sequence number (its
 * sync token) and becomes visible to replica reads `lagMs` later. Before a write runs, the stand-in
 * snapshots the keys it touches (type, value, expiry); until the write is visible, a replica read of
 * such a key is answered from the snapshot — unless the request's `upstash-sync-token` is at least
 * that write's token (the replica "syncs up" first). Writes are serialised so a snapshot and its write
 * are not interleaved with another write.
 *
 * Answered from snapshots (when a key is lagging): GET, MGET, EXISTS, STRLEN, TYPE, TTL, PTTL, HGET,
 * HMGET, HGETALL, HLEN, HEXISTS on strings and hashes. Other reads, keys of other types, SCAN and
 * /multi-exec run on the primary (fresh). Keys come from Redis' command table (first/last/step, and
 * numkeys for EVAL/EVALSHA/FCALL), so commands with other key layouts may miss keys.
 */
import { createRequire } from "node:module";

type Arg = string | number;
type Reply = Buffer | number | null | Reply[];

export interface ReplicaBackend {
  exec(cmd: Arg[]): Promise<Reply>;
}

/** A lagging read that fails like Redis would (WRONGTYPE). */
export class ReplicaReadError extends Error {}

interface CommandSpec {
  flags: string[];
  keyStart: number;
  keyStop: number;
  step: number;
}

const COMMANDS: Record<string, CommandSpec> = (() => {
  try {
    return createRequire(import.meta.url)("@ioredis/commands/built/commands.json");
  } catch {
    return {};
  }
})();

const SCRIPT_WRITES = new Set(["eval", "evalsha", "fcall"]);
const SCRIPT_READS = new Set(["eval_ro", "evalsha_ro", "fcall_ro"]);

/** Does the command change data (what the primary must apply before a replica sees it)? */
export function isWriteCommand(cmd: Arg[]): boolean {
  const name = String(cmd[0]).toLowerCase();
  return SCRIPT_WRITES.has(name) || !!COMMANDS[name]?.flags.includes("write");
}

/** The keys a command names (Redis' key spec; numkeys for scripts). */
export function commandKeys(cmd: Arg[]): string[] {
  const name = String(cmd[0]).toLowerCase();
  if (SCRIPT_WRITES.has(name) || SCRIPT_READS.has(name)) {
    const n = Number(cmd[2] ?? 0);
    return cmd.slice(3, 3 + (Number.isFinite(n) ? n : 0)).map(String);
  }
  const spec = COMMANDS[name];
  if (!spec || spec.keyStart <= 0) return [];
  const last = spec.keyStop < 0 ? cmd.length + spec.keyStop : Math.min(spec.keyStop, cmd.length - 1);
  const keys: string[] = [];
  for (let i = spec.keyStart; i <= last; i += Math.max(1, spec.step)) keys.push(String(cmd[i]));
  return keys;
}

type Snapshot =
  | { kind: "none" }
  | { kind: "string"; value: Buffer; expiresAt: number | null }
  | { kind: "hash"; fields: [string, Buffer][]; expiresAt: number | null }
  | { kind: "other" };

interface PendingWrite {
  seq: number;
  visibleAt: number;
  /** The key's state before this write. */
  before: Snapshot;
}

const EMULATED_READS = new Set(["get", "mget", "exists", "strlen", "type", "ttl", "pttl", "hget", "hmget", "hgetall", "hlen", "hexists"]);

const buf = (r: Reply): Buffer => (Buffer.isBuffer(r) ? r : Buffer.from(String(r)));

export class LaggingReplica {
  /** The primary's state: sync token of the latest write. */
  seq = 0;
  private visibleSeq = 0;
  private readonly pending = new Map<string, PendingWrite[]>();
  private readonly log: { seq: number; visibleAt: number }[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: ReplicaBackend,
    readonly lagMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs a request that writes: snapshots its keys (when lagging), runs it on the primary, returns its token. */
  async write<T>(cmds: Arg[][], run: () => Promise<T>): Promise<{ result: T; token: number }> {
    if (this.lagMs <= 0) {
      // No replicas: writes are not serialised (the Worker's own atomicity must come from Redis, as in production).
      const result = await run();
      this.visibleSeq = ++this.seq;
      return { result, token: this.seq };
    }
    const step = this.chain.then(async () => {
      const keys = [...new Set(cmds.filter(isWriteCommand).flatMap(commandKeys))];
      const before = await Promise.all(keys.map((k) => this.snapshot(k)));
      const result = await run();
      const seq = ++this.seq;
      const visibleAt = this.now() + this.lagMs;
      keys.forEach((k, i) => {
        const list = this.pending.get(k) ?? [];
        list.push({ seq, visibleAt, before: before[i]! });
        this.pending.set(k, list);
      });
      this.log.push({ seq, visibleAt });
      return { result, token: seq };
    });
    this.chain = step.catch(() => {});
    return step;
  }

  /** The token a replica read answers with: what the reader has now observed. */
  observed(token: number): number {
    this.prune();
    return Math.max(token, this.visibleSeq);
  }

  /**
   * A read as a replica serves it for a reader holding `token`; undefined = serve it from the primary
   * (nothing it reads is lagging, or the command is not emulated).
   */
  async read(cmd: Arg[], token: number): Promise<Reply | undefined> {
    if (this.lagMs <= 0) return undefined;
    const name = String(cmd[0]).toLowerCase();
    if (!EMULATED_READS.has(name)) return undefined;
    this.prune();
    const keys = commandKeys(cmd);
    const lagging = keys.map((k) => this.pending.get(k)?.find((w) => w.seq > token && w.visibleAt > this.now())?.before);
    if (lagging.every((s) => s === undefined)) return undefined;
    const views = await Promise.all(keys.map((k, i) => lagging[i] ?? this.snapshot(k)));
    if (views.some((v) => v.kind === "other")) return undefined;
    return this.evaluate(
      name,
      cmd,
      views.map((v) => this.live(v)),
    );
  }

  /** Makes every write visible now (a replica that has caught up). */
  sync(): void {
    this.pending.clear();
    this.log.length = 0;
    this.visibleSeq = this.seq;
  }

  private prune() {
    const now = this.now();
    while (this.log.length && this.log[0]!.visibleAt <= now) this.visibleSeq = this.log.shift()!.seq;
    for (const [k, list] of this.pending) {
      const rest = list.filter((w) => w.visibleAt > now);
      if (rest.length) this.pending.set(k, rest);
      else this.pending.delete(k);
    }
  }

  private live(v: Snapshot): Snapshot {
    return "expiresAt" in v && v.expiresAt !== null && v.expiresAt <= this.now() ? { kind: "none" } : v;
  }

  private async snapshot(key: string): Promise<Snapshot> {
    const type = buf((await this.backend.exec(["type", key])) as Reply).toString();
    if (type === "none") return { kind: "none" };
    if (type !== "string" && type !== "hash") return { kind: "other" };
    const pttl = Number(await this.backend.exec(["pttl", key]));
    const expiresAt = pttl >= 0 ? this.now() + pttl : null;
    if (type === "string") return { kind: "string", value: buf((await this.backend.exec(["get", key])) as Reply), expiresAt };
    const flat = ((await this.backend.exec(["hgetall", key])) ?? []) as Reply[];
    const fields: [string, Buffer][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) fields.push([buf(flat[i]!).toString(), buf(flat[i + 1]!)]);
    return { kind: "hash", fields, expiresAt };
  }

  private evaluate(name: string, cmd: Arg[], views: Snapshot[]): Reply {
    const wrongType = () => {
      throw new ReplicaReadError("WRONGTYPE Operation against a key holding the wrong kind of value");
    };
    const str = (v: Snapshot) => (v.kind === "string" ? v.value : v.kind === "none" ? null : wrongType());
    const hash = (v: Snapshot) => (v.kind === "hash" ? new Map(v.fields) : v.kind === "none" ? new Map<string, Buffer>() : wrongType()!);
    const v = views[0]!;
    switch (name) {
      case "get":
        return str(v);
      case "mget":
        return views.map((x) => (x.kind === "string" ? x.value : null));
      case "exists":
        return views.filter((x) => x.kind !== "none").length;
      case "strlen":
        return str(v)?.length ?? 0;
      case "type":
        return Buffer.from(v.kind);
      case "ttl":
      case "pttl": {
        if (v.kind === "none") return -2;
        const exp = "expiresAt" in v ? v.expiresAt : null;
        if (exp === null) return -1;
        const ms = exp - this.now();
        return name === "pttl" ? ms : Math.round(ms / 1000);
      }
      case "hget":
        return hash(v).get(String(cmd[2])) ?? null;
      case "hmget": {
        const h = hash(v);
        return cmd.slice(2).map((f) => h.get(String(f)) ?? null);
      }
      case "hgetall":
        return [...hash(v)].flatMap(([f, x]) => [Buffer.from(f), x]);
      case "hlen":
        return hash(v).size;
      case "hexists":
        return hash(v).has(String(cmd[2])) ? 1 : 0;
      default:
        throw new Error(`not an emulated read: ${name}`);
    }
  }
}
