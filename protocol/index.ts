/**
 * protocol/: the xenstore wire (xs_wire.h) — codec, ring and Unix-socket
 * transports, and the async client. This file is the folder's public face.
 */
export * from './wire.ts';
export type * from './types.ts';
export {
  ProtocolError,
  type ProtocolErrorReason,
  MessageDecoder,
  encodeMessage,
  encodeFrame,
  splitStrings,
  encodeStrings,
  encodePathValue,
  parsePathValue,
  parseErrorPayload,
  okPayload,
  errorPayload,
  watchEventPayload,
  latin1ToBytes,
  bytesToLatin1,
  xsTypeName,
} from './codec.ts';
export {
  type RingEndpoint,
  RING_PAGE_SIZE,
  createDaemonBell,
  createClientBell,
  createRingEndpoint,
  ringBell,
  RingClientTransport,
  RingServerPort,
} from './ring.ts';
export {
  type SocketServerConnection,
  type UnixSocketServer,
  connectUnixSocket,
  listenUnixSocket,
  defaultSocketPath,
} from './socket.ts';
export { type XsClientOptions, XsClient, createXsClient, wallClock } from './client.ts';
export { type PipePair, createPipe } from './pipe.ts';
