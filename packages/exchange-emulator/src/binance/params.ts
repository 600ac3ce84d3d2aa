import { BinanceError, illegalNumber, missingParam } from './errors.js';

/**
 * The parameters of one request: the query string and, for form bodies, the body, merged as
 * Binance does (a name in both is a duplicate, which Binance refuses; the body wins here).
 */
export class Params {
  readonly #values: Map<string, string>;

  constructor(values: Map<string, string>) {
    this.#values = values;
  }

  /** Parameters of `query` (without `?`) and a form-encoded `body`. */
  static parse(query: string, body: string): Params {
    const values = new Map<string, string>();
    for (const source of [query, body]) {
      if (source.length === 0) continue;
      for (const [key, value] of new URLSearchParams(source)) values.set(key, value);
    }
    return new Params(values);
  }

  /** A parameter, or undefined when absent or empty. */
  get(name: string): string | undefined {
    const value = this.#values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  /** A mandatory parameter. @throws BinanceError -1102 */
  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw missingParam(name);
    return value;
  }

  /** A positive decimal, or undefined when absent. @throws BinanceError -1100 */
  decimal(name: string): number | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,20}(\.\d{1,20})?$/.test(raw)) throw illegalNumber(name);
    return Number(raw);
  }

  /** An integer, or undefined when absent. @throws BinanceError -1100 */
  integer(name: string): number | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d{1,20}$/.test(raw)) {
      throw new BinanceError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^-?[0-9]{1,20}$'.`);
    }
    return Number(raw);
  }

  /** `limit`: default `fallback`, at most `max`. @throws BinanceError -1100 */
  limit(fallback: number, max: number): number {
    const limit = this.integer('limit');
    if (limit === undefined) return fallback;
    if (limit <= 0) throw new BinanceError(400, -1100, `Illegal characters found in parameter 'limit'; legal range is '1 - ${max}'.`);
    return Math.min(limit, max);
  }
}
