export { retry, type RetryPolicy } from './retry';
