/** One problem of a definition: where (`variants[1].weight`) and what was expected. */
export interface DefinitionIssue {
  path: string;
  message: string;
}

/**
 * A definition or record that cannot be used: invalid JSON, a field that
 * breaks its rule, an unknown field, a malformed record key. Not retriable:
 * the same input fails the same way. The message names every problem with
 * its path, e.g. `invalid experiment definition: variants[1].weight: must be > 0`.
 */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  readonly retriable = false;
  readonly issues: readonly DefinitionIssue[];

  constructor(subject: string, issues: readonly DefinitionIssue[]) {
    super(`${subject}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.issues = issues;
  }
}
