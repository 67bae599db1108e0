export { retry, backoffDelay, retriableFlag, type RetryPolicy } from './retry';
