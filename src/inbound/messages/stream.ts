/** The Messages encoder (events.ts) over the internal stream, through the shared driver. */
import { encodeStream } from "../encode-stream";
import { type EncoderContext, messagesEncoder } from "./events";

export const messagesStream = (source: ReadableStream<Uint8Array>, ctx: EncoderContext): ReadableStream<Uint8Array> => encodeStream(source, messagesEncoder(ctx));
