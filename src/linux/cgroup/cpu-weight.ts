/**
 * cgroup v1 cpu.shares [2, 262144] as cgroup v2 cpu.weight [1, 10000], the
 * way current crun and runc map it: a quadratic in log2(shares) chosen so
 * that the ends meet and the default 1024 shares become the default weight
 * 100 (the older linear mapping gave 1024 → 39).
 */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.min(10000, Math.ceil(10 ** exponent));
}

/** blkio.weight [10, 1000] as io.weight [1, 10000] (runc's linear mapping). */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.round(1 + ((weight - 10) * 9999) / 990);
}
