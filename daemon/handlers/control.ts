/** CONTROL (dom0 only): `print <text>` logs the text, `help` lists the commands; anything else is `EINVAL`. */
import { XsError } from '../../engines/common/errors.ts';
import { encodeStrings, okPayload } from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { strings } from '../args.ts';
import type { Connection } from '../connection.ts';
import type { DaemonCore } from '../core.ts';

const HELP = encodeStrings('print <text>\nhelp');

export function handleControl(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  core.requirePrivileged(c);
  const args = strings(msg.payload, 1, 64);
  if (args[0] === 'print') {
    core.log.write('control', 'info', core.nowMs, `control: ${args.slice(1).join(' ')}`);
    return okPayload;
  }
  if (args[0] === 'help') return HELP;
  throw new XsError('EINVAL', `unknown control command ${JSON.stringify(args[0]!.slice(0, 32))}`);
}
