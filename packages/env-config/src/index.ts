import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A whole number > 0, with a default. */
export const envPositiveInt = (defaultValue: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').default(defaultValue);

/** true/false/1/0, with a default. */
export const envBool = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/** A path to a PEM file; the value is the file's content, read once at start-up. */
export const envPemFile = z
  .string()
  .min(1)
  .transform((path, ctx) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` });
      return z.NEVER;
    }
  });

/**
 * Parses the environment once; a failure throws `new ErrorClass(message)`
 * whose message names every wrong variable and what it must be.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, ErrorClass: new (message: string) => Error): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ErrorClass(`invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
}
