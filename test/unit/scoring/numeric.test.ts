/**
 * Python/numpy numerics: round(), sum() variants, correctly rounded integer powers.
 */
import { describe, expect, it } from "vitest";
import { correctlyRoundedIntPow, neumaierSum, numpySum, pyRound, pythonSum } from "../../../src/scoring/numeric";

describe("pyRound = Python round(x, n)", () => {
  it("rounds halves to even on the exact binary value", () => {
    // Values checked against CPython 3.11.
    const cases: [number, number, number][] = [
      [0.125, 2, 0.12],
      [0.375, 2, 0.38],
      [2.675, 2, 2.67],
      [0.5, 0, 0],
      [1.5, 0, 2],
      [2.5, 0, 2],
      [1.0005, 3, 1.0],
      [0.0005, 3, 0.001],
      [163.61614999999998, 4, 163.6161],
      [0.6565, 3, 0.656],
      [0.0625, 3, 0.062],
      [0.1875, 3, 0.188],
      [1.15, 1, 1.1],
      [3928.55, 1, 3928.6],
      [-0.125, 2, -0.12],
      [5e-5, 4, 0.0001],
      [0.00015, 4, 0.0001],
      [3.0387644916154845e-19, 4, 0],
      [300, 0, 300],
    ];
    for (const [x, n, r] of cases) expect(pyRound(x, n), `round(${x}, ${n})`).toBe(r);
  });
});

describe("sums", () => {
  it("python sum is left to right, Neumaier compensates", () => {
    const xs = [1e16, 1, -1e16, 1];
    expect(pythonSum(xs)).toBe(1);
    expect(neumaierSum(xs)).toBe(2);
    // Case 04's mean forecast wind: sequential sum (what the goldens used).
    const wind = [14.4, 14.7, 15.9, 24.3, 19.3, 20.3, 15.1];
    expect(pythonSum(wind) / 7).toBe(17.71428571428571);
    expect(neumaierSum(wind) / 7).toBe(17.714285714285715);
  });
  it("numpy sum: sequential below 9 elements, pairwise above", () => {
    expect(numpySum([])).toBe(0);
    expect(numpySum([1, 2, 3])).toBe(6);
    const xs = Array.from({ length: 1000 }, (_, k) => 0.1 * ((k % 13) + 1));
    expect(numpySum(xs)).toBeCloseTo(pythonSum(xs), 9);
    expect(numpySum(Float64Array.from(xs))).toBe(numpySum(xs));
  });
});

describe("correctlyRoundedIntPow", () => {
  it("matches CPython 0.85 ** k (glibc pow) where Math.pow may not", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((k) => correctlyRoundedIntPow(0.85, k))).toEqual([
      1, 0.85, 0.7224999999999999, 0.6141249999999999, 0.5220062499999999, 0.44370531249999995, 0.37714951562499993, 0.3205770882812499,
    ]);
  });
  it("is exact for exactly representable results", () => {
    expect(correctlyRoundedIntPow(1.5, 3)).toBe(3.375);
    expect(correctlyRoundedIntPow(2, 10)).toBe(1024);
    expect(correctlyRoundedIntPow(0.5, 20)).toBe(2 ** -20);
  });
});
