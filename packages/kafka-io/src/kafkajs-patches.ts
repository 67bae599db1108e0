import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KafkaIoError } from './errors';

/**
 * Each hunk of `patches/kafkajs+2.2.4.patch` (see patches/README.md) and a
 * line only the patched file has. Exactly-once and the ingress' liveness rest
 * on them, so an install that skipped the patch (`npm ci --ignore-scripts`)
 * must not start.
 */
export const KAFKAJS_PATCH_MARKERS = [
  { file: 'src/consumer/filterAbortedMessages.js', marker: 'The broker lists aborted transactions in the order they ended' },
  { file: 'src/network/requestQueue/index.js', marker: 'kafkajs#1556' },
  { file: 'src/producer/eosManager/index.js', marker: 'CONCURRENT_TRANSACTIONS_RETRY_TIME' },
  { file: 'src/producer/eosManager/index.js', marker: 'coordinatorNodeIds' },
  { file: 'src/protocol/recordBatch/record/v0/decoder.js', marker: 'readTimestampDelta' },
  { file: 'src/producer/groupMessagesPerPartition.js', marker: 'kafkajs/pull/1576' },
  { file: 'src/producer/partitioners/default/murmur2.js', marker: 'Math.imul(h, M)' },
  { file: 'src/protocol/encoder.js', marker: 'written in place (at most 5 bytes)' },
  { file: 'src/protocol/encoder.js', marker: 'this.buf.set(buffer, this.offset)' },
  { file: 'src/protocol/recordBatch/record/v0/index.js', marker: "one buffer of the record's exact size" },
  { file: 'src/protocol/recordBatch/record/v0/index.js', marker: 'a loop instead of flatMap' },
  { file: 'src/protocol/recordBatch/header/v0/index.js', marker: 'module.exports.writeHeader = writeHeader' },
  { file: 'src/protocol/recordBatch/v0/index.js', marker: 'encoder.buf.writeInt32BE(encoder.offset - BATCH_PREFIX_SIZE, INT64_SIZE)' },
  { file: 'src/protocol/recordBatch/crc32C/crc32C.js', marker: 'slicing-by-8' },
  { file: 'src/protocol/requests/produce/v3/request.js', marker: 'Record reads only these fields' },
] as const;

/** kafkajs is installed without the project's patch. */
export class KafkaJsUnpatchedError extends KafkaIoError {
  override readonly name = 'KafkaJsUnpatchedError';
  constructor(files: readonly string[]) {
    super(
      `kafkajs is installed without patches/kafkajs+2.2.4.patch (unpatched: ${files.join(', ')}); ` +
        'install with scripts (`npm ci`), or apply it with `npx patch-package`. It fixes exactly-once and producer stalls: see patches/README.md',
      { retriable: false },
    );
  }
}

const checkedRoots = new Set<string>();

/** Throws KafkaJsUnpatchedError unless every hunk of the patch is in the installed kafkajs (checked once per process). */
export function assertKafkaJsPatched(root = dirname(require.resolve('kafkajs/package.json'))): void {
  if (checkedRoots.has(root)) return;
  const unpatched = KAFKAJS_PATCH_MARKERS.filter(({ file, marker }) => !readFileSync(join(root, file), 'utf8').includes(marker)).map(({ file }) => file);
  if (unpatched.length > 0) throw new KafkaJsUnpatchedError(unpatched);
  checkedRoots.add(root);
}
