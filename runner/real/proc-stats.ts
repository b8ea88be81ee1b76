/**
 * CPU time and memory of an external daemon process (socket targets), from
 * /proc on Linux. The daemon is found through a `daemon.pid` file beside
 * its socket (what ../shared/realxs start.sh writes); without one, the
 * figures stay null.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** CPU ms (user + system) and resident bytes of a process, or null when unreadable. */
export function readProcStats(pid: number): { cpuMs: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14), stime (15)
    const rssPages = Number(fields[21]); // rss (24)
    // USER_HZ is 100 on every Linux ABI Node supports.
    return { cpuMs: ticks * 10, rssBytes: rssPages * 4096 };
  } catch {
    return null;
  }
}

/** The pid in `daemon.pid` beside a socket, if any. */
export function daemonPidForSocket(socketPath: string): number | null {
  try {
    const pid = Number(readFileSync(join(dirname(socketPath), 'daemon.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
