import type { ConfigPath } from './issues.js';
import { formatPath } from './issues.js';

/** A `${NAME}` the environment does not define. */
export interface MissingVariable {
  readonly name: string;
  readonly path: ConfigPath;
}

/** What {@link interpolateEnv} produced. */
export interface Interpolated {
  readonly value: unknown;
  readonly missing: readonly MissingVariable[];
}

/** How a config refers to the environment variable `name`: `${name}`. */
export function envReference(name: string): string {
  return `$\{${name}}`;
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` in every string of `value` by the environment variable `NAME`. `${NAME:-text}`
 * falls back to `text` when `NAME` is unset or empty; `$${` writes a literal `${`. Keys are left
 * alone. Every unset variable without a fallback is reported with the path where it was used.
 *
 * @example
 * ```ts
 * interpolateEnv({ apiKey: '${KEY}' }, { KEY: 'abc' }).value; // { apiKey: 'abc' }
 * ```
 */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>): Interpolated {
  const missing: MissingVariable[] = [];
  const visit = (item: unknown, path: PropertyKey[]): unknown => {
    if (typeof item === 'string') {
      if (!item.includes('${')) return item;
      return item.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$${') return '${';
        const found = env[name as string];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push({ name: name as string, path: [...path] });
        return '';
      });
    }
    if (Array.isArray(item)) return item.map((x, i) => visit(x, [...path, i]));
    if (item !== null && typeof item === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(item)) out[k] = visit(v, [...path, k]);
      return out;
    }
    return item;
  };
  return { value: visit(value, []), missing };
}

/** The message of a missing variable: names the variable and where the config uses it. */
export function missingVariableMessage(missing: MissingVariable): string {
  return `${formatPath(missing.path)}: environment variable ${missing.name} is not set (the config uses \${${missing.name}}); set it, or write \${${missing.name}:-default}`;
}
