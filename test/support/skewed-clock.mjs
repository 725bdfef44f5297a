// Preloaded into a bot process (node --import) to stand for a machine whose wall clock is off by
// SKEWED_CLOCK_MS (positive: ahead). Only the wall clock: the monotonic clock (performance.now)
// runs true, as it does on a real machine with a wrong time of day.
const skew = Number(process.env.SKEWED_CLOCK_MS ?? 0);
const RealDate = Date;
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }
  static now() {
    return RealDate.now() + skew;
  }
}
globalThis.Date = SkewedDate;
