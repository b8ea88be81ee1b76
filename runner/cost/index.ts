/**
 * runner/cost/: cost profiles (what a request costs the simulated daemon,
 * per engine counter) and the pricing model. See README.md beside this file.
 */
export { CostProfileSchema, CostProfileError, PROFILE_VERSION, parseProfile, engineCosts } from './schema.ts';
export type { CostProfile, EngineCosts, ProfileVariant } from './schema.ts';
export { applyVariant, findVariant, VARIANT_SEPARATOR } from './variants.ts';
export { CostModel } from './model.ts';
export { loadProfile, readProfileFile, writeProfileFile, builtinProfileNames, profileCacheDir, BUILTIN_PROFILE_DIR } from './load.ts';
