import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE, spawnCli, tempDir, writeSampleSlice } from './helpers/cli.js';

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json() };
}

describe('bt emulate', () => {
  it('serves the Binance API on 127.0.0.1 at an ephemeral port, prints URLs and keys, and stops on Ctrl-C with exit 0', async () => {
    const dir = tempDir();
    writeSampleSlice(SAMPLE.BTCUSDT, join(dir, 'BTCUSDT.csv'), 300);
    const run = spawnCli(['emulate', '--data', dir, '--port', '0', '--speed', '60', '--keys', 'rehearsal-key:rehearsal-secret']);
    await run.waitFor(/Ctrl-C stops/);
    const { stdout } = run.output();
    const port = Number(/port (\d+)$/m.exec(stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(8080);
    const origin = `http://127.0.0.1:${port}`;
    expect(stdout).toContain('markets:    BTC/USDT');
    expect(stdout).toContain(`REST:       ${origin}`);
    expect(stdout).toContain(`WebSocket:  ws://127.0.0.1:${port}`);
    expect(stdout).toContain('API key:    rehearsal-key');
    expect(stdout).toContain('API secret: rehearsal-secret');
    expect(stdout).toContain(`urls: { rest: "${origin}", ws: "ws://127.0.0.1:${port}" }`);

    expect(await getJson(`${origin}/api/v3/ping`)).toEqual({ status: 200, body: {} });
    const { body: time } = (await getJson(`${origin}/api/v3/time`)) as { body: { serverTime: number } };
    // Replay time: the data's first day (2023-03-01), not the wall clock.
    expect(time.serverTime).toBeGreaterThanOrEqual(Date.UTC(2023, 2, 1));
    expect(time.serverTime).toBeLessThan(Date.UTC(2023, 2, 2));
    // The control API answers only with the token printed at start, made anew by each emulator.
    const token = /^BT_EMULATOR_TOKEN=(\S+)$/m.exec(stdout)?.[1] ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await getJson(`${origin}/__control/clock`, { 'x-bt-emulator-token': token })).body).toMatchObject({ speed: 60 });
    const refused = await getJson(`${origin}/__control/clock`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: expect.stringContaining('x-bt-emulator-token') });
    expect((await getJson(`${origin}/__control/clock`, { 'x-bt-emulator-token': `${token}x` })).status).toBe(401);
    expect(stdout).toContain('client ids: open-only');

    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Emulator stopped.');
    await expect(fetch(`${origin}/api/v3/ping`)).rejects.toThrow();
  });

  it('exits 2 on bad usage or unreadable data', async () => {
    const missing = await runCli(['emulate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-d, --data <path>' not specified");
    const speed = await runCli(['emulate', '--data', '.', '--speed', '0']);
    expect(speed.code).toBe(2);
    expect(speed.stderr).toContain('expected a positive number for speed');
    const nowhere = await runCli(['emulate', '--data', join(tempDir(), 'nowhere')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^bt: data: cannot read the directory .*nowhere/m);
  });
});
