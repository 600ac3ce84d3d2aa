import type { Clock, Logger, Market } from '@bt/core';
import { JournalError } from './errors.js';
import type { SqliteJournal } from './journal.js';
import { ownPositions, spotBaseOf } from './own-position.js';
import type { VenueReader } from './recovery-venue.js';

/** The bot's position in one symbol against the venue's, as recovery compared them. */
export interface PositionCheck {
  readonly symbol: string;
  /** Net of the bot's own journaled fills (for spot, less fees taken in the base currency). */
  readonly bot: number;
  /** The venue's holding (spot: the base currency's total balance) or position (derivatives, signed). */
  readonly venue: number;
  /** Venue holding that is not the bot's: reported, never traded (spot only; 0 for derivatives). */
  readonly heldBefore: number;
  readonly ok: boolean;
}

/** Figures that differ by less than this (relative) are equal: rounding of venue amounts. */
const TOLERANCE = 1e-9;

function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A number as a log line shows it: at most 12 significant digits. */
export function figure(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/**
 * Compares the bot's positions (the net of its own fills) with the venue's, symbol by symbol.
 * Spot: the venue must hold at least the bot's long position in the base currency (shared by the
 * bot's symbols of that base); the rest is `heldBefore`. Derivatives: the venue's position must
 * equal the bot's.
 */
export async function comparePositions(
  journal: SqliteJournal,
  venue: VenueReader,
  symbols: readonly string[],
): Promise<{ checks: PositionCheck[]; markets: readonly Market[] }> {
  const markets = await venue.markets();
  const own = ownPositions(journal, markets);
  const botOf = (symbol: string): number => own.get(symbol)?.amount ?? 0;
  const checks: PositionCheck[] = [];
  for (const symbol of symbols) {
    const base = spotBaseOf(symbol, markets);
    const bot = botOf(symbol);
    if (base === undefined) {
      const position = (await venue.positions()).find((p) => p.symbol === symbol);
      const held = position === undefined ? 0 : position.side === 'short' ? -position.size : position.size;
      checks.push({ symbol, bot, venue: held, heldBefore: 0, ok: same(bot, held) });
      continue;
    }
    const holding = (await venue.balances()).find((b) => b.currency === base)?.total ?? 0;
    let botTotal = 0;
    for (const [s, p] of own) if (spotBaseOf(s, markets) === base) botTotal += p.amount;
    const heldBefore = same(holding, botTotal) ? 0 : holding - botTotal;
    checks.push({ symbol, bot, venue: holding, heldBefore, ok: heldBefore >= 0 && (bot >= 0 || same(bot, 0)) });
  }
  return { checks, markets };
}

/** The refusal to trade when positions disagree: names each symbol, both figures, and how to resolve it. */
export function mismatchError(checks: readonly PositionCheck[], markets: readonly Market[], file: string): JournalError {
  const lines = checks
    .filter((c) => !c.ok)
    .map((c) => {
      const base = spotBaseOf(c.symbol, markets);
      return base === undefined
        ? `${c.symbol}: the bot's own fills make a position of ${figure(c.bot)}, the venue's position is ${figure(c.venue)}`
        : `${c.symbol}: the bot's own fills hold ${figure(c.bot)} ${base}, the venue's ${base} balance is ${figure(c.venue)}` +
            (c.bot < 0 ? ' (a spot bot cannot have sold more than it bought)' : ` (at least ${figure(c.venue - c.heldBefore)} needed)`);
    });
  return new JournalError(
    'POSITION_MISMATCH',
    `positions disagree with the venue, so the bot refuses to trade:\n  ${lines.join('\n  ')}\n` +
      `To resolve: find what traded outside the bot (the venue's order and trade history of this account) and fix the venue by hand, ` +
      `or accept the venue's state with \`bt run --accept-venue-state\` (the journal ${file} then records an adjustment so the bot's ` +
      `position equals the venue's).`,
    { details: { file, checks: checks.filter((c) => !c.ok) } },
  );
}

/**
 * Accepts the venue's state of each disagreeing symbol: records an adjustment (an intent of
 * strategy `venue-adjustment`, filled by one fill of origin `adjustment`, at the latest price)
 * that makes the bot's position what the venue proves, and a `recovery.venue-state-accepted`
 * event. Returns the checks as they stand after it.
 */
export async function acceptVenueState(
  journal: SqliteJournal,
  venue: VenueReader,
  checks: readonly PositionCheck[],
  markets: readonly Market[],
  clock: Clock,
  logger: Logger,
): Promise<PositionCheck[]> {
  const after: PositionCheck[] = [];
  for (const check of checks) {
    if (check.ok) {
      after.push(check);
      continue;
    }
    const spot = spotBaseOf(check.symbol, markets) !== undefined;
    // Spot: the bot keeps what the venue still holds of its position, never more, never short.
    const target = spot ? Math.max(0, Math.min(check.bot, check.bot + check.heldBefore)) : check.venue;
    const delta = target - check.bot;
    const price = await venue.latestPrice(check.symbol);
    const clientOrderId = journal.transaction(() => {
      const intent = journal.recordIntent({
        strategy: 'venue-adjustment',
        symbol: check.symbol,
        side: delta > 0 ? 'buy' : 'sell',
        type: 'market',
        amount: Math.abs(delta),
        tag: 'venue-adjustment',
        reason: `accept-venue-state: the bot's ${figure(check.bot)} set to ${figure(target)} (venue ${figure(check.venue)})`,
      });
      const orderId = `adjustment-${intent.clientOrderId}`;
      journal.updateIntent(intent.clientOrderId, { status: 'filled', venueOrderId: orderId, filled: intent.amount, averagePrice: price });
      journal.recordFill(
        {
          id: 'adjustment',
          orderId,
          clientOrderId: intent.clientOrderId,
          symbol: check.symbol,
          side: intent.side,
          amount: intent.amount,
          price,
          fee: 0,
          feeCurrency: '',
          maker: false,
          timestamp: Math.round(clock.now()),
        },
        { origin: 'adjustment' },
      );
      journal.appendEvent('recovery.venue-state-accepted', {
        symbol: check.symbol,
        bot: check.bot,
        venue: check.venue,
        adjustment: delta,
        price,
        clientOrderId: intent.clientOrderId,
      });
      return intent.clientOrderId;
    });
    logger.warn(
      `recovery: accepted the venue's state of ${check.symbol}: the bot's position ${figure(check.bot)} adjusted by ${figure(delta)} to ${figure(target)}`,
      { symbol: check.symbol, bot: check.bot, venue: check.venue, adjustment: delta, clientOrderId },
    );
    after.push({ symbol: check.symbol, bot: target, venue: check.venue, heldBefore: spot ? check.venue - target : 0, ok: true });
  }
  return after;
}
