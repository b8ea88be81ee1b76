/** Declarations of compile-cache.js (plain JavaScript: it runs before tsx is loaded). */

/** Where compiled modules and the manifest are kept (inside the repository). */
export declare const CACHE_DIR: string;

/** The folders compiled (tests and bench scripts run through tsx). */
export declare const SOURCE_DIRS: readonly string[];

/** Options of {@link compiledEntry}. */
export interface CacheOptions {
  /** The project whose source folders are compiled (default: the repository). */
  readonly root?: string;
  /** Where compiled modules are kept (default {@link CACHE_DIR}); package imports resolve from there. */
  readonly cacheDir?: string;
  /** Folders of `root` compiled (default {@link SOURCE_DIRS}). */
  readonly sourceDirs?: readonly string[];
}

/** The file: URL of `entry`'s compiled twin, compiling what changed; null to load `entry` through tsx. */
export declare function compiledEntry(entry: string, options?: CacheOptions): Promise<string | null>;

/** Imports `entry`'s compiled twin, or `entry` itself through tsx (always so with `compiled: false`). */
export declare function importEntry(entry: string, options?: { readonly compiled?: boolean }): Promise<unknown>;
