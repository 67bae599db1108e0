export interface ResultsContractErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

/** The package's errors; `retriable` says whether repeating the same operation may succeed. */
export class ResultsContractError extends Error {
  override readonly name: string = 'ResultsContractError';
  readonly retriable: boolean;
  constructor(message: string, options: ResultsContractErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** A record of the results, breakdown or series topic that is not what the contract says (skipped), or a registry that did not answer (retriable). */
export class RecordDecodeError extends ResultsContractError {
  override readonly name = 'RecordDecodeError';
}

/** The registry refuses the schema under the subject's compatibility: a code change is needed, not a retry. */
export class IncompatibleSchemaError extends ResultsContractError {
  override readonly name = 'IncompatibleSchemaError';
}

/** The registry did not answer a request as it should (down, starting, a conflict of instances registering at once): retriable. */
export class SchemaRegistryError extends ResultsContractError {
  override readonly name = 'SchemaRegistryError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, ...options });
  }
}
