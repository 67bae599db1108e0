/**
 * Size limits of Segment's HTTP Tracking API, which Segment's own libraries
 * respect (analytics-node splits batches to stay under them), so a client that
 * works against Segment works against us.
 */

/** One event, serialized as JSON: 32 KB. */
export const MAX_EVENT_BYTES = 32 * 1024;

/** One `/v1/batch` request body: 500 KB. */
export const MAX_BATCH_BYTES = 500 * 1024;

/** Events in one `/v1/batch` request. */
export const MAX_BATCH_EVENTS = 2_500;

/** Characters of a `messageId`, the deduplication key downstream. */
export const MAX_MESSAGE_ID_LENGTH = 100;

/**
 * Characters of an id that becomes a Kafka record key or a state store key
 * downstream (userId, anonymousId, previousId, groupId, and an exposure's
 * experiment and variation ids): keys are hashed and stored per event, so
 * they stay small whatever a client sends.
 */
export const MAX_ID_LENGTH = 1_024;

/** Events in one batched request of Segment's Webhooks (Actions) destination. */
export const WEBHOOK_MAX_BATCH_EVENTS = 4_000;
