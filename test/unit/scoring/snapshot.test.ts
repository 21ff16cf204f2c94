/**
 * Corpus snapshots (serializeCorpus / deserializeCorpus): on the real corpus and on generated
 * corpora whose values defeat the compact codecs, a restored corpus has bit-identical arrays and
 * scores exactly like the built one; damaged, foreign and other-version snapshots are rejected.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  CORPUS_SNAPSHOT_VERSION,
  buildCorpus,
  deserializeCorpus,
  scoreLocationDays,
  scoreLocationDaysCompact,
  serializeCorpus,
  type AccidentInput,
  type LocationRequest,
  type PreparedCorpus,
} from "../../../src/scoring";
import { isoDateFromDayNumber, parseIsoDate } from "../../../src/scoring/dates";
import { loadData } from "../../../bench/score";
import { rng } from "../../support/random";

/** Every typed array of a corpus, as bytes. */
function arrays(c: PreparedCorpus): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(c)) {
    if (ArrayBuffer.isView(value)) out[key] = new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  c.temporalFactor.forEach((a, t) => (out[`temporalFactor${t}`] = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))));
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function expectSameCorpus(restored: PreparedCorpus, built: PreparedCorpus): void {
  expect(restored.count).toBe(built.count);
  expect(restored.inputCount).toBe(built.inputCount);
  expect(restored.severityLabels).toStrictEqual(built.severityLabels);
  const a = arrays(built);
  const b = arrays(restored);
  expect(Object.keys(a).length).toBeGreaterThanOrEqual(16 + 7);
  expect(Object.keys(b).sort()).toStrictEqual(Object.keys(a).sort());
  // Byte comparison (a generic deep equality over ~2 MB of typed arrays is slow).
  expect(Object.keys(a).filter((key) => !sameBytes(a[key]!, b[key]))).toStrictEqual([]);
}

function request(r: () => number, latitude: number, longitude: number): LocationRequest {
  const t = parseIsoDate("2025-03-01")!.dayNumber + Math.floor(r() * 300);
  return {
    location: { latitude, longitude, elevation_m: r() < 0.3 ? null : 1000 + r() * 3000 },
    routes: ["alpine", "sport", "trad", "ice", "boulder", "aid", "mixed"].map((route_type, k) => ({ route_type, grade: k % 2 ? "5.10a" : "V4" })),
    days: Array.from({ length: 3 }, (_, d) => ({
      targetDate: isoDateFromDayNumber(t + d),
      forecast:
        d === 2
          ? null
          : Array.from({ length: 7 }, (_, k) => {
              const mean = r() * 25 - 5;
              return {
                date: isoDateFromDayNumber(t + d - 6 + k),
                temperature_2m_mean: mean,
                temperature_2m_min: mean - 4,
                temperature_2m_max: mean + 5,
                precipitation_sum: r() * 10,
                wind_speed_10m_max: r() * 20,
                cloud_cover_mean: r() * 100,
              };
            }),
      weatherStats: d === 1 ? null : { temperature: [8, 6], precipitation: [1, 2], wind_speed: [5, 2], visibility: [10000, 0] },
    })),
  };
}

