/** Short names for chart series: engines, targets and cost profiles. */

/** `cxenstored (socket)` for a socket target, else the engine kind. */
export function engineLabel(engine: string): string {
  return engine.startsWith('socket:') ? `${engine.slice('socket:'.length)} (socket)` : engine;
}

/**
 * Short names of cost profiles for labels: a `calibrated-<host>` profile
 * is `calibrated` when it is the only calibrated one.
 */
export function profileLabels(profiles: ReadonlyArray<string | null>): Map<string, string> {
  const named = [...new Set(profiles.filter((p): p is string => p !== null))];
  const calibrated = named.filter((p) => p.startsWith('calibrated-'));
  return new Map(named.map((p) => [p, calibrated.length === 1 && p === calibrated[0] ? 'calibrated' : p]));
}
