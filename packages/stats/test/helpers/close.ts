/** Tolerance assertions for floating-point reference comparisons. */
export interface Tolerance {
  /** Relative to |expected|. */
  rel?: number;
  abs?: number;
}

/** |actual - expected| ≤ abs + rel·|expected|; both null also passes. Reports the label on failure. */
export function expectClose(actual: number | null, expected: number | null, tolerance: Tolerance, label: string): void {
  if (expected === null || actual === null) {
    if (actual !== expected) throw new Error(`${label}: got ${actual}, expected ${expected}`);
    return;
  }
  const allowed = (tolerance.abs ?? 0) + (tolerance.rel ?? 0) * Math.abs(expected);
  const deviation = Math.abs(actual - expected);
  if (!(deviation <= allowed)) {
    throw new Error(`${label}: got ${actual}, expected ${expected} (deviation ${deviation} > allowed ${allowed})`);
  }
}

/** Relative deviation |a - e| / |e| (absolute when e = 0). */
export function relativeDeviation(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}
