/**
 * The prepared accident corpus, built once per isolate and data version.
 *
 * Building it from Neon costs a cold isolate ~0.4 s of query plus ~0.4–1 s of CPU and 30–40 MB of
 * temporary heap. So the first isolate that builds a data version's corpus also stores it
 * serialised (`serializeCorpus`, ~300 KB) as a snapshot, and every other cold isolate restores it
 * (`deserializeCorpus`, tens of ms) instead:
 *   1. the Workers Cache API (`caches.default`, per data centre, free, no Upstash bytes);
 *   2. Redis, `corpus:v1:{version}` (manifest) + `corpus:v1:{version}:{i}` (base64 chunks of at
 *      most SNAPSHOT_CHUNK_CHARS, so no Upstash request or answer nears 1 MB), shared by all;
 *   3. Postgres (and then the snapshot is written to both).
 * A snapshot that fails its checksum or does not decode counts as missing.
 *
 * The data version (bumped by every import that changes rows) is re-read at most every
 * `recheckMs`, so an import reaches every isolate within that delay, and concurrent callers share
 * one load.
 */
import { buildCorpus, deserializeCorpus, serializeCorpus, type PreparedCorpus } from "../scoring";
import { loadAccidentInputs } from "../data/accidents";
import type { Sql } from "../data/db";
import { BACKGROUND_TIMEOUT_MS, type CacheClient } from "../cache/client";
import { keys } from "../cache/keys";

export interface CorpusSnapshot {
  corpus: PreparedCorpus;
  dataVersion: number;
  loadedAt: number;
}

/** Where serialised corpora are kept between isolates. */
export interface SnapshotStore {
  readonly name: string;
  read(version: DataVersion): Promise<Uint8Array | null>;
  write(version: DataVersion, bytes: Uint8Array): Promise<void>;
}

/** The import's data version and when it was set (epoch ms as text; "0" when unknown). */
export interface DataVersion {
  version: number;
  stamp: string;
}

async function readVersion(sql: Sql): Promise<DataVersion> {
  const rows = await sql.query(`SELECT version, (extract(epoch FROM updated_at) * 1000)::bigint AS stamp FROM data_version WHERE id = 1`);
  const row = rows[0];
  return row ? { version: Number(row.version), stamp: String(row.stamp ?? 0) } : { version: 0, stamp: "0" };
}

export interface CorpusLoad {
  source: "snapshot" | "postgres";
  /** Which store had the snapshot (for source "snapshot"). */
  store: string | null;
  dataVersion: number;
  /** Reading the snapshot (or the Postgres query), ms. */
  readMs: number;
  /** Deserialising (or building), ms: from "bytes read" to "ready to score". */
  prepareMs: number;
  bytes: number;
}

export class CorpusCache {
  private snapshot: CorpusSnapshot | null = null;
  private checkedAt = 0;
  private pending: Promise<CorpusSnapshot> | null = null;
  /** How many times the corpus was built from Postgres (for stats and tests). */
  loads = 0;
  /** How many times it was restored from a snapshot. */
  restores = 0;
  lastLoad: CorpusLoad | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly recheckMs = 30_000,
    private readonly now: () => number = Date.now,
    private readonly stores: readonly SnapshotStore[] = [],
  ) {}

  async get(): Promise<CorpusSnapshot> {
    if (this.snapshot && this.now() - this.checkedAt < this.recheckMs) return this.snapshot;
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  stats() {
    return { loads: this.loads, restores: this.restores, dataVersion: this.snapshot?.dataVersion ?? null, lastLoad: this.lastLoad };
  }

  private async refresh(): Promise<CorpusSnapshot> {
    const version = await readVersion(this.sql);
    if (this.snapshot && this.snapshot.dataVersion === version.version) {
      this.checkedAt = this.now();
      return this.snapshot;
    }
    const corpus = (await this.restore(version)) ?? (await this.build(version));
    this.snapshot = { corpus, dataVersion: version.version, loadedAt: this.now() };
    this.checkedAt = this.now();
    return this.snapshot;
  }

  private async restore(version: DataVersion): Promise<PreparedCorpus | null> {
    for (let i = 0; i < this.stores.length; i++) {
      const store = this.stores[i]!;
      const t0 = performance.now();
      const bytes = await store.read(version).catch(() => null);
      if (!bytes) continue;
      const t1 = performance.now();
      let corpus: PreparedCorpus;
      try {
        corpus = deserializeCorpus(bytes);
      } catch {
        continue; // corrupt or from another snapshot format: try the next store, else rebuild
      }
      this.restores++;
      this.lastLoad = {
        source: "snapshot",
        store: store.name,
        dataVersion: version.version,
        readMs: t1 - t0,
        prepareMs: performance.now() - t1,
        bytes: bytes.byteLength,
      };
      // Fill the faster stores that missed (the per-data-centre cache after a Redis hit).
      for (const earlier of this.stores.slice(0, i)) await earlier.write(version, bytes).catch(() => undefined);
      return corpus;
    }
    return null;
  }

  private async build(version: DataVersion): Promise<PreparedCorpus> {
    const t0 = performance.now();
    const accidents = await loadAccidentInputs(this.sql);
    const t1 = performance.now();
    const corpus = buildCorpus(accidents);
    this.loads++;
    this.lastLoad = { source: "postgres", store: null, dataVersion: version.version, readMs: t1 - t0, prepareMs: performance.now() - t1, bytes: 0 };
    if (this.stores.length) {
      const bytes = serializeCorpus(corpus);
      this.lastLoad.bytes = bytes.byteLength;
      for (const store of this.stores) await store.write(version, bytes).catch(() => undefined);
    }
    return corpus;
  }
}

