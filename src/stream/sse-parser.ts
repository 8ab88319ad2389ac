/**
 * Incremental SSE parsing (WHATWG event-stream rules) as a TransformStream from bytes to
 * events. Lines may be split anywhere across network chunks, end in \n, \r\n or \r (a
 * \r\n split between two chunks counts once), and comment lines such as
 * `: OPENROUTER PROCESSING` or keep-alives are dropped. Each chunk is scanned once: only
 * the unterminated tail is carried over.
 */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

export class SseParser {
  private tail = "";
  private skipLeadingLF = false;
  private event: string | undefined;
  private data: string[] = [];

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
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }

  private dispatch(emit: (e: SseEvent) => void): void {
    if (this.data.length > 0) emit({ event: this.event, data: this.data.join("\n") });
    this.data = [];
    this.event = undefined;
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
