/**
 * table.tex compiles as it is: `\input` into a two-column paper that loads
 * booktabs, with pdflatex, no error; and when the paper also loads
 * graphicx, no table is wider than the text.
 * Skips with a printed reason when no pdflatex is installed (Debian:
 * `apt-get install -y texlive-latex-base texlive-latex-recommended`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { escapeLatex, labelSources, toLatex, type ResultsFile } from '../../reports/index.ts';
import { benchFixture, realFixture, sweepFixture } from './fixtures.ts';

const pdflatex = spawnSync('pdflatex', ['--version'], { encoding: 'utf8' });
const skip = pdflatex.status === 0 ? false : 'no pdflatex installed (apt-get install -y texlive-latex-base texlive-latex-recommended)';
if (skip) console.log(`# skipping the LaTeX compile test: ${skip}`);

/** Compiles a two-column paper that loads `packages` and inputs `tex`; returns pdflatex's exit status and log. */
async function compile(tex: string, packages: readonly string[]): Promise<{ status: number | null; log: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-tex-'));
  try {
    await writeFile(path.join(dir, 'table.tex'), tex);
    await writeFile(path.join(dir, 'paper.tex'), `\\documentclass[twocolumn]{article}\n${packages.map((p) => `\\usepackage{${p}}\n`).join('')}\\begin{document}\n\\input{table.tex}\n\\end{document}\n`);
    const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'paper.tex'], { cwd: dir, encoding: 'utf8' });
    return { status: run.status, log: run.stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const cases: Array<[string, () => ResultsFile[]]> = [
  ['a bench', () => [benchFixture()]],
  ['a sweep', () => [sweepFixture()]],
  ['two files compared, with a socket target', () => [realFixture(), { ...sweepFixture(), runs: sweepFixture().runs.map((run) => ({ ...run, engine: run.engine === 'tdb' ? 'socket:my_xenstored' : run.engine })) }]],
];

for (const [name, files] of cases) {
  test(`table.tex of ${name} compiles in a two-column paper with booktabs, and fits with graphicx`, { skip }, async () => {
    const tex = toLatex(labelSources(files()));
    const bare = await compile(tex, ['booktabs']);
    assert.equal(bare.status, 0, bare.log.split('\n').filter((line) => line.startsWith('!')).join('\n'));
    const scaled = await compile(tex, ['booktabs', 'graphicx']);
    assert.equal(scaled.status, 0);
    assert.doesNotMatch(scaled.log, /Overfull \\hbox/);
  });
}

test('LaTeX escaping covers the signs the tables use', () => {
  assert.equal(escapeLatex('≥ 160 · µs/byte × 2 ≈ 3 → < > | …'), '$\\geq$ 160 $\\cdot$ \\textmu{}s/byte $\\times$ 2 $\\approx$ 3 $\\rightarrow$ \\textless{} \\textgreater{} \\textbar{} \\ldots{}');
});
