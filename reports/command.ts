/**
 * The command line a results file came from, as the user typed it:
 * `npm run bench:ci -- --out /tmp/r` or `npx xstorm sweep ...`, not
 * `/root/.npm/_npx/<hash>/node_modules/xstorm/bin/xstorm.js sweep ...`.
 * {@link userCommand} makes what `meta.command` records; {@link
 * displayCommand} shows any recorded command, older files included.
 */
import path from 'node:path';

/**
 * Whether an argument is the path of xstorm's launcher (`bin/xstorm.js`,
 * an npx or node_modules/.bin path): what `process.argv[1]` holds. A bare
 * `xstorm` is a command as typed already, and stays.
 */
function isLauncher(arg: string | undefined): boolean {
  return arg !== undefined && arg.includes('/') && /^(xstorm(\.js)?|cli\.ts)$/.test(path.basename(arg));
}

/** One argument quoted for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+^-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line the user typed, from this process's arguments
 * (`process.argv.slice(1)`: the launcher, then xstorm's arguments) and
 * npm's environment: under `npm run <script>` (npm sets
 * `npm_lifecycle_event` and `npm_lifecycle_script`) it is
 * `npm run <script>`, plus `-- <extra>` for arguments beyond the script's;
 * otherwise `npx xstorm <arguments>`. What `meta.command` should record.
 */
export function userCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const args = isLauncher(argv[0]) ? argv.slice(1) : undefined;
  const event = env.npm_lifecycle_event;
  const script = env.npm_lifecycle_script?.trim().split(/\s+/) ?? [];
  const launcherAt = script.findIndex(isLauncher);
  if (args && event && launcherAt >= 0) {
    const scriptArgs = script.slice(launcherAt + 1);
    if (scriptArgs.every((arg, i) => args[i] === arg)) {
      const extra = args.slice(scriptArgs.length);
      return ['npm', 'run', event, ...(extra.length ? ['--', ...extra] : [])];
    }
  }
  return args ? ['npx', 'xstorm', ...args] : [...argv];
}

/** A recorded command line as text to show: a launcher path becomes `npx xstorm`; arguments are shell-quoted. */
export function displayCommand(command: readonly string[]): string {
  const words = isLauncher(command[0]) ? ['npx', 'xstorm', ...command.slice(1)] : [...command];
  return words.map(shellQuote).join(' ');
}
