/**
 * deploy/: the job files for a GitHub Actions matrix, a Kubernetes Indexed
 * Job and a Slurm array parse, run exactly the sweep and merge commands the
 * README documents (section "Today's daemons"), give every shard a distinct
 * `i/n` through `--shard auto`, write each shard where the merge collects it,
 * and merge only once every shard is done.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { parseShard } from '../../reports/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Splits a shell command line into words (single and double quotes; no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** An xstorm command: its subcommand, positional words and flags (flag → value). */
interface Command {
  readonly sub: string;
  readonly positional: readonly string[];
  readonly flags: Readonly<Record<string, string>>;
}

function parseCommand(line: string): Command {
  const w = words(line.trim());
  assert.deepEqual(w.slice(0, 2), ['npx', 'xstorm'], line);
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 3; i < w.length; i++) {
    if (w[i]!.startsWith('--')) flags[w[i]!] = w[++i]!;
    else positional.push(w[i]!);
  }
  return { sub: w[2]!, positional, flags };
}

/** The sweep and merge commands of the README's marked block. */
function documented(): { sweep: Command; merge: Command } {
  const readme = read('README.md');
  const at = readme.indexOf('<!-- deploy-commands');
  assert.ok(at >= 0, 'README.md has the deploy-commands block');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  const lines = block.split('\n').filter((l) => l.startsWith('npx xstorm'));
  assert.equal(lines.length, 2);
  const [sweep, merge] = lines.map(parseCommand) as [Command, Command];
  assert.equal(sweep.sub, 'sweep');
  assert.equal(sweep.flags['--shard'], 'auto');
  assert.equal(merge.sub, 'merge');
  return { sweep, merge };
}

/**
 * Checks a job's sweep command against the documented one: the same flags
 * and values, but for `--profile` (a variable) and `--out` (the shard's own
 * directory, `shardDir` with the shard's index variable).
 */
function checkSweep(line: string, shardOut: RegExp, where: string): void {
  const { sweep } = documented();
  const mine = parseCommand(line);
  assert.equal(mine.sub, 'sweep', where);
  assert.deepEqual(Object.keys(mine.flags).sort(), Object.keys(sweep.flags).sort(), where);
  for (const [flag, value] of Object.entries(sweep.flags)) {
    if (flag === '--out') assert.match(mine.flags[flag]!, shardOut, `${where}: --out`);
    else if (flag === '--profile') assert.equal(mine.flags[flag], '$PROFILE', `${where}: --profile`);
    else assert.equal(mine.flags[flag], value, `${where}: ${flag}`);
  }
}

