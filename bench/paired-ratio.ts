// How well a bench's paired rounds pin a ratio down. Each round runs both configurations a few
// seconds apart, so its ratio cancels the machine's slow drift but not its quicker swings, and on a
// shared machine those are large: the rounds' spread says how far the median can be trusted.

/** Student's t for a two-sided 90 % interval, by degrees of freedom. */
const T_90 = [NaN, 6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812];

/**
 * The geometric mean of the rounds' ratios and a 90 % interval around it (t on the logarithms:
 * a ratio is as likely to be halved as doubled). Undefined for fewer than two rounds.
 */
export function ratioInterval(ratios: readonly number[]): { geometricMean: number; low: number; high: number } | undefined {
  const n = ratios.length;
  if (n < 2) return undefined;
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = ((T_90[n - 1] ?? 1.645) * sd) / Math.sqrt(n);
  return { geometricMean: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}
