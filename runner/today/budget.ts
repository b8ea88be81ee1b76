/**
 * The time budget of `xstorm bench --today`: each phase gets a share of
 * the whole (what a phase leaves unused passes to the next), and within a
 * phase a series of growing domain counts stops at the first count whose
 * predicted wall time does not fit what is left. A prediction extends the
 * series' measured wall times as a power law of the domain count (the
 * exponent from its last two points, kept within [the series' own
 * exponent, 3]; from one point, the series' own: 2 for boot storms, which
 * do at least quadratic work — small N underestimate it, as fixed costs
 * still weigh there). The clock is injected.
 */

/** A measured cost: wall seconds spent on a cell at `n` domains. */
export interface CostPoint {
  readonly n: number;
  readonly wallS: number;
}

/** Exponent assumed from a single point: a boot storm's work grows like N². */
export const DEFAULT_COST_EXPONENT = 2;

/**
 * Predicted wall seconds at `n` from the points measured so far (any order),
 * or null with none (nothing to go on: the first cell of a series always
 * runs). `seriesExponent` is used while there is a single point, and is
 * the least exponent assumed after.
 */
export function predictWallS(points: readonly CostPoint[], n: number, seriesExponent = DEFAULT_COST_EXPONENT): number | null {
  const sorted = [...points].filter((p) => p.n > 0 && p.wallS > 0).sort((a, b) => a.n - b.n);
  const last = sorted.at(-1);
  if (!last) return null;
  const before = sorted.at(-2);
  let exponent = seriesExponent;
  if (before && before.n < last.n) exponent = Math.log(last.wallS / before.wallS) / Math.log(last.n / before.n);
  exponent = Math.min(3, Math.max(seriesExponent, exponent));
  return last.wallS * (n / last.n) ** exponent;
}

/** Why a series stopped before its largest domain count. */
export interface Stop {
  readonly phase: string;
  readonly series: string;
  /** Largest domain count run (null: none). */
  readonly reachedN: number | null;
  /** The count that did not fit. */
  readonly skippedN: number;
  readonly predictedS: number;
  readonly leftS: number;
}

/** One line per stop, for the console and the report. */
export function describeStop(stop: Stop): string {
  return `${stop.phase}: ${stop.series} stops at ${stop.reachedN === null ? 'nothing' : `N = ${stop.reachedN}`}: `
    + `N = ${stop.skippedN} would take about ${stop.predictedS.toFixed(0)} s, ${stop.leftS.toFixed(0)} s of the budget left`;
}

/** A phase's share of the budget. */
export interface PhaseShare {
  readonly phase: string;
  readonly share: number;
}

/** What a phase got and used. */
export interface PhaseAccount {
  readonly phase: string;
  readonly budgetS: number;
  readonly usedS: number;
}

/**
 * The budget: `totalS` wall seconds split over phases by share. A phase's
 * allowance is its share plus whatever earlier phases left unused.
 */
export class Budget {
  readonly totalS: number;
  readonly #now: () => number;
  readonly #shares: ReadonlyMap<string, number>;
  readonly #accounts: PhaseAccount[] = [];
  readonly #stops: Stop[] = [];
  #carryS = 0;
  #phase: { name: string; allowanceS: number; startS: number } | undefined;

  /** `now` returns seconds (monotonic); shares need not sum to 1 (they are normalised). */
  constructor(totalS: number, shares: readonly PhaseShare[], now: () => number) {
    const sum = shares.reduce((t, s) => t + s.share, 0);
    this.totalS = totalS;
    this.#now = now;
    this.#shares = new Map(shares.map((s) => [s.phase, sum > 0 ? s.share / sum : 0]));
  }

  /** Starts a phase (ending the current one). */
  begin(phase: string): void {
    this.end();
    const share = this.#shares.get(phase);
    if (share === undefined) throw new Error(`budget: unknown phase ${phase}`);
    this.#phase = { name: phase, allowanceS: share * this.totalS + this.#carryS, startS: this.#now() };
  }

  /** Seconds left in the current phase (0 outside one). */
  leftS(): number {
    if (!this.#phase) return 0;
    return Math.max(0, this.#phase.allowanceS - (this.#now() - this.#phase.startS));
  }

  /**
   * Whether a cell predicted to take `predictedS` (null: unknown, it runs)
   * fits; when it does not, the stop is recorded and described.
   */
  fits(series: string, reachedN: number | null, nextN: number, predictedS: number | null): boolean {
    if (predictedS === null) return true;
    const leftS = this.leftS();
    if (predictedS <= leftS) return true;
    this.#stops.push({ phase: this.#phase?.name ?? '(none)', series, reachedN, skippedN: nextN, predictedS, leftS });
    return false;
  }

  /** Ends the current phase; its unused allowance carries over. */
  end(): void {
    if (!this.#phase) return;
    const usedS = this.#now() - this.#phase.startS;
    this.#accounts.push({ phase: this.#phase.name, budgetS: this.#phase.allowanceS, usedS });
    this.#carryS = Math.max(0, this.#phase.allowanceS - usedS);
    this.#phase = undefined;
  }

  get accounts(): readonly PhaseAccount[] {
    return this.#accounts;
  }

  get stops(): readonly Stop[] {
    return this.#stops;
  }
}
