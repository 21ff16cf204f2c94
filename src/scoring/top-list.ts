/**
 * The top-50 list (spec 10.1): influence descending, ties by input position ascending (stable);
 * zero-influence accidents fill the end of the list in input order. Insertion into a sorted array
 * of at most 50 — no full sort, no allocation per offer.
 */
import { TOP_LIST_LENGTH } from "./constants";

export class TopList {
  /** Positions (index into the kept accidents) and influences, best first. */
  readonly j = new Int32Array(TOP_LIST_LENGTH);
  readonly inf = new Float64Array(TOP_LIST_LENGTH);
  count = 0;

  reset(): void {
    this.count = 0;
  }

  full(): boolean {
    return this.count === TOP_LIST_LENGTH;
  }

  /** Influence of the last entry (only meaningful when full). */
  last(): number {
    return this.inf[this.count - 1]!;
  }

  offer(j: number, inf: number): void {
    const n = this.count;
    if (n === TOP_LIST_LENGTH) {
      const lastInf = this.inf[n - 1]!;
      if (inf < lastInf || (inf === lastInf && j > this.j[n - 1]!)) return;
    }
    let p = n < TOP_LIST_LENGTH ? this.count++ : TOP_LIST_LENGTH - 1;
    while (p > 0) {
      const prev = this.inf[p - 1]!;
      if (prev > inf || (prev === inf && this.j[p - 1]! < j)) break;
      this.inf[p] = prev;
      this.j[p] = this.j[p - 1]!;
      p--;
    }
    this.inf[p] = inf;
    this.j[p] = j;
  }
}
