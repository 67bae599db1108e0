import { soakStart } from './soak-start';

/*
 * The short version of `npm run soak:start` (20 starts): two starts of the
 * whole stack in a row while a spin loop keeps every core busy, the load
 * under which the services' start-up raced on topic creation. Needs the
 * build (`npm test` builds before jest).
 */
describe('abtest-stack up under CPU load', () => {
  it('should start the whole stack and stop it again twice in a row, every service ready without a restart', async () => {
    const result = await soakStart({ runs: 2, cpuLoad: true, log: (message) => process.stderr.write(`[soak] ${message}\n`) });
    expect(result.failures).toEqual([]);
  }, 600_000);
});
