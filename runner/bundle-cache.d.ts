/** Declarations of bundle-cache.js (plain JavaScript: it runs before tsx is loaded). */

/** Where bundles and their manifests are kept (inside the repository). */
export declare const CACHE_DIR: string;

/** Options of {@link bundledEntry}. */
export interface CacheOptions {
  /** Only .ts entries under it are bundled, and only its .ts files into a bundle (default: the repository). */
  readonly root?: string;
  /** Where bundles are kept (default {@link CACHE_DIR}); package imports resolve from there. */
  readonly cacheDir?: string;
}

/** The file: URL of an up-to-date bundle of `entry`, building it if needed; null to load `entry` through tsx. */
export declare function bundledEntry(entry: string, options?: CacheOptions): Promise<string | null>;

/** Imports `entry`'s bundle, or `entry` through tsx (always with `bundle: false`). */
export declare function importEntry(entry: string, options?: { readonly bundle?: boolean }): Promise<unknown>;
