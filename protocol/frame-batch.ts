/**
 * Replies encoded back to back into one growing buffer and handed to the
 * transport as one view: what the daemon's hosts (the socket host, the
 * ring thread) do with the replies of a batch, without a frame object per
 * reply or a gather copy at the write.
 */
import * as codec from './codec.ts';

// Module constants, not imported bindings, on the hot path (see daemon/daemon.ts).
const { encodeFrameInto, frameLength } = codec;

/** A batch of encoded frames. */
export class FrameBatch {
  #out: Uint8Array;
  #len = 0;
  readonly #initial: number;

  /** `initial`: the buffer's first size; it doubles when a batch needs more. */
  constructor(initial: number) {
    this.#initial = initial;
    this.#out = new Uint8Array(initial);
  }

  /** Bytes in the batch. */
  get length(): number {
    return this.#len;
  }

  /** Encodes one frame at the end of the batch (throws `ProtocolError('oversize')` like the codec). */
  append(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    const need = this.#len + frameLength(payload.length);
    if (need > this.#out.length) {
      const bigger = new Uint8Array(Math.max(need, this.#out.length * 2));
      bigger.set(this.#out.subarray(0, this.#len));
      this.#out = bigger;
    }
    this.#len = encodeFrameInto(this.#out, this.#len, type, reqId, txId, payload);
  }

  /** The batch's bytes as a view of the buffer; the batch is empty afterwards. */
  take(): Uint8Array {
    const view = this.#out.subarray(0, this.#len);
    this.#len = 0;
    return view;
  }

  /**
   * The view from the last {@link take} is still being read (a transport
   * kept it because the peer had no room yet): later frames go into a
   * fresh buffer rather than overwrite it.
   */
  release(): void {
    this.#out = new Uint8Array(this.#initial);
  }
}
