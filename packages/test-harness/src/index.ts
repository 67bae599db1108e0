export { testStackEnv, testPostgresUrl, type TestStackEnv } from './env';
export { uniqueName, testKafka, createTopics, readTopic, type ConsumedRecord } from './kafka';
export { waitForEqual } from './wait';
export { itWhen } from './skip';
export { useStackClients, type StackClients } from './clients';