/** Base64 text per Redis chunk: ≤ 512 KiB, so a snapshot read or write never nears Upstash's 1 MB. */
export const SNAPSHOT_CHUNK_CHARS = 512 * 1024;
const SNAPSHOT_TTL_SECONDS = 30 * 86_400;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** FNV-1a over the bytes: catches a truncated or mixed-up chunk set before decoding. */
function checksum(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0).toString(16);
}

interface Manifest {
  bytes: number;
  chunks: number;
  checksum: string;
}

/** Snapshots in Redis: a manifest and base64 chunks, each read in its own request. */
export function redisSnapshotStore(cache: CacheClient): SnapshotStore {
  const bg = { timeoutMs: BACKGROUND_TIMEOUT_MS };
  return {
    name: "redis",
    async read(version) {
      const raw = await cache.run("corpus_snapshot_manifest", (r) => r.get<string>(keys.corpusSnapshot(version.version, version.stamp)), bg);
      if (!raw) return null;
      const m = JSON.parse(String(raw)) as Manifest;
      // One explicit pipeline per chunk: its own HTTP request (auto-pipelining would merge parallel GETs into one big answer).
      const parts = await Promise.all(
        Array.from({ length: m.chunks }, (_, i) =>
          cache.exec<[string | null]>("corpus_snapshot_chunk", (p) => p.get(keys.corpusSnapshotChunk(version.version, version.stamp, i)), bg),
        ),
      );
      if (parts.some(([part]) => typeof part !== "string")) return null;
      const bytes = fromBase64(parts.map(([part]) => String(part)).join(""));
      return bytes.byteLength === m.bytes && checksum(bytes) === m.checksum ? bytes : null;
    },
    async write(version, bytes) {
      const text = toBase64(bytes);
      const chunks = Math.max(1, Math.ceil(text.length / SNAPSHOT_CHUNK_CHARS));
      for (let i = 0; i < chunks; i++) {
        const part = text.slice(i * SNAPSHOT_CHUNK_CHARS, (i + 1) * SNAPSHOT_CHUNK_CHARS);
        await cache.exec(
          "corpus_snapshot_write",
          (p) => p.set(keys.corpusSnapshotChunk(version.version, version.stamp, i), part, { ex: SNAPSHOT_TTL_SECONDS }),
          bg,
        );
      }
      // The manifest last: a reader never sees a manifest whose chunks are not all there.
      const manifest: Manifest = { bytes: bytes.byteLength, chunks, checksum: checksum(bytes) };
      await cache.run(
        "corpus_snapshot_write",
        (r) => r.set(keys.corpusSnapshot(version.version, version.stamp), JSON.stringify(manifest), { ex: SNAPSHOT_TTL_SECONDS }),
        bg,
      );
    },
  };
}

/** Snapshots in the Workers Cache API of this data centre (absent outside workerd: no-op). */
export function cacheApiSnapshotStore(): SnapshotStore {
  const url = (v: DataVersion) => `https://corpus-snapshot.internal/v1/${v.version}/${v.stamp}`;
  const cache = () => (typeof caches !== "undefined" ? (caches as unknown as { default: Cache }).default : null);
  return {
    name: "cache-api",
    async read(version) {
      const c = cache();
      const res = c ? await c.match(url(version)) : undefined;
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    },
    async write(version, bytes) {
      const c = cache();
      if (!c) return;
      await c.put(
        url(version),
        new Response(bytes, { headers: { "Cache-Control": `max-age=${SNAPSHOT_TTL_SECONDS}`, "Content-Type": "application/octet-stream" } }),
      );
    },
  };
}
