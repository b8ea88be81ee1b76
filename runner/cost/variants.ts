/**
 * Profile variants (see `ProfileVariantSchema`): a profile whose prices are
 * those of one end of one of its unknowns. The variant profile is named
 * `<profile>~<id>`, so its runs keep their own keys in results files.
 */
import { CostProfileError } from './schema.ts';
import type { CostProfile, ProfileVariant } from './schema.ts';

/** Separator between a profile's name and a variant id in a variant profile's name. */
export const VARIANT_SEPARATOR = '~';

/** The variant `id` of `profile`, or a clear error naming the ones it has. */
export function findVariant(profile: CostProfile, id: string): ProfileVariant {
  const variant = profile.variants?.find((v) => v.id === id);
  if (!variant) {
    const known = profile.variants?.map((v) => v.id).join(', ') || 'none';
    throw new CostProfileError(profile.name, [`variants: no variant "${id}" (the profile has ${known})`]);
  }
  return variant;
}

/**
 * `profile` with the prices of its variant `id` applied: engine
 * `requestBaseUs` and counter prices overridden, everything else kept; the
 * result carries no variants of its own.
 */
export function applyVariant(profile: CostProfile, id: string): CostProfile {
  const variant = findVariant(profile, id);
  const engines = { ...profile.engines };
  for (const [kind, override] of Object.entries(variant.engines)) {
    const base = engines[kind]!;
    engines[kind] = {
      ...base,
      ...(override.requestBaseUs !== undefined ? { requestBaseUs: override.requestBaseUs } : {}),
      counters: { ...base.counters, ...override.counters },
    };
  }
  const { variants: _variants, ...rest } = profile;
  return { ...rest, name: `${profile.name}${VARIANT_SEPARATOR}${variant.id}`, description: `${profile.description} Variant ${variant.id}: ${variant.label}`, engines };
}
