import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError } from "../errors";
import { dataUrl, decodeBase64, encodeBase64, imageFromBase64, imageFromDataUrl, sniffImageType, toImage } from "./image-bytes";

const bytes = (...parts: Array<number[] | string>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
const pad = (n: number) => new Array<number>(n).fill(0);

// Minimal files of each kind: the right signature, a body, and the right ending.
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pad(80), "IEND", [0xae, 0x42, 0x60, 0x82]);
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0], pad(80), [0xff, 0xd9]);
const GIF = bytes("GIF89a", pad(80), [0x3b]);
const webp = (declared: number) => bytes("RIFF", [declared & 0xff, declared >> 8, 0, 0], "WEBP", pad(80));
const WEBP = webp(84);

function badResponse(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    return (err as Error).message;
  }
  throw new Error("expected UpstreamBadResponseError");
}

describe("sniffImageType", () => {
  it.each([
    [PNG, "image/png"],
    [JPEG, "image/jpeg"],
    [GIF, "image/gif"],
    [WEBP, "image/webp"],
    [bytes('{"error":"overloaded"}'), undefined],
  ])("reads the type from the signature (%#)", (file, type) => {
    expect(sniffImageType(file)).toBe(type);
  });
});

describe("toImage", () => {
  it("takes the media type from the bytes", () => {
    expect(toImage("p", JPEG)).toEqual({ bytes: JPEG, mimeType: "image/jpeg" });
    expect(toImage("p", WEBP, "revised").revisedPrompt).toBe("revised");
  });

  it("refuses JSON, stubs and cut-off files as the provider's failure", () => {
    expect(badResponse(() => toImage("p", bytes('{"error":"overloaded"}')))).toContain("not a PNG, JPEG, WebP or GIF");
    expect(badResponse(() => toImage("p", new Uint8Array(0)))).toContain("an empty image");
    expect(badResponse(() => toImage("p", PNG.subarray(0, 40)))).toContain("only 40 bytes");
    expect(badResponse(() => toImage("p", PNG.subarray(0, PNG.length - 8)))).toContain("truncated PNG");
    expect(badResponse(() => toImage("p", JPEG.subarray(0, JPEG.length - 2)))).toContain("truncated JPEG");
    expect(badResponse(() => toImage("p", GIF.subarray(0, GIF.length - 1)))).toContain("truncated GIF");
    expect(badResponse(() => toImage("p", webp(4000)))).toContain("truncated WEBP");
  });
});

describe("base64 and data URLs", () => {
  it("round-trips, including URL-safe alphabets and line breaks", () => {
    const text = encodeBase64(JPEG);
    expect(decodeBase64(text)).toEqual(JPEG);
    const urlSafe = encodeBase64(bytes([0xfb, 0xff, 0xbf], pad(3))).replace(/\+/g, "-").replace(/\//g, "_");
    expect(decodeBase64(urlSafe)).toEqual(bytes([0xfb, 0xff, 0xbf], pad(3)));
    expect(decodeBase64(`${text.slice(0, 10)}\n${text.slice(10)}`)).toEqual(JPEG);
    expect(decodeBase64("not base64!")).toBeUndefined();
  });

  it("encodes megabytes without overflowing the stack", () => {
    const big = new Uint8Array(1024 * 1024).fill(7);
    expect(decodeBase64(encodeBase64(big))?.length).toBe(big.length);
  });

  it("reads images from base64 and data URLs, refusing anything else", () => {
    expect(imageFromBase64("p", encodeBase64(PNG)).mimeType).toBe("image/png");
    expect(badResponse(() => imageFromBase64("p", 42))).toContain("not a string");
    const url = dataUrl(toImage("p", PNG));
    expect(url.startsWith("data:image/png;base64,iVBORw0KGgo")).toBe(true);
    expect(imageFromDataUrl("p", url).bytes).toEqual(PNG);
    expect(imageFromDataUrl("p", `data:image/png;charset=utf-8;base64,${encodeBase64(JPEG)}`).mimeType).toBe("image/jpeg");
    expect(badResponse(() => imageFromDataUrl("p", "https://cdn.example.com/a.png"))).toContain("not a base64 data URL");
  });
});
