/**
 * A tiny seeded PRNG for reproducible simulations: mulberry32 for uniforms,
 * Box–Muller for normals, and sums of Bernoulli draws for binomials.
 */
/** Bound once: global lookups such as `log` are slow inside Jest's vm context. */
const { cos, imul, log, PI, sin, sqrt } = Math;

export interface Random {
  uniform(): number;
  normal(): number;
  /** Number of successes in `trials` Bernoulli(p) draws. */
  binomial(trials: number, p: number): number;
}

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  let spareNormal: number | null = null;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spareNormal !== null) {
      const z = spareNormal;
      spareNormal = null;
      return z;
    }
    // 1 - u is in (0, 1], so the log is finite.
    const radius = sqrt(-2 * log(1 - uniform()));
    const angle = 2 * PI * uniform();
    spareNormal = radius * sin(angle);
    return radius * cos(angle);
  };
  const binomial = (trials: number, p: number): number => {
    let successes = 0;
    for (let i = 0; i < trials; i += 1) if (uniform() < p) successes += 1;
    return successes;
  };
  return { uniform, normal, binomial };
}
