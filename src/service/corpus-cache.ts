/**
 * The prepared accident corpus, built once per isolate and data version.
 *
 * Loading ~4,300 accidents with their weather windows is one Postgres query plus a ~100 ms build;
 * it must not happen per request or per queue message. The data version (bumped by every import
 * that changes rows) is re-read at most every `recheckMs`, so an import reaches every isolate
 * within that delay, and concurrent callers share one load.
 */
import { buildCorpus, type PreparedCorpus } from "../scoring";
import { loadAccidentInputs } from "../data/accidents";
import { readDataVersion, type Sql } from "../data/db";

export interface CorpusSnapshot {
  corpus: PreparedCorpus;
  dataVersion: number;
  loadedAt: number;
}

export class CorpusCache {
  private snapshot: CorpusSnapshot | null = null;
  private checkedAt = 0;
  private pending: Promise<CorpusSnapshot> | null = null;
  /** How many times the corpus was loaded from Postgres (for stats and tests). */
  loads = 0;

  constructor(
    private readonly sql: Sql,
    private readonly recheckMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<CorpusSnapshot> {
    if (this.snapshot && this.now() - this.checkedAt < this.recheckMs) return this.snapshot;
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  private async refresh(): Promise<CorpusSnapshot> {
    const version = await readDataVersion(this.sql);
    if (this.snapshot && this.snapshot.dataVersion === version) {
      this.checkedAt = this.now();
      return this.snapshot;
    }
    const accidents = await loadAccidentInputs(this.sql);
    this.loads++;
    this.snapshot = { corpus: buildCorpus(accidents), dataVersion: version, loadedAt: this.now() };
    this.checkedAt = this.now();
    return this.snapshot;
  }
}
