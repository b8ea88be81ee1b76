/**
 * Progress on stderr: plain lines with elapsed time and ETA every few
 * seconds when stderr is not a terminal (a CI log, a pipe), a bar with ETA
 * on a terminal.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { estimateRemainingMs, formatDuration, progressLine, PROGRESS_LINE_INTERVAL_MS, startProgress } from '../../bin/progress.ts';
import { runCli } from './cli.ts';

/** A stream that keeps what is written; `isTTY` as asked. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => text;
  return stream;
}

test('durations, ETA and the plain line', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(59_400), '0:59');
  assert.equal(formatDuration(61_000), '1:01');
  assert.equal(formatDuration(3_725_000), '1:02:05');
  assert.equal(estimateRemainingMs(10_000, 0), null, 'nothing done: no estimate');
  assert.equal(estimateRemainingMs(10_000, 0.25), 30_000);
  assert.equal(estimateRemainingMs(10_000, 1), 0);
  assert.equal(progressLine('bench', 51_000, 0.34, '§7.3 tdb'), 'xstorm bench: 34% | 0:51 elapsed | ETA 1:39 | §7.3 tdb');
  assert.equal(progressLine('run', 0, 0, ''), 'xstorm run: 0% | 0:00 elapsed | ETA ?');
});

test('not a terminal: a line when work starts, then one every interval, and "done"', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  try {
    const stream = sink(false);
    const progress = startProgress({ label: 'bench', stream });
    assert.equal(stream.text(), '', 'nothing before the first update');
    progress.update(0, 'starting');
    mock.timers.tick(2_000);
    progress.update(0.1, 'run 1');
    mock.timers.tick(PROGRESS_LINE_INTERVAL_MS - 2_000);
    progress.update(0.25, 'run 2');
    mock.timers.tick(PROGRESS_LINE_INTERVAL_MS);
    progress.update(0.5, 'run 3');
    mock.timers.tick(PROGRESS_LINE_INTERVAL_MS);
    progress.stop(true);
    mock.timers.tick(PROGRESS_LINE_INTERVAL_MS * 3);
    assert.deepEqual(stream.text().split('\n'), [
      'xstorm bench: 0% | 0:00 elapsed | ETA ? | starting',
      'xstorm bench: 10% | 0:05 elapsed | ETA 0:45 | run 1',
      'xstorm bench: 25% | 0:10 elapsed | ETA 0:30 | run 2',
      'xstorm bench: 50% | 0:15 elapsed | ETA 0:15 | run 3',
      'xstorm bench: done in 0:15',
      '',
    ]);
  } finally {
    mock.timers.reset();
  }
});

test('a terminal: a cli-progress bar with elapsed time and ETA, cleared at the end', () => {
  const stream = sink(true);
  const progress = startProgress({ label: 'sweep', stream });
  progress.update(0.5, '2/4 short-txn trie g2');
  progress.stop(true);
  const text = stream.text();
  assert.match(text, /sweep \[[█░]{30}\] \d+% \| \d+s elapsed \| ETA [^|]+ \| /);
  assert.match(text, /\u001b\[2K/, 'the line is cleared when done');
});

test('xstorm run piped: progress lines on stderr (it used to print none but a label)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-progress-'));
  const outcome = await runCli(['run', '--scenario', 'short-txn', '--driver', 'sim', '--guests', '1', '--duration', '0.2', '--out', join(dir, 'out')], { timeoutMs: 30000 });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(outcome.status, 0, outcome.stderr);
  assert.match(outcome.stderr, /^xstorm run: 0% \| 0:00 elapsed \| ETA \? \| 1\/1 short-txn trie g1$/m);
  assert.match(outcome.stderr, /^xstorm run: done in \d+:\d\d$/m);
});
