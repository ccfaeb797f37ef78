import * as z from 'zod/mini';
import { ConfigurationError } from './errors';

/**
 * Reads and validates environment configuration against a zod object schema. Throws a
 * ConfigurationError naming every missing or malformed variable; call it at module load
 * so a misconfigured function fails at cold start.
 */
export function readEnv<S extends z.ZodMiniObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // An empty string is never a value: treat it as unset so defaults and "required" apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return cleaned[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
    });
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** A non-empty environment variable. */
export const requiredVar = () => z.string().check(z.minLength(1));

/**
 * A comma-separated list of names (spaces around them ignored); unset or "" is the empty list, as the
 * deploy writes it when the option lists none.
 */
export const commaSeparatedList = () =>
  z._default(
    z.pipe(
      z.string(),
      z.transform((text: string) =>
        text
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      ),
    ),
    () => [],
  );
