import type { LogFields, Logger } from '@bt/core';

/** What replaces a secret in text. */
export const REDACTED = '[REDACTED]';

/**
 * Request parameters whose values are credentials or prove them (a request's HMAC `signature`
 * lets anyone replay it within its receive window), redacted wherever they appear as
 * `name=value`, e.g. in the URL ccxt puts in an error message.
 */
const SECRET_PARAMS = /\b(signature|sign|apiKey|api_key|secret|secretKey|passphrase|password|listenKey)=[^&\s"',;)\]}]+/gi;

/** Secrets shorter than this are not redacted: they would match ordinary text. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes credentials from text and structured fields. Each secret is replaced wherever it
 * appears, also URL-encoded, so an exchange that echoes a key back cannot leak it into a log line
 * or an error message; so is the value of every credential parameter of a signed request's URL
 * (`signature=`, `apiKey=`...).
 */
export class Redactor {
  readonly #needles: readonly string[];

  /** @param secrets the values to hide; empty and very short values are ignored. */
  constructor(secrets: readonly (string | undefined)[]) {
    const needles = new Set<string>();
    for (const secret of secrets) {
      if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
      needles.add(secret);
      needles.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#needles = [...needles].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    let out = text.replace(SECRET_PARAMS, (_match, name: string) => `${name}=${REDACTED}`);
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }

  /** A deep copy of `value` with every string redacted (errors become their redacted message). */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value instanceof Error) return this.redact(`${value.name}: ${value.message}`);
    if (depth > 6 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.redactValue(item, depth + 1);
    return out;
  }

  /** `fields` with every string redacted. */
  redactFields(fields: LogFields): Record<string, unknown> {
    return this.redactValue(fields) as Record<string, unknown>;
  }
}

/** A {@link Logger} that passes every message and field through `redactor` before `inner` sees it. */
export function redactingLogger(inner: Logger, redactor: Redactor): Logger {
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      inner[level](redactor.redact(message), fields === undefined ? undefined : redactor.redactFields(fields));
    };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (bindings) => redactingLogger(inner.child(redactor.redactFields(bindings)), redactor),
  };
}