/** Checks a merge command: documented flags; its one positional is a glob that matches every shard directory. */
function checkMerge(line: string, shardDirs: readonly string[], where: string): void {
  const { merge } = documented();
  const mine = parseCommand(line);
  assert.equal(mine.sub, 'merge', where);
  assert.deepEqual(Object.keys(mine.flags), Object.keys(merge.flags), where);
  assert.equal(mine.positional.length, 1, where);
  const glob = new RegExp(`^${mine.positional[0]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  for (const dir of shardDirs) assert.match(dir, glob, `${where}: the merge collects ${dir}`);
  assert.equal(path.basename(mine.flags['--out']!), path.basename(merge.flags['--out']!), where);
}

/** Every shard index resolves to a distinct i/n covering 1..n. */
function checkShards(envs: readonly NodeJS.ProcessEnv[], count: number, where: string): void {
  const specs = envs.map((env) => parseShard('auto', env));
  assert.deepEqual(specs, Array.from({ length: count }, (_, i) => ({ index: i + 1, count })), where);
}

test('the README documents one sweep with --shard auto and its merge', () => {
  const { sweep, merge } = documented();
  assert.equal(sweep.flags['--scenario'], 'boot-storm');
  assert.equal(sweep.flags['--driver'], 'sim');
  assert.deepEqual(merge.positional, ['results/shard-*']);
});

test('GitHub Actions: a matrix of shards running the sweep, then a merge job over their artifacts', () => {
  const workflow = parse(read('deploy/github-actions.yml')) as {
    jobs: Record<string, { needs?: string; strategy?: { matrix: { shard: number[] } }; env?: Record<string, string>; steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> }>;
  };
  const shard = workflow.jobs['shard']!;
  const indices = shard.strategy!.matrix.shard;
  assert.deepEqual(indices, Array.from({ length: indices.length }, (_, i) => i + 1));
  const spec = shard.env!['XSTORM_SHARD']!;
  assert.match(spec, /^\$\{\{ matrix\.shard \}\}\/\d+$/);
  const count = Number(spec.split('/')[1]);
  assert.equal(count, indices.length, 'XSTORM_SHARD counts the matrix');
  checkShards(indices.map((i) => ({ XSTORM_SHARD: spec.replace('${{ matrix.shard }}', String(i)) })), count, 'github');
  const runs = shard.steps.flatMap((s) => (s.run ? [s.run] : []));
  assert.deepEqual(runs.slice(0, 1), ['npm ci']);
  checkSweep(runs[1]!, /^results\/shard-\$\{\{ matrix\.shard \}\}$/, 'github shard');
  const upload = shard.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
  assert.equal(upload.with!['path'], 'results/shard-${{ matrix.shard }}');
  assert.equal(upload.with!['name'], 'shard-${{ matrix.shard }}');
  const merge = workflow.jobs['merge']!;
  assert.equal(merge.needs, 'shard', 'the merge waits for every shard');
  const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))!;
  assert.equal(download.with!['pattern'], 'shard-*');
  assert.equal(download.with!['path'], 'results');
  const mergeRuns = merge.steps.flatMap((s) => (s.run ? [s.run] : []));
  // download-artifact puts each artifact in <path>/<artifact name>.
  checkMerge(mergeRuns.at(-1)!, indices.map((i) => `results/shard-${i}`), 'github merge');
});

test('Kubernetes: an Indexed Job of shards and a merge Job that waits for all of them', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes-indexed-job.yml')).map((d) => d.toJS()) as Array<{
    kind: string; metadata: { name: string };
    spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: { initContainers?: Array<{ args: string[] }>; containers: Array<{ env?: Array<{ name: string; value: string }>; args: string[]; volumeMounts: Array<{ mountPath: string }> }> } } };
  }>;
  assert.equal(docs.length, 2);
  const [shards, merge] = docs as [typeof docs[number], typeof docs[number]];
  assert.equal(shards.kind, 'Job');
  assert.equal(shards.spec.completionMode, 'Indexed');
  const count = shards.spec.completions!;
  assert.equal(shards.spec.parallelism, count);
  const container = shards.spec.template.spec.containers[0]!;
  const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value]));
  assert.equal(Number(env['XSTORM_SHARD_COUNT']), count, 'XSTORM_SHARD_COUNT = completions');
  assert.ok(env['PROFILE']);
  checkShards(Array.from({ length: count }, (_, i) => ({ JOB_COMPLETION_INDEX: String(i), XSTORM_SHARD_COUNT: env['XSTORM_SHARD_COUNT'] })), count, 'kubernetes');
  checkSweep(container.args[0]!, /^\/results\/shard-\$JOB_COMPLETION_INDEX$/, 'kubernetes shard');
  assert.equal(container.volumeMounts[0]!.mountPath, '/results');
  assert.equal(merge.kind, 'Job');
  const wait = merge.spec.template.spec.initContainers![0]!.args[0]!;
  assert.match(wait, new RegExp(`/results/shard-\\*/results\\.json.*-ge ${count}`), 'the merge waits for every shard\'s results.json');
  checkMerge(merge.spec.template.spec.containers[0]!.args[0]!, Array.from({ length: count }, (_, i) => `/results/shard-${i}`), 'kubernetes merge');
});

test('Slurm: a job array of shards and a merge script submitted after it', () => {
  const array = read('deploy/slurm-array.sh');
  const directives = Object.fromEntries([...array.matchAll(/^#SBATCH --([a-z-]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const [lo, hi] = directives['array']!.split('-').map(Number) as [number, number];
  const count = hi - lo + 1;
  // Slurm sets SLURM_ARRAY_TASK_MIN and _COUNT for every task of the array.
  checkShards(Array.from({ length: count }, (_, i) => ({ SLURM_ARRAY_TASK_ID: String(lo + i), SLURM_ARRAY_TASK_MIN: String(lo), SLURM_ARRAY_TASK_COUNT: String(count) })), count, 'slurm');
  const sweepLine = array.split('\n').find((l) => l.startsWith('npx xstorm sweep'))!;
  checkSweep(sweepLine, /^results\/shard-\$SLURM_ARRAY_TASK_ID$/, 'slurm shard');
  assert.match(array, /^set -euo pipefail$/m);
  const merge = read('deploy/slurm-merge.sh');
  checkMerge(merge.split('\n').find((l) => l.startsWith('npx xstorm merge'))!, Array.from({ length: count }, (_, i) => `results/shard-${lo + i}`), 'slurm merge');
  assert.match(read('deploy/README.md'), /sbatch --dependency=afterok:\$jid deploy\/slurm-merge\.sh/, 'the merge runs only after every task succeeded');
});

test('the Kubernetes image installs xstorm', () => {
  const dockerfile = read('deploy/Dockerfile');
  assert.match(dockerfile, /^RUN npm ci$/m);
  assert.match(dockerfile, /^WORKDIR \/xstorm$/m);
  const docs = parseAllDocuments(read('deploy/kubernetes-indexed-job.yml')).map((d) => d.toJS()) as Array<{ spec: { template: { spec: { containers: Array<{ workingDir: string }> } } } }>;
  for (const d of docs) assert.equal(d.spec.template.spec.containers[0]!.workingDir, '/xstorm');
});
