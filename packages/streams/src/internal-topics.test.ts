import { TopologyError } from './errors';
import { coPartitionedCount, repartitionTopicPartitions } from './internal-topics';
import { TopologyBuilder, repartitionTopic } from './topology';

const noop = () => ({ process: () => undefined });

/** events ─▶ ingest ─▶ by-user ─▶ stitch ─▶ by-person ─┐; ingest and by-person ─▶ attribution (one sub-topology with events). */
function personTopology() {
  return new TopologyBuilder('app')
    .addSource('events', ['events'])
    .addProcessor('ingest', noop, 'events')
    .addRepartition('by-user', ['ingest'])
    .addProcessor('stitch', noop, 'by-user')
    .addRepartition('by-person', ['stitch'])
    .addProcessor('attribution', noop, 'ingest', 'by-person')
    .build();
}

describe('Internal topics > partitions', () => {
  const byUser = repartitionTopic('app', 'by-user');
  const byPerson = repartitionTopic('app', 'by-person');

  it('should give a repartition topic read together with an external topic the external partition count', () => {
    const partitions = repartitionTopicPartitions(personTopology(), new Map([['events', 6]]));
    expect(partitions).toEqual(new Map([[byUser, 6], [byPerson, 6]]));
  });

  it('should apply repartitionPartitions only to repartition topics not co-partitioned with an external topic', () => {
    const partitions = repartitionTopicPartitions(personTopology(), new Map([['events', 6]]), 3);
    expect(partitions).toEqual(new Map([[byUser, 3], [byPerson, 6]]));
  });

  it('should default other repartition topics to the first input sub-topology partition count', () => {
    const topology = new TopologyBuilder('app').addSource('events', ['events']).addRepartition('by-experiment', ['events']).addProcessor('results', noop, 'by-experiment').build();
    expect(repartitionTopicPartitions(topology, new Map([['events', 4]]))).toEqual(new Map([[repartitionTopic('app', 'by-experiment'), 4]]));
  });

  it('should refuse external topics of one sub-topology that are not co-partitioned', () => {
    const topology = new TopologyBuilder('app').addSource('a', ['a']).addSource('b', ['b']).addProcessor('join', noop, 'a', 'b').build();
    expect(() => repartitionTopicPartitions(topology, new Map([['a', 4], ['b', 2]]))).toThrow(TopologyError);
    expect(() => repartitionTopicPartitions(topology, new Map([['a', 4], ['b', 2]]))).toThrow('found a: 4, b: 2');
  });

  it('should name a missing source topic', () => {
    expect(() => coPartitionedCount({ id: 0, sourceTopics: ['events', byPerson] }, new Map([['events', 4]]))).toThrow(`found events: 4, ${byPerson}: missing`);
  });

  it('should refuse an existing repartition topic whose partitions differ from its co-partitioned external topic', () => {
    expect(() => coPartitionedCount({ id: 0, sourceTopics: ['events', byPerson] }, new Map([['events', 4], [byPerson, 8]]))).toThrow(`found events: 4, ${byPerson}: 8`);
    expect(coPartitionedCount({ id: 0, sourceTopics: ['events', byPerson] }, new Map([['events', 4], [byPerson, 4]]))).toBe(4);
  });
});
