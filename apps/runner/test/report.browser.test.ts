import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRows, MARKET_DIR, resultsDirOf, runCli, tempDir } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(tmpdir(), 'bt-report.png');

/** Three real symbols from the repository's fixtures: one price chart each. */
const SYMBOLS = ['BTCUSDT', 'BTCUSDC', 'BTCUSD'];

interface PageFacts {
  readonly charts: { readonly id: string; readonly canvases: number; readonly colours: number }[];
  readonly tradeRows: number;
  readonly report: { readonly charts: number; readonly markerCounts: Record<string, number> };
}

/**
 * Runs in the page (plain JavaScript: the tests are type-checked without the DOM library). For
 * each chart, its canvases and the most colours one of them holds (sampled pixels); the trades
 * table's rows; what the page script reported.
 */
const PAGE_FACTS = `(() => {
  const colourCount = (canvas) => {
    const context = canvas.getContext('2d');
    if (context === null || canvas.width === 0 || canvas.height === 0) return 0;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < pixels.length && seen.size < 64; i += 4 * 7) {
      seen.add((pixels[i] << 24) | (pixels[i + 1] << 16) | (pixels[i + 2] << 8) | pixels[i + 3]);
    }
    return seen.size;
  };
  return {
    charts: [...document.querySelectorAll('.chart')].map((chart) => {
      const canvases = [...chart.querySelectorAll('canvas')];
      return { id: chart.id, canvases: canvases.length, colours: Math.max(0, ...canvases.map(colourCount)) };
    }),
    tradeRows: document.querySelectorAll('#trades tbody tr').length,
    report: window.btReport,
  };
})()`;

describe('report.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    const cwd = tempDir();
    const symbols = SYMBOLS.map(
      (s) => `  - { symbol: ${s}, data: ${JSON.stringify(join(MARKET_DIR, `binanceus-${s}-1m-2023-03-01_21.csv`))} }`,
    );
    writeFileSync(
      join(cwd, 'bt.yaml'),
      [
        'name: report-check',
        'symbols:',
        ...symbols,
        'strategies: [{ use: sma-cross, params: { fast: 10, slow: 30, amount: 1 } }]',
        'broker: { type: sim, currency: USD, balances: { USD: 1000000 } }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', '--quiet', '--config', 'bt.yaml'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    dir = resultsDirOf(run.stdout);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from file:// with no network, draws every chart, marks every trade, lists every trade, logs no error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));

    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForFunction('window.btReport !== undefined', null, { timeout: 15_000 });
    // Let every chart paint (lightweight-charts draws on animation frames).
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    const facts = (await page.evaluate(PAGE_FACTS)) as PageFacts;
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    expect(errors).toEqual([]);
    expect(requests.every((url) => url.startsWith('file://') || url.startsWith('data:'))).toBe(true);

    // Equity, drawdown and one price chart per symbol, each painted with more than one colour.
    expect(facts.charts.map((c) => c.id)).toEqual(['equity-chart', 'drawdown-chart', 'price-0', 'price-1', 'price-2']);
    for (const chart of facts.charts) {
      expect(chart.canvases, chart.id).toBeGreaterThan(0);
      expect(chart.colours, chart.id).toBeGreaterThan(2);
    }
    expect(facts.report.charts).toBe(5);

    const trades = csvRows(join(dir, 'trades.csv'));
    expect(facts.tradeRows).toBe(trades.length);
    // Every trade is marked: an entry each, and an exit for each closed one.
    const closed = trades.filter((row) => row.split(',')[3] !== '').length;
    const markers = Object.values(facts.report.markerCounts).reduce((a, b) => a + b, 0);
    expect(markers).toBe(trades.length + closed);
  });
});
