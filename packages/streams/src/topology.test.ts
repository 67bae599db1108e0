import { TopologyError } from './errors';
import { TopologyBuilder, repartitionTopic } from './topology';

const noop = () => ({ process: () => undefined });

describe('TopologyBuilder > sub-topologies', () => {
  it('should put a processor with parents from an external topic and a repartition topic into one sub-topology reading both', () => {
    const topology = new TopologyBuilder('app')
      .addSource('events', ['events'])
      .addProcessor('ingest', noop, 'events')
      .addRepartition('by-user', ['ingest'])
      .addProcessor('stitch', noop, 'by-user')
      .addRepartition('by-person', ['stitch'])
      .addProcessor('attribution', noop, 'ingest', 'by-person')
      .addStateStore({ name: 'persons' }, 'attribution')
      .build();
    const byPerson = repartitionTopic('app', 'by-person');
    const byUser = repartitionTopic('app', 'by-user');
    expect(topology.subtopologies.map((s) => s.sourceTopics)).toEqual([['events', byPerson], [byUser]]);
    const [first, second] = topology.subtopologies;
    expect(first?.nodes.map((n) => n.name).sort()).toEqual(['attribution', 'by-person', 'by-user-sink', 'events', 'ingest']);
    expect(first?.stores.map((s) => s.name)).toEqual(['persons']);
    expect(second?.nodes.map((n) => n.name)).toEqual(['by-user', 'stitch', 'by-person-sink']);
    // Parents come before children: attribution runs after both of its parents.
    const order = first?.nodes.map((n) => n.name) ?? [];
    expect(order.indexOf('attribution')).toBeGreaterThan(order.indexOf('ingest'));
    expect(order.indexOf('attribution')).toBeGreaterThan(order.indexOf('by-person'));
  });

  it('should refuse a topic read by two sources', () => {
    const builder = new TopologyBuilder('app').addSource('a', ['events']).addSource('b', ['events']).addProcessor('p', noop, 'a', 'b');
    expect(() => builder.build()).toThrow(TopologyError);
    expect(() => builder.build()).toThrow('topic "events" is read by the sources "a" and "b"');
  });
});
