/**
 * Incremental SSE parsing (WHATWG event-stream rules) as a TransformStream from bytes to
 * events. Lines may be split anywhere across network chunks, end in \n, \r\n or \r (a
 * \r\n split between two chunks counts once), and comment lines such as
 * `: OPENROUTER PROCESSING` or keep-alives are dropped. Each chunk is scanned once: only
 * the unterminated tail is carried over.
 *
 * One event (its unterminated line included) may hold at most MAX_SSE_EVENT_CHARS: an
 * upstream sending a 512 MB line without a newline, or endless `data:` lines without the
 * blank line that ends an event, would otherwise grow the tail until the isolate dies.
 * Past the cap `push` throws what `tooLarge` makes.
 */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The cap on one SSE event or line, in characters (about 1 MiB of text). */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

export class SseParser {
  private tail = "";
  private skipLeadingLF = false;
  private event: string | undefined;
  private data: string[] = [];
  private dataChars = 0;

  constructor(
    private readonly tooLarge: () => unknown = () => new RangeError(`an SSE event is larger than ${MAX_SSE_EVENT_CHARS} characters`),
    private readonly maxChars = MAX_SSE_EVENT_CHARS,
  ) {}

  /** Feeds decoded text; calls `emit` for each complete event. */
  push(text: string, emit: (e: SseEvent) => void): void {
    let start = 0;
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    const breaks = /\r\n?|\n/g;
    breaks.lastIndex = start;
    for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
      const line = this.tail + text.slice(start, m.index);
      this.tail = "";
      this.line(line, emit);
      start = m.index + m[0].length;
      // A \r ending this chunk may be the first half of a \r\n.
      if (m[0] === "\r" && start === text.length) this.skipLeadingLF = true;
    }
    if (start < text.length) this.tail += text.slice(start);
    if (this.tail.length + this.dataChars > this.maxChars) throw this.tooLarge();
  }

  /** End of stream: a final event without its blank line still counts. */
  end(emit: (e: SseEvent) => void): void {
    if (this.tail) this.line(this.tail, emit);
    this.tail = "";
    this.dispatch(emit);
  }

  private line(line: string, emit: (e: SseEvent) => void): void {
    if (line === "") return this.dispatch(emit);
    if (line.charCodeAt(0) === 58 /* ":" */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") {
      this.data.push(value);
      this.dataChars += value.length + 1;
      if (this.dataChars > this.maxChars) throw this.tooLarge();
    } else if (field === "event") this.event = value;
  }

  private dispatch(emit: (e: SseEvent) => void): void {
    const data = this.data;
    const event = this.event;
    this.data = [];
    this.dataChars = 0;
    this.event = undefined;
    if (data.length > 0) emit({ event, data: data.join("\n") });
  }
}

/** Bytes in, SSE events out. */
export function sseEventStream(): TransformStream<Uint8Array, SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  return new TransformStream({
    transform(chunk, controller) {
      parser.push(decoder.decode(chunk, { stream: true }), (e) => controller.enqueue(e));
    },
    flush(controller) {
      parser.push(decoder.decode(), (e) => controller.enqueue(e));
      parser.end((e) => controller.enqueue(e));
    },
  });
}
