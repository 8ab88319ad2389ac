/**
 * How a stream the proxy must inspect is handed to the client: a JavaScript loop writing
 * into an IdentityTransformStream, whose readable side the runtime drains natively. It
 * costs less CPU per event than a pull-based ReadableStream (bench/README.md), and a
 * small queue lets the next upstream read start while the client takes the last write,
 * instead of a round trip per event. Backpressure stays: a write waits while the queue
 * holds QUEUE_BYTES, so a client that does not read holds that much, never a backlog.
 */
const QUEUE_BYTES = 16 * 1024;

export class ClientWriter {
  readonly readable: ReadableStream<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<ArrayBuffer | ArrayBufferView>;
  /** Set once the client has left (the readable side was cancelled). */
  gone = false;

  /** `onGone` runs once when the client leaves, even while nothing is being written. */
  constructor(onGone: (reason: unknown) => void) {
    const { readable, writable } = new IdentityTransformStream({ highWaterMark: QUEUE_BYTES });
    this.readable = readable;
    this.writer = writable.getWriter();
    this.writer.closed.catch((reason: unknown) => {
      if (this.gone) return;
      this.gone = true;
      onGone(reason);
    });
  }

  /** Queues bytes; resolves when there is room for more. A client that left is not an error here: `onGone` tells. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.gone) return;
    this.writer.write(bytes).catch(() => undefined);
    await this.writer.ready.catch(() => undefined);
  }

  async close(): Promise<void> {
    if (!this.gone) await this.writer.close().catch(() => undefined);
  }

  /** Ends the client's stream as failed (a fault of ours, never an upstream's: those end with an error event). */
  abort(reason: unknown): void {
    this.writer.abort(reason).catch(() => undefined);
  }
}
