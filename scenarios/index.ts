/**
 * Public face of scenarios/: the built-in workloads and parameter parsing.
 */
import type { AnyScenario } from './types.ts';
import { shortTxn } from './short-txn.ts';
import { paper71 } from './paper-7-1.ts';
import { paper73 } from './paper-7-3.ts';
import { bootStorm } from './boot-storm.ts';
import { agentChatter } from './agent-chatter.ts';
import { readMostly } from './read-mostly.ts';
import { watchStorm } from './watch-storm.ts';
import { bigStore } from './big-store.ts';

export type * from './types.ts';
export { validateParams, parseAssignments, defaultParams, ScenarioParamsError } from './params.ts';
export { shortTxn, paper71, paper73, bootStorm, agentChatter, readMostly, watchStorm, bigStore };

/** Every built-in scenario, in presentation order. */
export const SCENARIOS: readonly AnyScenario[] = [shortTxn, paper71, paper73, bootStorm, agentChatter, readMostly, watchStorm, bigStore];

/** Names of the built-in scenarios. */
export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);

/** The scenario called `name`, or undefined. */
export function findScenario(name: string): AnyScenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** The scenario called `name`; throws a RangeError naming the known ones otherwise. */
export function getScenario(name: string): AnyScenario {
  const scenario = findScenario(name);
  if (!scenario) throw new RangeError(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIO_NAMES.join(', ')}`);
  return scenario;
}

/** Run length (s) of a scenario when the user gives none. */
export function defaultDuration(scenario: AnyScenario, params: Readonly<Record<string, unknown>>): number {
  return scenario.durationS ? scenario.durationS(params) : scenario.defaultDurationS;
}
