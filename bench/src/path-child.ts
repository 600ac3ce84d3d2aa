/**
 * Runs one {@link PathJob} given as JSON in argv[2] and prints its result as one JSON line. Started
 * by the bench with `node --expose-gc path-child.js '<job>'`, one fresh process per job.
 */
import type { PathJob } from './path-job.js';
import { runPathJob } from './path-job.js';

const job = JSON.parse(process.argv[2] as string) as PathJob;
console.log(JSON.stringify(await runPathJob(job)));
