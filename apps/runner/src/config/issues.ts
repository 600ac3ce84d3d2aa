import type { z } from 'zod';
import { suggest } from '../util/suggest.js';
import { isSecretKey } from './secrets.js';

/** A path into the config, e.g. `['broker', 'fees', 'taker']` or `['symbols', 0, 'data']`. */
export type ConfigPath = readonly PropertyKey[];

/**
 * A path as users read it: `broker.fees.taker`, `symbols[0].data`; `(config)` for the root.
 *
 * @example
 * ```ts
 * formatPath(['symbols', 0, 'strategies', 1, 'use']); // 'symbols[0].strategies[1].use'
 * ```
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(config)' : out;
}

/** The value at `path` in `data`, or undefined. */
export function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** How a value is shown after "got": strings quoted (a secret's never), lists and maps by kind. */
export function describeValue(value: unknown, secret = false): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      if (secret) return 'a string (hidden)';
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return JSON.stringify(shown);
    }
    case 'object':
      return 'a map';
    case 'undefined':
      return 'nothing';
    default:
      return String(value);
  }
}

/**
 * The per-parse error map: the "expected ..." phrase of an issue whose field sets no message of its
 * own. Field messages (set in the schema) take precedence.
 */
export function defaultExpectation(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${KIND[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected ${issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : `a value >= ${String(issue.minimum)}`}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? `at most ${String(issue.maximum)} item(s)` : `a value <= ${String(issue.maximum)}`}`;
    default:
      return undefined;
  }
}

const KIND: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

/** One thing wrong with a config: where, and what was expected and found. */
export interface Problem {
  readonly path: ConfigPath;
  readonly message: string;
}

/** Where a problem sits in the source file (`line 12`), when it can be told. */
export type Locate = (path: ConfigPath) => string | undefined;

/** One line per problem: `line 12: broker.fees.taker: expected ..., got "0.1%"`. */
export function renderProblems(problems: readonly Problem[], locate?: Locate): string[] {
  return problems.map(({ path, message }) => {
    const where = locate?.(path);
    return `${where === undefined ? '' : `${where}: `}${formatPath(path)}: ${message}`;
  });
}

/**
 * Turns zod issues into one problem each: what was expected and what was found, with a "did you
 * mean" for unknown keys and unknown broker types. Secret fields never show their value.
 */
export function issuesToProblems(schema: z.ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  const at = (path: ConfigPath, message: string): void => {
    out.push({ path, message });
  };
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path, data);
      for (const key of issue.keys) {
        const guess = suggest(key, known);
        const hint = guess !== undefined ? `did you mean "${guess}"?` : known.length > 0 ? `expected one of: ${known.join(', ')}` : '';
        at([...path, key], `unknown key${hint === '' ? '' : `; ${hint}`}`);
      }
      continue;
    }
    const value = valueAt(data, path);
    if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray((issue as { options?: unknown }).options)) {
      const options = (issue as unknown as { options: unknown[] }).options.map(String);
      const expected = `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      if (value === undefined) {
        at(path, `missing; ${expected}`);
      } else {
        const guess = typeof value === 'string' ? suggest(value, options) : undefined;
        at(path, `${expected}, got ${describeValue(value)}${guess === undefined ? '' : `; did you mean "${guess}"?`}`);
      }
      continue;
    }
    if (value === undefined) {
      at(path, `missing; ${issue.message}`);
      continue;
    }
    const secret = path.some((key) => typeof key === 'string' && isSecretKey(key));
    at(path, `${issue.message}, got ${describeValue(value, secret)}`);
  }
  return out;
}

// ---- schema navigation (for the keys an object accepts) ---------------------------------------

interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, AnySchema>>;
  readonly innerType?: AnySchema;
  readonly element?: AnySchema;
  readonly valueType?: AnySchema;
  readonly in?: AnySchema;
  readonly options?: readonly AnySchema[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
}
interface AnySchema {
  readonly _zod: { readonly def: SchemaDef };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let current = schema;
  while (current !== undefined) {
    const def = current._zod.def;
    if (WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else break;
  }
  return current;
}

/** For a discriminated union, the option `value` selects; any other schema as it is. */
function select(schema: AnySchema | undefined, value: unknown): AnySchema | undefined {
  const def = schema?._zod.def;
  if (def?.type !== 'union' || def.discriminator === undefined || def.options === undefined) return schema;
  const tag = (value as Record<string, unknown> | undefined)?.[def.discriminator];
  return def.options.find((option) => option._zod.def.shape?.[def.discriminator as string]?._zod.def.values?.includes(tag));
}

/** The keys the object schema at `path` accepts (empty when it cannot be told). */
export function knownKeys(schema: z.ZodType, path: ConfigPath, data: unknown): string[] {
  let current = unwrap(schema as unknown as AnySchema);
  let value = data;
  for (const key of path) {
    const def = select(current, value)?._zod.def;
    if (def === undefined) return [];
    if (def.type === 'object') current = def.shape?.[String(key)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return [];
    current = unwrap(current);
    value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  }
  const shape = select(current, value)?._zod.def.shape;
  return shape === undefined ? [] : Object.keys(shape);
}
