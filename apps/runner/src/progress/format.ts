import type { ParticipantMetrics, TimeControllerMetrics } from '@bt/time-controller';

/** `1h 02m`, `3m 05s`, `12s`; `--` when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '--';
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Simulated time as `2023-03-08 04:22 UTC`; `--` when unknown. */
export function formatSimTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '--';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A participant's status as shown: `working`, `waiting at barrier` or `done`. */
export function statusLabel(status: ParticipantMetrics['status']): string {
  switch (status) {
    case 'working':
      return 'working';
    case 'waiting':
      return 'waiting at barrier';
    case 'left':
      return 'done';
  }
}

/** The headline: step N of M, percent, ETA, simulated time, steps/s. */
export function progressLine(m: TimeControllerMetrics): string {
  const total = m.totalSteps;
  const percent = m.progress === undefined ? '' : ` (${(m.progress * 100).toFixed(1)}%)`;
  return [
    // The release after the last bar counts as a step: never show more than the total.
    `step ${total === undefined ? m.step : Math.min(m.step, total)}${total === undefined ? '' : ` of ${total}`}${percent}`,
    `ETA ${formatDuration(m.etaMs)}`,
    `sim ${formatSimTime(m.simTime)}`,
    `${Math.round(m.stepsPerSecond).toLocaleString('en-US')} steps/s`,
  ].join(' | ');
}

/** One line per worker: id, status, and the share of its time spent waiting at the barrier. */
export function workerLines(m: TimeControllerMetrics): string[] {
  const width = Math.max(8, ...m.participants.map((p) => p.id.length));
  return m.participants.map((p) => {
    const share = m.participantTiming ? `waiting ${(p.waitingShare * 100).toFixed(0).padStart(3)}% of the time` : '';
    return `  ${p.id.padEnd(width)}  ${statusLabel(p.status).padEnd(18)}  ${share}`.trimEnd();
  });
}

/** A text bar of `width` cells for `progress` in [0, 1]. */
export function textBar(progress: number | undefined, width = 24): string {
  const done = Math.round(Math.min(1, Math.max(0, progress ?? 0)) * width);
  return `${'█'.repeat(done)}${'░'.repeat(width - done)}`;
}
