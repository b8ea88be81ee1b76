/**
 * `npm run bench:think`: measures the think time of the paper's §7.1
 * clients on this machine — how long a client process takes from the
 * moment a saturated single-threaded daemon writes its reply to the moment
 * the client's next request is written (the scheduler's wake-up plus the
 * client's own CPU) — with 128 client processes and a stand-in daemon that
 * spends 357 µs per request (the fitted 2009 request cost, see
 * runner/cost/profiles/xen-2009.json). Compiles bench/think/thinkprobe.c
 * with the system's C compiler, runs it `--reps` times, prints the median
 * of each quantile and the table scenarios/think.ts embeds.
 *
 * Usage: npm run bench:think [-- --clients 128 --service-us 357 --seconds 5 --reps 3]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = 'Usage: npm run bench:think [-- --clients 128 --service-us 357 --seconds 5 --reps 3]';

interface ProbeResult {
  clients: number;
  requests: number;
  samples: number;
  thinkMeanUs: number;
  wakeMeanUs: number;
  clientCpuMeanUs: number;
  thinkQuantilesUs: Record<string, number>;
}

function fail(message: string): never {
  process.stderr.write(`bench:think: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '128' },
    'service-us': { type: 'string', default: '357' },
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '3' },
  },
  strict: true,
});
const num = (name: string, text: string, min: number, max: number): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} ${JSON.stringify(text)}: expected a number in [${min}, ${max}]`);
  return n;
};
const clients = num('clients', values.clients!, 1, 4096);
const serviceUs = num('service-us', values['service-us']!, 0, 1e6);
const seconds = num('seconds', values.seconds!, 0.1, 600);
const reps = num('reps', values.reps!, 1, 20);

const source = fileURLToPath(new URL('./think/thinkprobe.c', import.meta.url));
const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'xstorm-think-'));
const binary = nodePath.join(dir, 'thinkprobe');
try {
  try {
    execFileSync(process.env['CC'] ?? 'cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fail(`cannot compile ${source} (set CC to a C compiler): ${(error as Error).message.split('\n')[0]}`);
  }
  const runs: ProbeResult[] = [];
  for (let r = 0; r < reps; r++) {
    process.stderr.write(`bench:think: run ${r + 1}/${reps} (${clients} client processes, ${serviceUs} µs per request, ${seconds} s)\n`);
    const out = execFileSync(binary, [String(clients), String(serviceUs), String(seconds)], { encoding: 'utf8' });
    runs.push(JSON.parse(out) as ProbeResult);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // Numeric order (an object lists its integer-like key "1" first).
  const keys = Object.keys(runs[0]!.thinkQuantilesUs).sort((a, b) => Number(a) - Number(b));
  const quantiles = Object.fromEntries(keys.map((k) => [k, median(runs.map((x) => x.thinkQuantilesUs[k]!))]));
  process.stdout.write(`load average before/after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`think time (µs), median of ${reps} runs of ${clients} processes:\n`);
  for (const k of keys) process.stdout.write(`  q ${k.padEnd(6)} ${quantiles[k]!.toFixed(2).padStart(10)}   (runs: ${runs.map((x) => x.thinkQuantilesUs[k]!.toFixed(1)).join(', ')})\n`);
  process.stdout.write(`  mean   ${median(runs.map((x) => x.thinkMeanUs)).toFixed(2).padStart(10)}   of which the client's own CPU ${median(runs.map((x) => x.clientCpuMeanUs)).toFixed(2)} µs\n`);
  process.stdout.write(`requests per run: ${runs.map((x) => x.requests).join(', ')}\n`);
  process.stdout.write(`\nfor scenarios/think.ts (quantile, µs):\n${JSON.stringify(keys.map((k) => [Number(k), quantiles[k]]))}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
