import { describe, expect, it } from 'vitest';
import { ratioInterval } from '../../bench/paired-ratio.js';

describe("the interval around a bench's paired ratios", () => {
  it('is the ratio itself when every round agrees', () => {
    const r = ratioInterval([1.1, 1.1, 1.1])!;
    for (const value of [r.geometricMean, r.low, r.high]) expect(value).toBeCloseTo(1.1, 12);
  });

  it('is symmetric on a log scale: rounds of 0.5 and 2 centre on 1', () => {
    const r = ratioInterval([0.5, 2])!;
    expect(r.geometricMean).toBeCloseTo(1, 12);
    expect(r.low * r.high).toBeCloseTo(1, 12);
    // sd of the logs is √2·ln 2; over √2 rounds, times t(1 df) = 6.314
    expect(Math.log(r.high)).toBeCloseTo(6.314 * Math.LN2, 9);
  });

  it('narrows as rounds that agree as loosely are added', () => {
    const five = ratioInterval([0.81, 0.95, 1.37, 0.83, 1.17])!;
    const ten = ratioInterval([0.81, 0.95, 1.37, 0.83, 1.17, 0.81, 0.95, 1.37, 0.83, 1.17])!;
    expect(ten.geometricMean).toBeCloseTo(five.geometricMean, 12);
    expect(ten.high / ten.low).toBeLessThan(five.high / five.low);
    expect(five.low).toBeLessThan(0.9);
    expect(five.high).toBeGreaterThan(1.1);
  });

  it('says nothing from one round', () => {
    expect(ratioInterval([0.95])).toBeUndefined();
  });
});
