/**
 * Every golden case (../shared/spec/golden, read in place) against the engine, with the spec's
 * comparison rules; also through a serialised corpus and without debug.
 */
import { describe, expect, it } from "vitest";
import { GoldenInputSchema, buildCorpus, deserializeCorpus, scoreGoldenInput, scoreRouteDay, serializeCorpus, type GoldenInput } from "../../../src/scoring";
import { compareGolden, loadGoldenCases } from "./golden-compare";

const cases = loadGoldenCases();

function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

describe("golden cases", () => {
  it("finds the reference cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const input = GoldenInputSchema.parse(c.data.input) as GoldenInput;

      it(`matches expected (${String(c.data.input.description).slice(0, 70)})`, () => {
        const result = plain(scoreGoldenInput(input));
        expect(compareGolden(result, c.data.expected)).toEqual([]);
      });

      it("gives the same result from a serialised corpus", () => {
        const corpus = buildCorpus(input.accidents);
        const request = {
          route: input.route,
          targetDate: input.target_date,
          forecast: input.forecast_weather,
          weatherStats: input.weather_stats,
        };
        const direct = scoreRouteDay(corpus, request, { debug: true });
        const bytes = serializeCorpus(corpus);
        expect(scoreRouteDay(deserializeCorpus(bytes), request, { debug: true })).toEqual(direct);
        expect(scoreRouteDay(deserializeCorpus(bytes.buffer.slice(0) as ArrayBuffer), request, { debug: true })).toEqual(direct);
      });

      it("without debug returns the same result minus `debug`", () => {
        const withDebug = scoreGoldenInput(input, { debug: true });
        const withoutDebug = scoreGoldenInput(input, { debug: false });
        expect("debug" in withoutDebug).toBe(false);
        const { debug: _d, ...rest } = withDebug;
        expect(withoutDebug).toEqual(rest);
      });
    });
  }

  it("the comparator reports a difference beyond 1e-6", () => {
    const c = cases.find((k) => k.data.expected.num_contributing_accidents > 0)!;
    const result = plain(scoreGoldenInput(GoldenInputSchema.parse(c.data.input) as GoldenInput));
    const expected = plain(c.data.expected);
    expected.metadata.total_influence_sum += 2e-6;
    expected.top_contributing_accidents[0].spatial_weight += 0.002;
    const diffs = compareGolden(result, expected);
    expect(diffs.some((d) => d.includes("total_influence_sum"))).toBe(true);
    expect(diffs.some((d) => d.includes("spatial_weight"))).toBe(true);
  });
});
