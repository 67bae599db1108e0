import { expectClose } from '../test/helpers/close';
import { srmSequentialFixtures } from '../test/helpers/fixtures';
import { srmSequentialTest } from './srm-sequential';

describe('srm > sequential Dirichlet-multinomial Bayes factor', () => {
  const cases = srmSequentialFixtures();

  it.each(cases.map((c) => [`${JSON.stringify(c.observed)} c=${c.concentration}`, c] as const))(
    'should match scipy.special.gammaln within 1e-9 (plus its own cancellation error) and 40-digit mpmath within 2e-12 for %s',
    (_name, c) => {
      const r = srmSequentialTest(c.observed, c.weights, c.concentration);
      // SciPy's own value is only good to ~1e-16·N·ln N (its lnΓ terms cancel), hence the relative slack at N = 5e6.
      const total = c.observed.reduce((a, b) => a + b, 0);
      expectClose(r.logBayesFactor, c.log_bayes_factor_scipy, { abs: 1e-9 + 2e-16 * total * Math.log(total + 1) }, 'ln BF vs scipy');
      expectClose(r.logBayesFactor, c.log_bayes_factor_mp, { abs: 2e-12 }, 'ln BF vs mpmath');
      expectClose(r.pValue, c.p_value, { rel: 1e-11, abs: 1e-300 }, 'p-value');
    },
  );

  it('should be exactly 1 (ln BF 0) before anyone is assigned', () => {
    expect(srmSequentialTest([0, 0, 0], [1, 2, 3])).toEqual({ logBayesFactor: 0, pValue: 1 });
  });

  it('should not depend on the scale of the weights', () => {
    expect(srmSequentialTest([5020, 2950, 2030], [0.5, 0.3, 0.2]).logBayesFactor).toBeCloseTo(
      srmSequentialTest([5020, 2950, 2030], [50, 30, 20]).logBayesFactor,
      12,
    );
  });
});
