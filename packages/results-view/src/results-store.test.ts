import { LatestResultsStore, MAX_HISTORY_POINTS, type StoreChange } from './results-store';
import { record } from './testing/fixtures';

describe('LatestResultsStore', () => {
  it('should keep the newest version per experiment and ignore older ones', () => {
    const store = new LatestResultsStore();
    const changes: StoreChange[] = [];
    store.subscribe((change) => changes.push(change));
    expect(store.putResults(record('none', { version: 2 }))).toBe(true);
    expect(store.putResults(record('none', { version: 1 }))).toBe(false);
    expect(store.putResults(record('none', { version: 2 }))).toBe(false);
    expect(store.get('exp-1')?.results?.version).toBe(2);
    expect(changes.map((c) => c.kind)).toEqual(['results']);
  });

  it('should list experiments most recently updated first and delete on a tombstone', () => {
    const store = new LatestResultsStore();
    store.putResults(record('none', { experiment_id: 'old', updated_at: 1 }));
    store.putResults(record('none', { experiment_id: 'new', updated_at: 2 }));
    expect(store.list().map((e) => e.results.experiment_id)).toEqual(['new', 'old']);
    store.deleteExperiment('old');
    expect(store.size).toBe(1);
    expect(store.get('old')).toBeUndefined();
  });

  it('should keep breakdowns and series that arrive before the first results record, without listing the experiment', () => {
    const store = new LatestResultsStore();
    store.putBreakdown({ experiment_id: 'exp-1', dimension: 'os', value: 'iOS', version: 1, updated_at: 1, variants: [] });
    store.putSeries({ experiment_id: 'exp-1', granularity: 'hour', bucket_start: 0, version: 1, updated_at: 1, variants: [] });
    expect(store.list()).toEqual([]);
    store.putResults(record('none'));
    expect(store.get('exp-1')?.breakdowns.size).toBe(1);
    expect(store.get('exp-1')?.series.size).toBe(1);
    store.deleteSeries('exp-1', 'hour', 0);
    expect(store.get('exp-1')?.series.size).toBe(0);
  });

  it(`should bound the history at ${MAX_HISTORY_POINTS} points and keep its first and last`, () => {
    const store = new LatestResultsStore();
    for (let version = 1; version <= MAX_HISTORY_POINTS * 3; version++) store.putResults(record('none', { version, updated_at: version }));
    const history = store.get('exp-1')?.history ?? [];
    expect(history.length).toBeLessThanOrEqual(MAX_HISTORY_POINTS);
    expect(history[0]?.version).toBe(1);
    expect(history[history.length - 1]?.version).toBe(MAX_HISTORY_POINTS * 3);
    expect(history.map((p) => p.t)).toEqual([...history.map((p) => p.t)].sort((a, b) => a - b));
  });
});
