/**
 * Numeric helpers that reproduce the original's floating-point behaviour (spec section 11):
 * CPython `sum()` (plain on ≤ 3.11, Neumaier compensated on ≥ 3.12), numpy's pairwise `sum`, Python's
 * `round(x, n)` (round-half-even on the exact binary value) and a correctly rounded integer power
 * (glibc's `pow`, which CPython uses for `float ** int`, is correctly rounded for the in-window day
 * weights; V8's `Math.pow` is not always, e.g. 0.85 ** 7).
 */

/**
 * CPython ≤ 3.11 `sum()` over floats: plain left-to-right addition starting from 0. The golden
 * cases were generated with this (see weather-similarity.ts), so the engine uses it everywhere
 * the original used `sum()`.
 */
export function pythonSum(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  let s = 0;
  for (let k = start, end = start + length; k < end; k++) s += values[k]!;
  return s;
}

/**
 * CPython 3.12 `sum()` over floats: Neumaier's improved Kahan–Babuška summation, compensation
 * added at the end when it is non-zero and finite. Sums `values[start] … values[start+length-1]`.
 */
export function neumaierSum(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  let s = 0;
  let c = 0;
  for (let k = start, end = start + length; k < end; k++) {
    const x = values[k]!;
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) c += s - t + x;
    else c += x - t + s;
    s = t;
  }
  return c !== 0 && Number.isFinite(c) ? s + c : s;
}

/** numpy's `pairwise_sum` kernel (8-way unrolled blocks of ≤ 128, recursive halving above). */
function pairwiseKernel(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[start]!,
      r1 = a[start + 1]!,
      r2 = a[start + 2]!,
      r3 = a[start + 3]!;
    let r4 = a[start + 4]!,
      r5 = a[start + 5]!,
      r6 = a[start + 6]!,
      r7 = a[start + 7]!;
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const o = start + i;
      r0 += a[o]!;
      r1 += a[o + 1]!;
      r2 += a[o + 2]!;
      r3 += a[o + 3]!;
      r4 += a[o + 4]!;
      r5 += a[o + 5]!;
      r6 += a[o + 6]!;
      r7 += a[o + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseKernel(a, start, n2) + pairwiseKernel(a, start + n2, n - n2);
}

/**
 * `np.sum` of a 1-D float64 array of `length` elements: the reduction starts from the first element
 * and adds the pairwise sum of the rest. Empty → 0.
 */
export function numpySum(values: ArrayLike<number>, length = values.length): number {
  if (length <= 0) return 0;
  return values[0]! + pairwiseKernel(values, 1, length - 1);
}

const POW10: readonly number[] = Object.freeze(Array.from({ length: 16 }, (_, k) => Number(`1e${k}`)));

/**
 * Python's `round(x, ndigits)` for ndigits ≥ 0: the decimal closest to the exact binary value of x,
 * halves to even, converted back to the nearest double.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const ax = Math.abs(x);
  if (ax >= 1e21) return x; // already an integer for every ndigits ≥ 0
  const sign = x < 0 ? -1 : 1;
  // Fast path: s = ax·10^n carries at most half an ulp of error, so unless its fraction is within
  // a few ulps of one half, rounding s gives the same integer as rounding the exact product.
  if (ndigits >= 0 && ndigits <= 15) {
    const p = POW10[ndigits]!;
    const scaled = ax * p;
    if (scaled < 2 ** 52) {
      const fl = Math.floor(scaled);
      const frac = scaled - fl; // exact
      if (Math.abs(frac - 0.5) > scaled * 1e-15 + 1e-300) {
        // r / 10^n, correctly rounded, is the double nearest the decimal result (as Python returns).
        return (sign * (frac > 0.5 ? fl + 1 : fl)) / p;
      }
    }
  }
  // A tie at digit ndigits+1 needs x = k / 2^(ndigits+1); then toFixed(ndigits+1) is exact.
  if (Number.isInteger(ax * 2 ** (ndigits + 1))) {
    const exact = ax.toFixed(ndigits + 1);
    if (exact.endsWith("5")) {
      const digits = exact.slice(0, -1).replace(".", "");
      let units = BigInt(digits);
      if (units % 2n === 1n) units += 1n;
      return (sign * Number(units)) / 10 ** ndigits;
    }
  }
  return sign * Number(ax.toFixed(ndigits));
}

/**
 * `base ** k` correctly rounded (as glibc `pow` gives it), for a finite positive normal `base`
 * and a small non-negative integer `k`. Exact big-integer arithmetic, then one rounding.
 */
export function correctlyRoundedIntPow(base: number, k: number): number {
  if (!(base >= 2 ** -1000) || !Number.isFinite(base) || !Number.isInteger(k) || k < 0 || k > 64) {
    return Math.pow(base, k);
  }
  if (k === 0) return 1;
  // base = m · 2^exponent with m an integer in [2^52, 2^53); scaling by 2 is exact for normals.
  let m = base;
  let exponent = 0;
  while (m >= 2 ** 53) {
    m /= 2;
    exponent++;
  }
  while (m < 2 ** 52) {
    m *= 2;
    exponent--;
  }
  const mantissa = BigInt(m);
  const product = mantissa ** BigInt(k);
  // Keep 64 significant bits plus a sticky bit, so that Number() performs the single rounding.
  const bits = product.toString(2).length;
  const shift = Math.max(0, bits - 64);
  let top = product >> BigInt(shift);
  if (shift > 0 && (product & ((1n << BigInt(shift)) - 1n)) !== 0n) top |= 1n;
  const scale = exponent * k + shift;
  const rounded = Number(top); // correctly rounded to 53 bits (ties to even; sticky bit breaks false ties)
  return scaleByPowerOfTwo(rounded, scale);
}

function scaleByPowerOfTwo(x: number, e: number): number {
  // Split the scale so that every intermediate power of two is a normal double.
  let r = x;
  while (e > 1000) {
    r *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    r *= 2 ** -1000;
    e += 1000;
  }
  return r * 2 ** e;
}
