/** A generations record or request that cannot be read, or a rebuild that cannot go on; the message names the problem. */
export class GenerationsError extends Error {
  override readonly name = 'GenerationsError';
}