describe("corpus snapshots on the real corpus", () => {
  let accidents: AccidentInput[];
  let built: PreparedCorpus;
  let bytes: Uint8Array;
  beforeAll(() => {
    accidents = loadData().accidents;
    built = buildCorpus(accidents);
    bytes = serializeCorpus(built);
  }, 60_000);

  it("restores bit-identical arrays; the snapshot is deterministic and under 1 MB", () => {
    expectSameCorpus(deserializeCorpus(bytes), built);
    expect(sameBytes(serializeCorpus(deserializeCorpus(bytes)), bytes)).toBe(true);
    expect(sameBytes(serializeCorpus(buildCorpus(accidents)), bytes)).toBe(true);
    // One Redis value / request body; the raw typed arrays alone are ~1.7 MB.
    expect(bytes.byteLength).toBeLessThan(1_000_000);
  });

  it("a restored corpus scores exactly like the built one (full with debug, and compact)", () => {
    const restored = deserializeCorpus(bytes.buffer.slice(0) as ArrayBuffer);
    const r = rng(11);
    for (const anchor of [
      [46.85, -121.76],
      [40.25, -105.62],
      [37.73, -119.6],
    ] as const) {
      const req = request(r, anchor[0], anchor[1]);
      expect(scoreLocationDays(restored, req)).toStrictEqual(scoreLocationDays(built, req));
      expect(scoreLocationDaysCompact(restored, req)).toStrictEqual(scoreLocationDaysCompact(built, req));
    }
    // Debug (every kept accident's factors) for one route-day.
    const one = { ...request(r, 46.85, -121.76), routes: [{ route_type: "alpine", grade: null }] };
    one.days = one.days.slice(0, 1);
    expect(scoreLocationDays(restored, one, { debug: true })).toStrictEqual(scoreLocationDays(built, one, { debug: true }));
  });

  it("reads unaligned input and does not keep or change the caller's bytes", () => {
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    const view = shifted.subarray(3);
    const restored = deserializeCorpus(view);
    expectSameCorpus(restored, built);
    view.fill(0);
    expect(restored.latRad).toStrictEqual(built.latRad);
  });

  it("rejects damaged, truncated, foreign and other-version snapshots", () => {
    const flip = bytes.slice();
    flip[Math.floor(bytes.byteLength / 2)]! ^= 1;
    expect(() => deserializeCorpus(flip)).toThrow(/checksum/);
    expect(() => deserializeCorpus(bytes.slice(0, bytes.byteLength - 8))).toThrow(/truncated/);
    expect(() => deserializeCorpus(bytes.slice(0, 16))).toThrow(/too short/);
    const foreign = bytes.slice();
    foreign[0] = 0x50;
    expect(() => deserializeCorpus(foreign)).toThrow(/magic/);
    const other = bytes.slice();
    new DataView(other.buffer).setUint32(4, CORPUS_SNAPSHOT_VERSION + 1, true);
    expect(() => deserializeCorpus(other)).toThrow(new RegExp(`unsupported format version ${CORPUS_SNAPSHOT_VERSION + 1}`));
  });
});

describe("corpus snapshots of values the compact codecs cannot hold", () => {
  it("raw doubles, −0, NaN, huge and fractional ids, and an empty corpus round-trip exactly", () => {
    const r = rng(12);
    const accidents: AccidentInput[] = Array.from({ length: 300 }, (_, k) => {
      const day = parseIsoDate("1995-01-01")!.dayNumber + Math.floor(r() * 9000);
      return {
        accident_id: k % 3 === 0 ? k + 0.5 : k % 3 === 1 ? 2 ** 40 + k : k,
        date: isoDateFromDayNumber(day),
        latitude: 30 + r() * 20,
        longitude: -120 + r() * 20,
        elevation_m: k % 4 === 0 ? -0 : k % 4 === 1 ? null : r() * 4000,
        activity: "climbing",
        accident_type: k % 2 ? "avalanche" : null,
        tags: null,
        injury_severity: ["fatal", "serious", null, "Minor", ""][k % 5]!,
        grade: k % 2 ? "5.10a" : null,
        weather: Array.from({ length: 5 + (k % 3) }, (_, d) => ({
          date: isoDateFromDayNumber(day - d),
          temperature_avg: r() * 30 - 10,
          temperature_min: -5 - r() * 5,
          temperature_max: 5 + r() * 5,
          precipitation_total: k % 2 ? r() * 10 : 1.25,
          wind_speed_avg: 1e300 * r(),
          visibility_avg: null,
          cloud_cover_avg: 12.5,
        })),
      };
    });
    const built = buildCorpus(accidents);
    expect(Object.is(built.elevationM[0], -0)).toBe(true);
    const restored = deserializeCorpus(serializeCorpus(built));
    expectSameCorpus(restored, built);
    expect(Object.is(restored.elevationM[0], -0)).toBe(true);
    const req = request(rng(13), 40, -110);
    expect(scoreLocationDays(restored, req, { debug: true })).toStrictEqual(scoreLocationDays(built, req, { debug: true }));

    const empty = buildCorpus([]);
    expectSameCorpus(deserializeCorpus(serializeCorpus(empty)), empty);
  });
});
