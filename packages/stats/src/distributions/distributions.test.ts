import { distributionFixtures } from '../../test/helpers/fixtures';
import { expectClose } from '../../test/helpers/close';
import { chiSquareSf } from './chi-square';
import { logBeta, logGamma } from './log-gamma';
import { normalCdf, normalPdf, normalQuantile, normalSf } from './normal';
import { studentTCdf, studentTPdf, studentTQuantile, studentTSf, studentTTwoSided } from './student-t';

const fixtures = distributionFixtures();
/** Relative accuracy demanded against SciPy; observed deviations are about 1e-13 or better. */
const REL = 1e-11;
/** Values below this are underflow territory in both implementations. */
const ABS = 1e-300;

describe('distributions > normal', () => {
  it('should match scipy.stats.norm cdf, sf and pdf from x = -38 to 20', () => {
    for (const { x, cdf, sf, pdf } of fixtures.normal) {
      if (x === null) throw new Error('x is required');
      expectClose(normalCdf(x), cdf, { rel: REL, abs: ABS }, `cdf(${x})`);
      expectClose(normalSf(x), sf, { rel: REL, abs: ABS }, `sf(${x})`);
      expectClose(normalPdf(x), pdf, { rel: REL, abs: ABS }, `pdf(${x})`);
    }
  });

  it('should match scipy.stats.norm.ppf from p = 1e-300 to 1 - 1e-10', () => {
    for (const { p, quantile } of fixtures.normalQuantile) {
      if (p === null) throw new Error('p is required');
      // Upper-tail p such as 1 - 1e-10 carry only ~6 significant digits of distance from 1.
      const rel = p > 0.999 ? 1e-6 : REL;
      expectClose(normalQuantile(p), quantile, { rel, abs: 1e-15 }, `ppf(${p})`);
    }
  });

  it('should return infinities at the ends and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
  });
});

/**
 * Documented accuracy of the t CDF: the continued fraction for I_x(ν/2, ½)
 * is ill-conditioned near x = 1, costing about ν/(t² + 1) ulps (4e-10 at ν = 1e7).
 */
function tTolerance(t: number, df: number): number {
  return 1e-12 + 1e-15 * (df / (t * t + 1));
}

/** SciPy 1.10's t.ppf (cephes stdtrit) is itself only accurate to about 2e-9 (checked with mpmath). */
const SCIPY_T_PPF_ACCURACY = 5e-9;

describe('distributions > student t', () => {
  it('should match 40-digit mpmath cdf and sf for df from 1 to 1e7 within the documented accuracy', () => {
    for (const { t, df, cdf_mp: cdf, sf_mp: sf } of fixtures.studentT) {
      if (t === null || df === null) throw new Error('t and df are required');
      const rel = tTolerance(t, df);
      expectClose(studentTCdf(t, df), cdf, { rel, abs: ABS }, `cdf(${t}; ${df})`);
      expectClose(studentTSf(t, df), sf, { rel, abs: ABS }, `sf(${t}; ${df})`);
    }
  });

  it('should match scipy.stats.t cdf, sf and pdf', () => {
    for (const { t, df, cdf, sf, pdf } of fixtures.studentT) {
      if (t === null || df === null) throw new Error('t and df are required');
      const rel = tTolerance(t, df);
      expectClose(studentTCdf(t, df), cdf, { rel, abs: ABS }, `cdf(${t}; ${df})`);
      expectClose(studentTSf(t, df), sf, { rel, abs: ABS }, `sf(${t}; ${df})`);
      if (pdf !== null) expectClose(studentTPdf(t, df), pdf, { rel: REL, abs: ABS }, `pdf(${t}; ${df})`);
    }
  });

  it('should give the two-sided tail as twice the smaller one-sided tail', () => {
    for (const { t, df, cdf_mp: cdf, sf_mp: sf } of fixtures.studentT) {
      if (t === null || df === null || cdf === null || sf === null) continue;
      expectClose(studentTTwoSided(t, df), 2 * Math.min(cdf, sf), { rel: tTolerance(t, df), abs: ABS }, `two-sided(${t}; ${df})`);
    }
  });

  it('should match mpmath quantiles for df from 1 to 1e7, and SciPy within its own accuracy', () => {
    for (const { p, df, quantile, quantile_mp: exact } of fixtures.studentTQuantile) {
      if (p === null || df === null || exact === null) throw new Error('p, df and quantile_mp are required');
      const actual = studentTQuantile(p, df);
      expectClose(actual, exact, { rel: tTolerance(exact, df), abs: 1e-15 }, `ppf(${p}; ${df}) vs mpmath`);
      expectClose(actual, quantile, { rel: SCIPY_T_PPF_ACCURACY, abs: 1e-15 }, `ppf(${p}; ${df}) vs scipy`);
    }
  });

  it('should match the closed forms at 1 and 2 degrees of freedom', () => {
    for (const p of [1e-12, 0.001, 0.025, 0.2, 0.7, 0.975, 0.999]) {
      // Cauchy: tan(π(p - ½)), written as ∓1/tan(π·tail) to stay well conditioned in the tails.
      const cauchy = p < 0.5 ? -1 / Math.tan(Math.PI * p) : 1 / Math.tan(Math.PI * (1 - p));
      expectClose(studentTQuantile(p, 1), cauchy, { rel: 1e-13 }, `ppf(${p}; 1)`);
      expectClose(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), { rel: 1e-13 }, `ppf(${p}; 2)`);
    }
  });

  it('should fall back to the normal distribution at infinite df', () => {
    expect(studentTCdf(1.5, Infinity)).toBe(normalCdf(1.5));
    expect(studentTQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
  });
});

describe('distributions > chi-square', () => {
  it('should match scipy.stats.chi2.sf for 1 to 50 degrees of freedom', () => {
    for (const { x, df, sf } of fixtures.chiSquare) {
      expectClose(chiSquareSf(x, df), sf, { rel: REL, abs: ABS }, `sf(${x}; ${df})`);
    }
  });
});

describe('distributions > log gamma and log beta', () => {
  it('should reproduce known values', () => {
    expectClose(logGamma(0.5), 0.5 * Math.log(Math.PI), { rel: 1e-14 }, 'lnΓ(½)');
    expectClose(logGamma(1), 0, { abs: 4e-15 }, 'lnΓ(1)');
    expectClose(logGamma(11), Math.log(3628800), { rel: 1e-15 }, 'lnΓ(11)');
    expectClose(logBeta(0.5, 0.5), Math.log(Math.PI), { rel: 1e-14 }, 'lnB(½, ½)');
  });

  it('should agree with lnΓ(a) + lnΓ(b) - lnΓ(a + b) across its three branches', () => {
    for (const [a, b] of [
      [3, 4],
      [25, 0.5],
      [0.5, 25],
      [30, 40],
    ]) {
      expectClose(logBeta(a, b), logGamma(a) + logGamma(b) - logGamma(a + b), { rel: 1e-13, abs: 1e-13 }, `lnB(${a}, ${b})`);
    }
  });
});
