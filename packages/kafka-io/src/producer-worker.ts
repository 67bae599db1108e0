import { existsSync, readFileSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Gauge, Registry } from 'prom-client';
import { BatchingProducer } from './batching-producer';
import { createKafka, type KafkaLogger } from './client';
import { KafkaConfigError } from './errors';
import { PENDING_REPORT_INTERVAL_MS, fromSendRequest, serializeError, type FromWorker, type LogLevel, type ToWorker, type WorkerSettings } from './worker-protocol';

/**
 * The producer thread of ThreadedProducer: a BatchingProducer whose kafkajs
 * record encoding (about a third of an event's CPU cost) runs beside the
 * main thread's HTTP and validation work.
 */
function run(port: MessagePort, settings: WorkerSettings): void {
  const post = (message: FromWorker) => port.postMessage(message);
  const log = (level: LogLevel) => (context: object, message: string) => post({ type: 'log', level, context, message });
  const logger: KafkaLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const registry = new Registry();
  registry.setDefaultLabels(settings.metricLabels);
  registerThreadCpu(registry);
  const producer = new BatchingProducer(createKafka(settings.connection, settings.forwardLogs ? logger : undefined), { ...settings.producer, registry });
  producer.producer.on(producer.producer.events.DISCONNECT, () => post({ type: 'disconnected' }));

  // Acknowledgements of one tick travel together: one message instead of one per caller.
  const acked: number[] = [];
  const ack = (id: number) => {
    if (acked.length === 0) setImmediate(() => post({ type: 'acked', ids: acked.splice(0) }));
    acked.push(id);
  };

  // The main thread's readiness needs to know when writes are stuck on Kafka, not only on this thread.
  const pendingReports = setInterval(() => post({ type: 'pending', ms: producer.pendingForMs() }), PENDING_REPORT_INTERVAL_MS);

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'send':
        for (const send of message.sends) {
          const { id } = send;
          producer.send(fromSendRequest(send)).then(
            () => ack(id),
            (error: unknown) => post({ type: 'failed', id, error: serializeError(error) }),
          );
        }
        return;
      case 'metrics':
        void registry.getMetricsAsJSON().then((metrics) => post({ type: 'metrics', id: message.id, metrics }));
        return;
      case 'close':
        clearInterval(pendingReports);
        void producer
          .close()
          .catch((error: unknown) => logger.error({ err: serializeError(error) }, 'closing the producer failed'))
          .finally(() => setImmediate(() => {
            post({ type: 'closed' });
            port.close();
          }));
        return;
    }
  });
  producer.connect().then(
    () => post({ type: 'connected' }),
    (error: unknown) => post({ type: 'start-failed', error: serializeError(error) }),
  );
}

const THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';

/**
 * The CPU time of this thread alone (process_cpu_seconds_total counts every
 * thread): how an event's cost splits between the main thread and this one.
 * Linux only (/proc/thread-self/schedstat: nanoseconds on a CPU); elsewhere
 * the metric is absent.
 */
function registerThreadCpu(registry: Registry): void {
  if (!existsSync(THREAD_SCHEDSTAT)) return;
  new Gauge({
    name: 'kafka_producer_thread_cpu_seconds',
    help: 'CPU time the producer thread used, seconds',
    registers: [registry],
    collect() {
      this.set(Number(readFileSync(THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e9);
    },
  });
}

if (!parentPort) throw new KafkaConfigError('producer-worker runs as a worker thread of ThreadedProducer, not on its own');
run(parentPort, workerData as WorkerSettings);
