import { DefinitionError } from './errors';
import { EXPERIMENT_DEFAULTS, parseExperimentDefinition } from './experiment';

function problems(input: unknown): string[] {
  try {
    parseExperimentDefinition(input);
  } catch (error) {
    if (error instanceof DefinitionError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a DefinitionError');
}

const minimal = { id: 'checkout', variants: [{ id: 'A' }, { id: 'B' }] };

describe('parseExperimentDefinition', () => {
  it('should fill in every default', () => {
    expect(parseExperimentDefinition(minimal)).toEqual({
      id: 'checkout',
      name: 'checkout',
      variants: [
        { id: 'A', name: 'A', weight: 1 },
        { id: 'B', name: 'B', weight: 1 },
      ],
      control_variant_id: 'A',
      metrics: [],
      primary_metrics: [],
      secondary_metrics: [],
      guardrail_metrics: [],
      guardrail_alpha: 0.05,
      start_time: null,
      min_runtime_ms: 0,
      min_persons_per_variant: 100,
      alpha: 0.05,
      sequential_tuning_parameter: 5000,
      correction: 'holm',
      srm_threshold: 0.001,
    });
    expect(EXPERIMENT_DEFAULTS.alpha).toBe(0.05);
  });

  it('should keep given values and give the same result when parsing its own output', () => {
    const input = {
      id: 'pricing',
      name: 'Pricing page',
      variants: [
        { id: 'control', name: 'Old', weight: 2 },
        { id: 'new', weight: 1 },
      ],
      control_variant_id: 'control',
      metrics: ['revenue', 'signup'],
      start_time: '2026-03-01T12:00:00+01:00',
      min_runtime_ms: '7d',
      min_persons_per_variant: 500,
      alpha: 0.1,
      sequential_tuning_parameter: 1000,
      correction: 'bh',
      srm_threshold: 0.01,
    };
    const parsed = parseExperimentDefinition(input);
    expect(parsed).toMatchObject({ start_time: Date.UTC(2026, 2, 1, 11), min_runtime_ms: 7 * 86_400_000, variants: [{ name: 'Old', weight: 2 }, { name: 'new' }], correction: 'bh' });
    expect(parseExperimentDefinition(parsed)).toEqual(parsed);
    expect(parseExperimentDefinition(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('should take start_time as epoch milliseconds or ISO-8601 with an offset, and refuse a time without one', () => {
    expect(parseExperimentDefinition({ ...minimal, start_time: 1_767_225_600_000 }).start_time).toBe(1_767_225_600_000);
    expect(parseExperimentDefinition({ ...minimal, start_time: '2026-01-01T00:00:00Z' }).start_time).toBe(Date.UTC(2026, 0, 1));
    expect(parseExperimentDefinition({ ...minimal, start_time: null }).start_time).toBeNull();
    expect(problems({ ...minimal, start_time: '2026-01-01T00:00:00' })).toEqual(['start_time: must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T00:00:00Z']);
    expect(problems({ ...minimal, start_time: 'yesterday' })).toHaveLength(1);
    expect(problems({ ...minimal, start_time: -1 })).toEqual(['start_time: must be a whole number of epoch milliseconds >= 0']);
    expect(problems({ ...minimal, start_time: 1.5 })).toEqual(['start_time: must be a whole number of epoch milliseconds >= 0']);
    expect(problems({ ...minimal, start_time: true })).toEqual(['start_time: must be epoch milliseconds or an ISO-8601 date-time such as 2026-03-01T00:00:00Z']);
  });

  it('should take min_runtime_ms as milliseconds or a duration', () => {
    const runtime = (value: unknown) => parseExperimentDefinition({ ...minimal, min_runtime_ms: value }).min_runtime_ms;
    expect(runtime(90_000)).toBe(90_000);
    expect(runtime('7d')).toBe(604_800_000);
    expect(runtime('12h')).toBe(43_200_000);
    expect(runtime('30m')).toBe(1_800_000);
    expect(runtime('1h30m')).toBe(5_400_000);
    expect(runtime('2w')).toBe(1_209_600_000);
    expect(runtime('45s')).toBe(45_000);
    expect(runtime('250ms')).toBe(250);
    for (const bad of ['7 days', '7', 'd', '-1d', '1.5h', '']) {
      expect(problems({ ...minimal, min_runtime_ms: bad })).toEqual(['min_runtime_ms: must be a duration such as 7d, 12h, 30m or 1h30m (units ms, s, m, h, d, w)']);
    }
    expect(problems({ ...minimal, min_runtime_ms: -5 })).toEqual(['min_runtime_ms: must be a whole number of milliseconds >= 0']);
  });

  it('should name each problem with its path', () => {
    expect(
      problems({
        id: 'checkout',
        variants: [{ id: 'A' }, { id: 'B', weight: 0 }, { id: 'A', weight: -1 }],
        control_variant_id: 'Z',
        metrics: ['m', 'm'],
        min_persons_per_variant: 2.5,
        alpha: 0.6,
        sequential_tuning_parameter: 0,
        correction: 'bonferroni',
        srm_threshold: 1,
      }).sort(),
    ).toEqual(
      [
        'variants[1].weight: must be > 0',
        'variants[2].weight: must be > 0',
        'variants[2].id: duplicate variant id "A"',
        'metrics[1]: duplicate metric id "m"',
        'min_persons_per_variant: must be a whole number',
        'alpha: must be in (0, 0.5]',
        'sequential_tuning_parameter: must be > 0',
        'correction: must be "holm" or "bh"',
        'srm_threshold: must be in (0, 1)',
      ].sort(),
    );
  });

  it('should check control_variant_id against the variants', () => {
    expect(problems({ ...minimal, control_variant_id: 'Z' })).toEqual(['control_variant_id: must be one of the variant ids (A, B)']);
    expect(parseExperimentDefinition({ ...minimal, control_variant_id: 'B' }).control_variant_id).toBe('B');
  });

  it('should say which fields are required and what the definition must be', () => {
    expect(problems({})).toEqual(['id: is required', 'variants: is required']);
    expect(problems(null)).toEqual(['(root): must be a JSON object']);
    expect(problems([])).toEqual(['(root): must be a JSON object']);
    expect(problems({ id: 'x', variants: [{ id: 'A' }] })).toEqual(['variants: must have at least 2 variants']);
    expect(problems({ id: 'x', variants: 'A,B' })).toEqual(['variants: must be an array of variants']);
    expect(problems({ id: 'x', variants: ['A', 'B'] })).toEqual(['variants[0]: must be a JSON object', 'variants[1]: must be a JSON object']);
  });

  it('should refuse ids that are empty, too long or contain the key separator', () => {
    expect(problems({ ...minimal, id: '' })).toEqual(['id: must not be empty']);
    expect(problems({ ...minimal, id: 'x'.repeat(201) })).toEqual(['id: must be at most 200 characters']);
    expect(parseExperimentDefinition({ ...minimal, id: 'x'.repeat(200) }).id).toHaveLength(200);
    expect(problems({ ...minimal, id: 'a|b' })).toEqual(['id: must not contain "|"']);
    expect(problems({ ...minimal, id: 7 })).toEqual(['id: must be a string']);
    expect(problems({ ...minimal, metrics: ['ok', 'a|b'] })).toEqual(['metrics[1]: must not contain "|"']);
  });

  it('should refuse unknown fields at every level, naming the allowed ones', () => {
    expect(problems({ ...minimal, min_runtime: '7d' })).toEqual([
      'min_runtime: unknown field (allowed: id, name, variants, control_variant_id, metrics, primary_metrics, secondary_metrics, guardrail_metrics, guardrail_alpha, start_time, min_runtime_ms, min_persons_per_variant, alpha, sequential_tuning_parameter, correction, srm_threshold)',
    ]);
    expect(problems({ ...minimal, variants: [{ id: 'A', share: 0.5 }, { id: 'B' }] })).toEqual(['variants[0].share: unknown field (allowed: id, name, weight)']);
  });

  it('should take metric roles and refuse a metric in two roles or a guardrail alpha out of range', () => {
    const parsed = parseExperimentDefinition({ ...minimal, primary_metrics: ['purchase'], secondary_metrics: ['signup'], guardrail_metrics: ['errors'], guardrail_alpha: 0.01 });
    expect(parsed).toMatchObject({ primary_metrics: ['purchase'], secondary_metrics: ['signup'], guardrail_metrics: ['errors'], guardrail_alpha: 0.01 });
    expect(problems({ ...minimal, primary_metrics: ['purchase'], guardrail_metrics: ['signup', 'purchase'] })).toEqual(['guardrail_metrics[1]: metric "purchase" is already a primary metric: a metric has one role']);
    expect(problems({ ...minimal, secondary_metrics: ['a', 'a'] })).toEqual(['secondary_metrics[1]: duplicate metric id "a"']);
    expect(problems({ ...minimal, guardrail_alpha: 0.7 })).toEqual(['guardrail_alpha: must be in (0, 0.5]']);
  });

  it('should name the experiment in the error message', () => {
    expect(() => parseExperimentDefinition({ id: 'checkout', variants: [] })).toThrow('invalid experiment definition "checkout": variants: must have at least 2 variants');
    expect(() => parseExperimentDefinition({ variants: [] })).toThrow(/^invalid experiment definition: id: is required; variants: must have at least 2 variants$/);
  });
});
