/** results.json read/write: validation messages, schema versions, atomic writes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ResultsFileError, SCHEMA_VERSION, parseResultsFile, readResultsFile, serializeResultsFile, writeResultsFile, type ResultsFile,
} from '../../reports/index.ts';
import { smallFixture, sweepFixture } from './fixtures.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'xstorm-io-'));
}

test('write then read round-trips the file exactly', async () => {
  const dir = await tempDir();
  try {
    const file = sweepFixture();
    const written = await writeResultsFile(dir, file);
    assert.equal(written, path.join(dir, 'results.json'));
    assert.deepEqual(await readResultsFile(dir), file);
    assert.deepEqual(await readResultsFile(written), file);
    assert.equal(await readFile(written, 'utf8'), `${JSON.stringify(file, null, 2)}\n`);
    assert.deepEqual(await readdir(dir), ['results.json'], 'no temporary file is left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an invalid file is rejected with its path and the first problems, and nothing is written', async () => {
  const dir = await tempDir();
  try {
    const file = smallFixture();
    const bad = structuredClone(file) as unknown as { runs: Array<Record<string, unknown>>; meta: Record<string, unknown> };
    bad.runs[0]!.abortRate = 1.5;
    bad.runs[1]!.guests = -1;
    delete bad.meta.node;
    bad.runs[0]!.surprise = true;
    await assert.rejects(writeResultsFile(dir, bad as unknown as ResultsFile), (error: unknown) => {
      assert.ok(error instanceof ResultsFileError);
      assert.equal(error.problems.length, 4);
      assert.match(error.message, new RegExp(`^${path.join(dir, 'results.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid results file \\(schema v1\\): `));
      assert.match(error.message, /meta\.node: /);
      assert.match(error.message, /runs\[0\]\.abortRate: Too big/);
      assert.match(error.message, /runs\[0\]: Unrecognized key: "surprise"/);
      assert.match(error.message, /runs\[1\]\.guests: Too small/);
      return true;
    });
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('long problem lists are cut after four with a count', () => {
  const file = structuredClone(sweepFixture()) as unknown as { runs: Array<Record<string, unknown>> };
  for (const run of file.runs.slice(0, 6)) run.goodput = -1;
  assert.throws(() => parseResultsFile(file, 'x.json'), (error: unknown) => {
    assert.ok(error instanceof ResultsFileError);
    assert.equal(error.problems.length, 6);
    assert.match(error.message, /; and 2 more$/);
    assert.equal(error.message.split('runs[').length - 1, 4);
    return true;
  });
});

test('a newer schema version is rejected, naming both versions', () => {
  const file = { ...smallFixture(), schemaVersion: 2 };
  assert.throws(() => parseResultsFile(file, 'new.json'), {
    name: 'ResultsFileError',
    message: 'new.json: results schema v2 was written by a newer xstorm; this xstorm reads schema v1 and older: upgrade xstorm to read it',
  });
});

test('an older schema version without a migration is rejected with a clear message', () => {
  const file = { ...smallFixture(), schemaVersion: 0 };
  assert.throws(() => parseResultsFile(file, 'old.json'), {
    message: 'old.json: results schema v0 is no longer supported (this xstorm reads schema v1, no migration from v0): regenerate the results with this xstorm',
  });
});

test('an older schema version is read through the migration table', () => {
  // A pretend v0 that called goodput "commitsPerSecond".
  const current = smallFixture();
  const v0 = { ...current, schemaVersion: 0, runs: current.runs.map(({ goodput, ...rest }) => ({ ...rest, commitsPerSecond: goodput })) };
  const migrations = {
    0: (file: Record<string, unknown>) => ({
      ...file,
      schemaVersion: 1,
      runs: (file.runs as Array<Record<string, unknown>>).map(({ commitsPerSecond, ...rest }) => ({ ...rest, goodput: commitsPerSecond })),
    }),
  };
  assert.equal(SCHEMA_VERSION, 1);
  assert.equal(serializeResultsFile(parseResultsFile(v0, 'v0.json', { migrations })), serializeResultsFile(current));
});

test('files that are not results files say so', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(readResultsFile(dir), { message: `${path.join(dir, 'results.json')}: no such results file` });
    await writeFile(path.join(dir, 'results.json'), '{"runs": [');
    await assert.rejects(readResultsFile(dir), /results\.json: not valid JSON/);
    await writeFile(path.join(dir, 'results.json'), '{"runs": []}');
    await assert.rejects(readResultsFile(dir), /results\.json: not an xstorm results file \(no schemaVersion\)$/);
    await writeFile(path.join(dir, 'results.json'), '[1]');
    await assert.rejects(readResultsFile(dir), /expected a JSON object/);
    assert.throws(() => parseResultsFile({ ...smallFixture(), schemaVersion: '1' }, 's.json'), { message: 's.json: schemaVersion must be an integer, got "1"' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('duplicate run keys are rejected', () => {
  const file = smallFixture();
  file.runs[1] = { ...file.runs[1]!, key: file.runs[0]!.key };
  assert.throws(() => parseResultsFile(file, 'dup.json'), { message: `dup.json: invalid results file: runs: duplicate key ${file.runs[0]!.key}` });
});
