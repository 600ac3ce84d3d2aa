import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of the config file, generated from {@link configSchema}, for
 * editors: it describes the config as written, before defaults. The build writes it to
 * `schema/bt-config.schema.json` and a test checks that file is up to date.
 *
 * @example
 * ```ts
 * writeFileSync('bt-config.schema.json', JSON.stringify(configJsonSchema(), null, 2));
 * ```
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The published schema file's text: {@link configJsonSchema} as indented JSON with a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
