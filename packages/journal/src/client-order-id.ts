import { JournalError } from './errors.js';

/** Longest client order id a venue takes (Binance's `newClientOrderId`). */
export const MAX_CLIENT_ORDER_ID_LENGTH = 36;

/** What every client order id matches: Binance's `^[a-zA-Z0-9-_]{1,36}$`. */
export const CLIENT_ORDER_ID_PATTERN = /^[a-zA-Z0-9_-]{1,36}$/;

/** Longest bot prefix and symbol tag: 12 + 1 + 12 + 1 leaves 10 digits of sequence within 36 characters. */
const MAX_PART = 12;

/** What a client order id is made of. */
export interface ClientOrderIdParts {
  /** The bot's prefix, `[a-zA-Z0-9]{1,12}`. */
  readonly prefix: string;
  /** The symbol's tag, `[a-zA-Z0-9]{1,12}` (see {@link symbolTag}). */
  readonly symbolTag: string;
  /** The bot's order sequence, from 1. */
  readonly seq: number;
}

/** `text` with everything but ASCII letters and digits removed. */
function alphanumeric(text: string): string {
  return text.replace(/[^a-zA-Z0-9]/g, '');
}

/**
 * The default client order id prefix of a bot: the letters and digits of its name, at most 12
 * (`'mean-revert #2'` → `'meanrevert2'`); `'bot'` when the name has none.
 */
export function defaultPrefix(botName: string): string {
  const kept = alphanumeric(botName).slice(0, MAX_PART);
  return kept.length > 0 ? kept : 'bot';
}

/** Checks a prefix given by the caller: 1 to 12 ASCII letters and digits. */
export function checkPrefix(prefix: string): string {
  if (!/^[a-zA-Z0-9]{1,12}$/.test(prefix)) {
    throw new JournalError(
      'INVALID_INPUT',
      `client order id prefix must be 1 to 12 ASCII letters and digits, got ${JSON.stringify(prefix)}`,
      {
        details: { prefix },
      },
    );
  }
  return prefix;
}

/**
 * The tag of a symbol in client order ids: its letters and digits, at most 12
 * (`'BTC/USDT'` → `'BTCUSDT'`, `'BTC/USDT:USDT'` → `'BTCUSDTUSDT'`); `'x'` when it has none.
 * Two symbols may share a tag: the bot's sequence alone keeps ids unique.
 */
export function symbolTag(symbol: string): string {
  const kept = alphanumeric(symbol).slice(0, MAX_PART);
  return kept.length > 0 ? kept : 'x';
}

/**
 * `<prefix>-<symbolTag>-<seq>`, e.g. `'meanrevert2-BTCUSDT-17'`.
 *
 * @example
 * ```ts
 * formatClientOrderId({ prefix: 'grid', symbolTag: symbolTag('ETH/USDT'), seq: 3 }); // 'grid-ETHUSDT-3'
 * ```
 */
export function formatClientOrderId(parts: ClientOrderIdParts): string {
  const id = `${parts.prefix}-${parts.symbolTag}-${parts.seq}`;
  if (!Number.isSafeInteger(parts.seq) || parts.seq < 1 || !CLIENT_ORDER_ID_PATTERN.test(id)) {
    throw new JournalError('INVALID_INPUT', `cannot make a client order id of ${JSON.stringify(parts)} (got ${id})`, { details: { id } });
  }
  return id;
}

/** The parts of a client order id made by {@link formatClientOrderId}, or undefined for any other id. */
export function parseClientOrderId(id: string): ClientOrderIdParts | undefined {
  const match = /^([a-zA-Z0-9]{1,12})-([a-zA-Z0-9]{1,12})-([1-9][0-9]*)$/.exec(id);
  if (match === null || id.length > MAX_CLIENT_ORDER_ID_LENGTH) return undefined;
  return { prefix: match[1] as string, symbolTag: match[2] as string, seq: Number(match[3]) };
}
