import { expectClose } from '../test/helpers/close';
import { growthbookFixtures, srmFixtures } from '../test/helpers/fixtures';
import { srmTest } from './srm';

describe('srm > chi-square goodness of fit', () => {
  it.each(srmFixtures().map((c) => [JSON.stringify(c.observed), c] as const))('should match scipy.stats.chisquare for %s', (_name, c) => {
    const r = srmTest(c.observed, c.weights);
    expect(r.df).toBe(c.df);
    expectClose(r.chiSquare, c.chi_square, { rel: 1e-12 }, 'chi-square');
    expectClose(r.pValue, c.p_value, { rel: 1e-10, abs: 1e-300 }, 'p-value');
  });

  it.each(growthbookFixtures().srm.map((c) => [c.name, c] as const))('should match GrowthBook %s', (_name, c) => {
    expectClose(srmTest(c.observed, c.weights).pValue, c.pValue, { abs: 1e-5 }, 'p-value');
  });

  it('should be undefined with nobody exposed', () => {
    expect(srmTest([0, 0], [1, 1]).pValue).toBeNull();
  });
});
