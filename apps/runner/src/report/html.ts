import type { ChartData } from './chart-data.js';
import type { ResultsFolder, TradeRecord } from './read.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const isoMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function num(value: unknown, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
}

function pct(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(2)} %` : '–';
}

function duration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const hours = ms / 3_600_000;
  return hours >= 48 ? `${(hours / 24).toFixed(1)} days` : `${hours.toFixed(1)} hours`;
}

/** The metrics table rows: label and formatted value. */
export function metricRows(summary: Readonly<Record<string, unknown>>): [string, string][] {
  const m = (summary.metrics ?? {}) as Record<string, unknown>;
  const currency = typeof summary.currency === 'string' ? ` ${summary.currency}` : '';
  return [
    ['Initial equity', `${num(summary.initialEquity)}${currency}`],
    ['Final equity', `${num(summary.finalEquity)}${currency}`],
    ['Total return', pct(m.totalReturn)],
    ['CAGR', pct(m.cagr)],
    ['Max drawdown', pct(m.maxDrawdown)],
    ['Longest drawdown', duration(m.maxDrawdownDurationMs)],
    ['Sharpe ratio', num(m.sharpe)],
    ['Sortino ratio', num(m.sortino)],
    ['Win rate', pct(m.winRate)],
    ['Profit factor', num(m.profitFactor)],
    ['Expectancy per trade', `${num(m.expectancy)}${currency}`],
    ['Exposure', pct(m.exposure)],
    ['Closed trades', String(m.tradeCount ?? '–')],
    ['Open trades', String(m.openTradeCount ?? '–')],
    ['Fees paid', `${num(m.feesPaid)}${currency}`],
    ['Steps', `${String(summary.steps ?? '–')} of ${String(summary.totalSteps ?? '–')}`],
    ['Fill timing', String(summary.fillTiming ?? '–')],
  ];
}

function tradeRow(t: TradeRecord): string {
  const pnlClass = t.pnl === undefined ? '' : t.pnl >= 0 ? ' class="win"' : ' class="loss"';
  const cells = [
    escapeHtml(t.symbol),
    isoMinute(t.entryTime),
    String(t.entryPrice),
    t.exitTime === undefined ? 'open' : isoMinute(t.exitTime),
    t.exitPrice === undefined ? '' : String(t.exitPrice),
    String(t.size),
  ];
  // PnL shown to the cent; the exact value (as in trades.csv) is the cell's title.
  const pnl = t.pnl === undefined ? '' : `<span title="${t.pnl}">${num(t.pnl)}</span>`;
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}<td${pnlClass}>${pnl}</td></tr>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --win: #15803d; --loss: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f9fafb; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; color: var(--muted); }
.sub { color: var(--muted); margin: 0; }
.partial { margin-top: 12px; padding: 8px 12px; border: 1px solid #f59e0b; background: #fffbeb; border-radius: 6px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart { height: 320px; }
.chart.small { height: 180px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
table.metrics { max-width: 520px; }
.trades { max-height: 640px; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
.trades thead th { position: sticky; top: 0; background: #f3f4f6; }
td.win { color: var(--win); }
td.loss { color: var(--loss); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

/** The page script: draws every chart from the embedded data with lightweight-charts. */
const APP = `
(function () {
  var data = JSON.parse(document.getElementById('bt-data').textContent);
  var LC = window.LightweightCharts;
  var base = {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#374151', attributionLogo: false },
    grid: { vertLines: { color: '#f3f4f6' }, horzLines: { color: '#f3f4f6' } },
    // Tiny minimum bar spacing, so fitContent() shows a whole run however many points it has.
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.001 },
    rightPriceScale: { borderColor: '#e5e7eb' },
  };
  var charts = [];
  function chart(id) {
    var c = LC.createChart(document.getElementById(id), base);
    charts.push(c);
    return c;
  }
  var equity = chart('equity-chart');
  equity.addSeries(LC.LineSeries, { color: '#2563eb', lineWidth: 2 }).setData(data.equity);
  equity.timeScale().fitContent();
  var drawdown = chart('drawdown-chart');
  drawdown
    .addSeries(LC.BaselineSeries, {
      baseValue: { type: 'price', price: 0 },
      topLineColor: '#dc2626', topFillColor1: 'rgba(0,0,0,0)', topFillColor2: 'rgba(0,0,0,0)',
      bottomLineColor: '#dc2626', bottomFillColor1: 'rgba(220,38,38,0.15)', bottomFillColor2: 'rgba(220,38,38,0.4)', lineWidth: 1,
      priceFormat: { type: 'custom', minMove: 0.01, formatter: function (p) { return p.toFixed(2) + ' %'; } },
    })
    .setData(data.drawdown);
  drawdown.timeScale().fitContent();
  var markerCounts = {};
  data.prices.forEach(function (p, i) {
    var c = chart('price-' + i);
    var series = c.addSeries(LC.CandlestickSeries, {
      upColor: '#16a34a', downColor: '#dc2626', borderVisible: false, wickUpColor: '#16a34a', wickDownColor: '#dc2626',
    });
    series.setData(p.candles);
    LC.createSeriesMarkers(series, p.markers);
    markerCounts[p.symbol] = p.markers.length;
    c.timeScale().fitContent();
  });
  window.btReport = { charts: charts.length, markerCounts: markerCounts };
})();
`;

/**
 * The report page: one self-contained HTML file (the charting library, the data, the styles and
 * the script inlined), which opens from disk with no server and no network.
 */
export function renderReport(folder: ResultsFolder, charts: ChartData, library: string): string {
  const s = folder.summary;
  const name = typeof s.name === 'string' ? s.name : 'backtest';
  const start = typeof s.startTime === 'number' ? isoMinute(s.startTime) : '?';
  const end = typeof s.endTime === 'number' ? isoMinute(s.endTime) : '?';
  const symbols = charts.prices.map((p) => p.symbol);
  const partial =
    s.partial === true
      ? `<p class="partial"><strong>Partial results:</strong> the run ${s.status === 'failed' ? 'failed' : 'was stopped'} after ${String(s.steps)} of ${String(s.totalSteps)} steps.${
          typeof (s.error as { message?: unknown } | undefined)?.message === 'string'
            ? ` ${escapeHtml((s.error as { message: string }).message)}`
            : ''
        }</p>`
      : '';
  const metrics = metricRows(s)
    .map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  const prices = symbols
    .map(
      (symbol, i) =>
        `<h3>${escapeHtml(symbol)}</h3>\n<div class="card"><div id="price-${i}" class="chart" data-symbol="${escapeHtml(symbol)}"></div></div>`,
    )
    .join('\n');
  const trades = folder.trades.map(tradeRow).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bt report: ${escapeHtml(name)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(name)}</h1>
<p class="sub">Backtest of ${escapeHtml(symbols.join(', ') || 'no symbols')} · ${start} to ${end} UTC · ${escapeHtml(String(s.currency ?? ''))}</p>
${partial}
</header>
<section>
<h2>Metrics</h2>
<table class="metrics" id="metrics">
${metrics}
</table>
</section>
<section>
<h2>Equity</h2>
<div class="card"><div id="equity-chart" class="chart"></div></div>
<h2>Drawdown</h2>
<div class="card"><div id="drawdown-chart" class="chart small"></div></div>
</section>
<section>
<h2>Prices and trades</h2>
${prices}
</section>
<section>
<h2>Trades (${folder.trades.length})</h2>
<div class="trades">
<table id="trades">
<thead><tr><th>Symbol</th><th>Entry (UTC)</th><th>Entry price</th><th>Exit (UTC)</th><th>Exit price</th><th>Size</th><th>PnL</th></tr></thead>
<tbody>
${trades}
</tbody>
</table>
</div>
</section>
<footer>Made by bt (@bt/runner). Charts: TradingView Lightweight Charts™ (Apache-2.0), inlined.</footer>
</main>
<script>${library}</script>
<script id="bt-data" type="application/json">${scriptJson(charts)}</script>
<script>${APP}</script>
</body>
</html>
`;
}
