import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../src/config/json-schema.js';
import { RUNNER_DIR } from './helpers/cli.js';

describe('the published JSON Schema', () => {
  it('is up to date with the zod schema (run "npm run build" to regenerate it)', () => {
    const published = readFileSync(join(RUNNER_DIR, 'schema', 'bt-config.schema.json'), 'utf8');
    expect(published).toBe(configJsonSchemaText());
  });

  it('describes the config as written: strict objects, the three broker types, required symbols and broker', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      properties: { broker: { oneOf: { properties: { type: { const: string } }; additionalProperties: boolean }[] } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['symbols', 'broker']);
    expect(schema.properties.broker.oneOf.map((o) => o.properties.type.const)).toEqual(['sim', 'paper', 'ccxt']);
    expect(schema.properties.broker.oneOf.every((o) => o.additionalProperties === false)).toBe(true);
  });

  it('is exported by the package for editors', () => {
    const manifest = JSON.parse(readFileSync(join(RUNNER_DIR, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      files: string[];
    };
    expect(manifest.exports['./bt-config.schema.json']).toBe('./schema/bt-config.schema.json');
    expect(manifest.files).toEqual(expect.arrayContaining(['schema', 'assets', 'dist']));
  });
});
