/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

const SECRET_KEY = /(api[-_]?key|secret|password|passphrase|token|private[-_]?key)$/i;

/** True when a config key holds a secret (apiKey, secret, password, passphrase, token, privateKey...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Shorter values are not scrubbed from free text: they would blank out ordinary words. */
const MIN_SCRUB_LENGTH = 4;

/**
 * Keeps secrets out of everything the runner prints or writes. It knows the secret values of one
 * config (every string under a secret key) and replaces them in free text; {@link Redactor.value}
 * replaces secret fields in structured data.
 */
export class Redactor {
  #secrets: readonly string[] = [];

  constructor(secrets: Iterable<string> = []) {
    this.add(secrets);
  }

  /**
   * Adds secrets learnt after the config was read (say, credentials a broker takes from the
   * environment). Each is hidden as written and URL-encoded.
   */
  add(secrets: Iterable<string | undefined>): void {
    const all = new Set(this.#secrets);
    for (const secret of secrets) {
      if (secret === undefined || secret.length < MIN_SCRUB_LENGTH) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** A redactor for the secrets found in `config`. */
  static forConfig(config: unknown): Redactor {
    const found: string[] = [];
    walk(config, (key, value) => {
      if (typeof value === 'string' && isSecretKey(key)) found.push(value);
    });
    return new Redactor(found);
  }

  /** True when there is nothing to hide. */
  get empty(): boolean {
    return this.#secrets.length === 0;
  }

  /** `input` with every known secret replaced by {@link REDACTED}. */
  text(input: string): string {
    let out = input;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A deep copy of `input` with secret fields replaced and secrets scrubbed from every string. */
  value<T>(input: T): T {
    return redactValue(input, this) as T;
  }
}

function redactValue(input: unknown, redactor: Redactor, key = ''): unknown {
  if (typeof input === 'string') return isSecretKey(key) ? REDACTED : redactor.text(input);
  if (Array.isArray(input)) return input.map((item) => redactValue(item, redactor));
  if (input !== null && typeof input === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) out[k] = redactValue(v, redactor, k);
    return out;
  }
  return input;
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      visit(key, item);
      walk(item, visit);
    }
  }
}
