/**
 * The xen-2009 fit reads the paper's §7.1 only, and finds the prices a
 * known model implies. The runner is a closed-form stand-in for the
 * simulated daemon (saturated, 4 requests per transaction, one store copy
 * per tdb attempt), so the expected prices are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyVariant, loadProfile, parseProfile } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { COPY_PRICE_RANGE, C_REQUEST_RATIO, FIT_VARIANTS, fitXen2009, secantOnInverse } from '../../runner/cost/fit-xen-2009.ts';
import type { P71Run } from '../../runner/cost/fit-xen-2009.ts';
import type { RunPlan } from '../../runner/types.ts';

/** Bytes a tdb attempt copies in the model, per layout. */
const COPY_BYTES = { flat: 40_000, home: 107_000 } as const;
/** Per-transaction costs outside the base and the copy (µs). */
const TRIE_EXTRA_US = 10;
const TDB_EXTRA_US = 50;

function modelRunner(plans: RunPlan[]) {
  return async (plan: RunPlan, profile: CostProfile): Promise<P71Run> => {
    plans.push(plan);
    const engine = plan.target.kind === 'engine' ? plan.target.engine : 'none';
    const costs = profile.engines[engine]!;
    const layout = plan.params['layout'] as 'flat' | 'home';
    const perAttemptUs = engine === 'tdb'
      ? 4 * costs.requestBaseUs + costs.counters['bytesCopied']! * COPY_BYTES[layout] + TDB_EXTRA_US
      : 4 * costs.requestBaseUs + TRIE_EXTRA_US;
    const attempts = (plan.durationS * 1e6) / perAttemptUs;
    // The model aborts 99 % of tdb attempts, like the 2009 daemon under a global generation.
    const commits = engine === 'tdb' ? attempts / 100 : attempts;
    return { scenario: plan.scenario, commits, eagain: attempts - commits, durationS: plan.durationS, abortRate: 1 - commits / attempts };
  };
}

test('the xen-2009 fit asks only for paper-7.1 runs and finds the prices of a known model', async () => {
  const plans: RunPlan[] = [];
  const start = loadProfile('xen-2009');
  const fitted = parseProfile(await fitXen2009(start, modelRunner(plans)));

  assert.ok(plans.length > 0);
  assert.deepEqual([...new Set(plans.map((p) => p.scenario))], ['paper-7.1']);
  assert.deepEqual([...new Set(plans.map((p) => p.guests))], [128]);

  const base = fitted.engines['trie']!.requestBaseUs;
  const exactBase = (1e6 / 700 - TRIE_EXTRA_US) / 4;
  assert.ok(Math.abs(base - exactBase) / exactBase < 0.003, `base ${base} vs ${exactBase}`);
  for (const kind of ['tdb', 'tdb-pernode', 'trie-replay']) assert.equal(fitted.engines[kind]!.requestBaseUs, base);

  // Central: 300 attempts/s on the flat store.
  const copyFor = (rate: number, tdbBase: number, bytes: number) => (1e6 / rate - 4 * tdbBase - TDB_EXTRA_US) / bytes;
  const central = fitted.engines['tdb']!.counters['bytesCopied']!;
  assert.ok(Math.abs(central - copyFor(300, base, COPY_BYTES.flat)) / central < 0.01, `central copy ${central}`);

  const variants = new Map(fitted.variants!.map((v) => [v.id, v]));
  assert.deepEqual([...variants.keys()], FIT_VARIANTS.filter((v) => v.id !== 'central').map((v) => v.id));
  const copyOf = (id: string) => variants.get(id)!.engines['tdb']!.counters!['bytesCopied']!;
  assert.ok(Math.abs(copyOf('copy-fast') - copyFor(350, base, COPY_BYTES.flat)) / copyOf('copy-fast') < 0.01);
  // 250 attempts/s needs more than the documented 20 MB/s: the fit stops at the range's end.
  assert.ok(copyFor(250, base, COPY_BYTES.flat) > COPY_PRICE_RANGE.max);
  assert.equal(copyOf('copy-slow'), COPY_PRICE_RANGE.max);
  const cBase = variants.get('c-request-path')!.engines['tdb']!.requestBaseUs!;
  assert.ok(Math.abs(cBase - base * C_REQUEST_RATIO) < 0.1);
  assert.ok(Math.abs(copyOf('home-layout') - copyFor(300, base, COPY_BYTES.home)) / copyOf('home-layout') < 0.01);

  const records = (fitted.fit!['bytesCopied'] as { id: string; atRangeBound: string | null }[]);
  assert.equal(records.find((r) => r.id === 'copy-slow')!.atRangeBound, 'max');
  assert.equal(records.find((r) => r.id === 'central')!.atRangeBound, null);
});

test('a variant profile carries its prices and its own name', () => {
  const profile = loadProfile('xen-2009');
  for (const variant of profile.variants!) {
    const applied = applyVariant(profile, variant.id);
    assert.equal(applied.name, `xen-2009~${variant.id}`);
    assert.equal(applied.variants, undefined);
    assert.equal(applied.engines['tdb']!.counters['bytesCopied'], variant.engines['tdb']!.counters!['bytesCopied']);
    assert.equal(applied.engines['tdb']!.requestBaseUs, variant.engines['tdb']!.requestBaseUs);
    assert.deepEqual(applied.engines['trie'], profile.engines['trie']);
    assert.deepEqual(loadProfile(`xen-2009~${variant.id}`), applied);
  }
  assert.throws(() => loadProfile('xen-2009~nosuch'), /no variant "nosuch" \(the profile has copy-fast, copy-slow, c-request-path, home-layout\)/);
});

test('the committed xen-2009 profile holds the fit of its own central reading', () => {
  const profile = loadProfile('xen-2009');
  const fit = profile.fit!;
  const central = (fit['bytesCopied'] as { id: string; bytesCopied: number; tdbRequestBaseUs: number }[]).find((r) => r.id === 'central')!;
  assert.equal(profile.engines['tdb']!.counters['bytesCopied'], central.bytesCopied);
  assert.equal(profile.engines['tdb']!.requestBaseUs, central.tdbRequestBaseUs);
  assert.equal(profile.engines['trie']!.requestBaseUs, (fit['requestBaseUs'] as { value: number }).value);
  assert.match(String(fit['neverUsed']), /§7\.3/);
});

test('secantOnInverse solves a rate whose inverse is linear, and stops at a bound it cannot pass', async () => {
  const rate = async (x: number) => 1 / (0.001 + 0.01 * x);
  const inside = await secantOnInverse(rate, 50, 1, { min: 0, max: 10 });
  assert.ok(Math.abs(inside.value - 1.9) < 0.01);
  assert.equal(inside.atBound, null);
  const beyond = await secantOnInverse(rate, 5, 1, { min: 0, max: 10 });
  assert.equal(beyond.value, 10);
  assert.equal(beyond.atBound, 'max');
});
