/**
 * The results record in Avro, registered under `<results-topic>-value`.
 * Evolve it compatibly: new fields always with a default.
 */
export const RESULTS_AVRO_SCHEMA = {
  type: 'record',
  name: 'ExperimentResults',
  namespace: 'abtest.results',
  doc: 'Live results of one experiment; the newest record per key (experiment_id) is the current state',
  fields: [
    { name: 'experiment_id', type: 'string' },
    { name: 'experiment_name', type: 'string' },
    { name: 'version', type: 'long', doc: 'Increases with every record of this experiment' },
    { name: 'updated_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'last_event_received_at', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'receivedAt of the newest event included, for freshness' },
    {
      name: 'variants',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'VariantResults',
          fields: [
            { name: 'variant_id', type: 'string' },
            { name: 'variant_name', type: 'string' },
            { name: 'unique_views', type: 'long' },
            { name: 'total_views', type: 'long' },
            { name: 'unique_clicks', type: 'long' },
            { name: 'total_clicks', type: 'long' },
          ],
        },
      },
    },
    {
      name: 'data_quality',
      type: { type: 'record', name: 'DataQuality', fields: [{ name: 'clicks_on_unviewed_variants', type: 'long', default: 0 }] },
    },
  ],
} as const;
