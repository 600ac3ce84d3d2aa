import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** Where the figures were measured. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
  /** 1, 5 and 15 minute load averages when the run started and ended (other processes share the cores). */
  readonly loadAverage: { start: number[]; end?: number[] };
  readonly commit: string | undefined;
}

/**
 * The commit being measured, read from `.git` without running git (HEAD, then the loose or
 * packed ref it names); `GITHUB_SHA` when there is no `.git`. Undefined when neither is found.
 */
export function gitCommit(repoRoot: string): string | undefined {
  try {
    const gitDir = join(repoRoot, '.git');
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = join(gitDir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref) return sha;
    }
  } catch {
    // No .git: fall through.
  }
  return process.env.GITHUB_SHA;
}

/** CPU, cores, memory, Node and V8 versions, load and commit. */
export function machineInfo(repoRoot: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: { start: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    commit: gitCommit(repoRoot),
  };
}
