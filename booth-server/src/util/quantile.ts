/**
 * The q-quantile of ascending values, interpolating linearly between the two
 * nearest ranks (Hyndman & Fan type 7, as spreadsheets' PERCENTILE.INC and
 * numpy's default): the median of an even count is the mean of the middle
 * two, and a quantile of one value is that value.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new TypeError('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new TypeError(`quantile: q must be within [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const below = sorted[lo]!;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return below + (h - lo) * (above - below);
}
