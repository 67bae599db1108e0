import { expectClose } from '../test/helpers/close';
import { correctionFixtures } from '../test/helpers/fixtures';
import { adjustPValues } from './corrections';

describe('corrections > against statsmodels multipletests', () => {
  it.each(correctionFixtures().map((c) => [JSON.stringify(c.pValues), c] as const))('should match holm and fdr_bh for %s', (_name, c) => {
    const holm = adjustPValues(c.pValues, 'holm');
    const bh = adjustPValues(c.pValues, 'bh');
    c.holm.forEach((p, i) => expectClose(holm[i], p, { rel: 1e-14, abs: 1e-300 }, `holm[${i}]`));
    c.bh.forEach((p, i) => expectClose(bh[i], p, { rel: 1e-14, abs: 1e-300 }, `bh[${i}]`));
  });
});

describe('corrections > undefined p-values', () => {
  it('should count them in the family size and return null for them', () => {
    expect(adjustPValues([0.01, null], 'holm')).toEqual([0.02, null]);
    expect(adjustPValues([0.01, null], 'bh')).toEqual([0.02, null]);
  });

  it('should return an empty family unchanged', () => {
    expect(adjustPValues([], 'holm')).toEqual([]);
  });
});
