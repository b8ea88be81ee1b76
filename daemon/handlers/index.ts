/**
 * The handler table: request type → handler. A type without one (unknown
 * types, and WATCH_EVENT/ERROR sent to the daemon) is `ENOSYS`, as both
 * real daemons answer.
 */
import { XsType } from '../../protocol/wire.ts';
import { handleControl } from './control.ts';
import { handleGetDomainPath, handleIntroduce, handleIsDomainIntroduced, handleRelease, handleResume, handleSetTarget } from './domains.ts';
import {
  handleDirectory,
  handleDirectoryPart,
  handleGetPerms,
  handleMkdir,
  handleRead,
  handleRm,
  handleSetPerms,
  handleWrite,
} from './nodes.ts';
import { handleTransactionEnd, handleTransactionStart } from './transactions.ts';
import type { Handler } from './types.ts';
import { handleResetWatches, handleUnwatch, handleWatch } from './watches.ts';

export type { Handler } from './types.ts';
export { abortAllTransactions } from './transactions.ts';
export { dropAllWatches } from './watches.ts';

/** Size of {@link HANDLERS}: request types are small numbers (xs_wire.h). */
export const HANDLER_TABLE_SIZE = 32;

function buildTable(): readonly (Handler | undefined)[] {
  const table: (Handler | undefined)[] = new Array<Handler | undefined>(HANDLER_TABLE_SIZE).fill(undefined);
  const set = (type: number, h: Handler): void => {
    table[type] = h;
  };
  set(XsType.READ, handleRead);
  set(XsType.WRITE, handleWrite);
  set(XsType.MKDIR, handleMkdir);
  set(XsType.RM, handleRm);
  set(XsType.DIRECTORY, handleDirectory);
  set(XsType.DIRECTORY_PART, handleDirectoryPart);
  set(XsType.GET_PERMS, handleGetPerms);
  set(XsType.SET_PERMS, handleSetPerms);
  set(XsType.TRANSACTION_START, handleTransactionStart);
  set(XsType.TRANSACTION_END, handleTransactionEnd);
  set(XsType.WATCH, handleWatch);
  set(XsType.UNWATCH, handleUnwatch);
  set(XsType.RESET_WATCHES, handleResetWatches);
  set(XsType.INTRODUCE, handleIntroduce);
  set(XsType.RELEASE, handleRelease);
  set(XsType.GET_DOMAIN_PATH, handleGetDomainPath);
  set(XsType.IS_DOMAIN_INTRODUCED, handleIsDomainIntroduced);
  set(XsType.RESUME, handleResume);
  set(XsType.SET_TARGET, handleSetTarget);
  set(XsType.CONTROL, handleControl);
  return table;
}

/** Handlers indexed by request type (`undefined`: `ENOSYS`). */
export const HANDLERS: readonly (Handler | undefined)[] = buildTable();
