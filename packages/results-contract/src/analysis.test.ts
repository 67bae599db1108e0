import { analyzeExperiment, type ExperimentConfig } from '@abtest/stats';
import { Type } from 'avsc';
import { ANALYSIS } from './analysis';
import type { AvroNamedType } from './shape';

const CONFIG: ExperimentConfig = {
  experimentId: 'cuped-contract',
  variants: [
    { id: 'control', weight: 1 },
    { id: 'green', weight: 1 },
  ],
  controlVariantId: 'control',
  metrics: [
    { id: 'revenue', type: 'value', cuped: true },
    { id: 'purchase', type: 'conversion' },
  ],
  startTime: 0,
  minPersonsPerVariant: 20,
};

/** An analysis with one CUPED-adjusted comparison (revenue) and one without (purchase). */
function cupedAnalysis() {
  return analyzeExperiment({
    config: CONFIG,
    stats: {
      control: { revenue: { n: 600, sum: 2_800, sumSquares: 240_000, cuped: { sumX: 2_500, sumXSquares: 200_000, sumXY: 180_000 } }, purchase: { n: 600, sum: 40, sumSquares: 40 } },
      green: { revenue: { n: 610, sum: 3_100, sumSquares: 250_000, cuped: { sumX: 2_600, sumXSquares: 205_000, sumXY: 190_000 } }, purchase: { n: 610, sum: 52, sumSquares: 52 } },
    },
    now: 1,
  });
}

/** The analysis schema as written before CUPED: the comparison record without its `cuped` field. */
function schemaBeforeCuped(): AvroNamedType {
  const schema = structuredClone(ANALYSIS.avro);
  const comparisons = schema.fields.find((f) => f.name === 'comparisons');
  const items = comparisons !== undefined && typeof comparisons.type === 'object' && !Array.isArray(comparisons.type) && comparisons.type.type === 'array' ? comparisons.type.items : null;
  if (items === null || typeof items !== 'object' || Array.isArray(items) || items.type !== 'record') throw new Error('no comparison record in the analysis schema');
  items.fields = items.fields.filter((f) => f.name !== 'cuped');
  return schema;
}

describe('Contract > analysis with CUPED', () => {
  const type = Type.forSchema(ANALYSIS.avro);

  it('should carry a CUPED result and a null one through the writer schema, Avro and the parser unchanged', () => {
    const analysis = cupedAnalysis();
    expect(analysis.comparisons.map((c) => c.cuped === null)).toEqual([false, true]);
    expect(ANALYSIS.write.parse(analysis)).toEqual(analysis);
    expect(ANALYSIS.read.parse(type.fromBuffer(type.toBuffer(analysis)))).toEqual(analysis);
  });

  it('should read an analysis written before CUPED with cuped null, through Avro (its default) and as JSON', () => {
    const before = Type.forSchema(schemaBeforeCuped());
    const analysis = cupedAnalysis();
    const resolved = type.fromBuffer(before.toBuffer(before.clone(analysis, { wrapUnions: false })), type.createResolver(before)) as typeof analysis;
    expect(resolved.comparisons.map((c) => c.cuped)).toEqual([null, null]);
    const json = { ...analysis, comparisons: analysis.comparisons.map(({ cuped: _cuped, ...rest }) => rest) };
    expect(ANALYSIS.read.parse(json).comparisons.map((c) => c.cuped)).toEqual([null, null]);
  });
});
