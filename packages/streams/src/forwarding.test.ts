import { StreamsError } from './errors';
import { forwardTargets } from './forwarding';
import { TopologyBuilder } from './topology';

describe('forwardTargets', () => {
  const topology = new TopologyBuilder('app')
    .addSource('events', ['events'])
    .addProcessor('route', () => ({ process: () => undefined }), 'events')
    .addProcessor('attribution', () => ({ process: () => undefined }), 'route')
    .addRepartition('by-user', ['route'])
    .build();
  const children = topology.children('route');

  it('should reach every child when no child is named', () => {
    expect(forwardTargets('route', children).map((c) => c.name)).toEqual(['attribution', 'by-user-sink']);
  });

  it('should reach only the named child', () => {
    expect(forwardTargets('route', children, 'attribution').map((c) => c.name)).toEqual(['attribution']);
    expect(forwardTargets('route', children, 'by-user-sink').map((c) => c.name)).toEqual(['by-user-sink']);
  });

  it('should throw a StreamsError naming the processor and its children for an unknown child', () => {
    expect(() => forwardTargets('route', children, 'attributon')).toThrow(StreamsError);
    expect(() => forwardTargets('route', children, 'attributon')).toThrow('processor "route" forwarded to "attributon", which is not one of its children (children: "attribution", "by-user-sink")');
  });

  it('should say so when the processor has no children', () => {
    expect(() => forwardTargets('leaf', [], 'x')).toThrow('(children: none)');
  });
});
