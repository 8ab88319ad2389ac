/** Honest embeddings answers, and the float and base64 forms of one vector. */
import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError } from "../errors";
import { checkVectors, encodeVector } from "./vectors";

const base64Of = (values: number[]) => btoa(String.fromCharCode(...new Uint8Array(Float32Array.from(values).buffer)));

describe("checkVectors", () => {
  it("accepts one vector per input, as numbers or as base64 float32, of the expected length", () => {
    expect(checkVectors("p", [[0.5, 0.25], base64Of([1, 2])], 2, 2)).toEqual([[0.5, 0.25], base64Of([1, 2])]);
    // With no length known, all must agree with the first.
    expect(checkVectors("p", [[1, 2, 3], [4, 5, 6]], 2, undefined)).toHaveLength(2);
    // Padded base64: 3 floats are 12 bytes (16 characters, none of padding); 1 float is 4 bytes ("==").
    expect(checkVectors("p", [base64Of([1, 2, 3]), base64Of([1, 2, 3])], 2, 3)).toHaveLength(2);
    expect(checkVectors("p", [base64Of([7])], 1, 1)).toHaveLength(1);
  });

  it.each([
    ["no vectors at all", undefined, 1, undefined, "no embeddings"],
    ["a vector missing", [[1, 2]], 2, undefined, "1 embeddings for 2 inputs"],
    ["a vector too many", [[1], [2], [3]], 2, undefined, "3 embeddings for 2 inputs"],
    ["a vector of the wrong length", [[1, 2], [3]], 2, undefined, "an embedding of 1 dimensions where 2 were expected"],
    ["vectors shorter than declared", [[1, 2]], 1, 3, "an embedding of 2 dimensions where 3 were expected"],
    ["base64 of the wrong length", [base64Of([1, 2])], 1, 3, "an embedding of 2 dimensions where 3 were expected"],
    ["an empty vector", [[]], 1, undefined, "an embedding that is not a list of numbers"],
    ["text among the numbers", [[1, "2"]], 1, undefined, "an embedding that is not a list of numbers"],
    ["base64 that is not whole floats", ["AAAAAAA="], 1, undefined, "an embedding that is not a list of numbers"],
    ["a string that is not base64", ["not base64!"], 1, undefined, "an embedding that is not a list of numbers"],
    ["an object", [{ values: [1] }], 1, undefined, "an embedding that is not a list of numbers"],
  ])("refuses %s as the provider's failure", (_, vectors, count, dimensions, detail) => {
    const check = () => checkVectors("prov", vectors as unknown[] | undefined, count, dimensions);
    expect(check).toThrow(UpstreamBadResponseError);
    expect(check).toThrow(`Provider prov sent an unusable response: ${detail}.`);
  });
});

describe("encodeVector", () => {
  it("converts only when the client asked for the other form, exactly in float32", () => {
    const floats = [0.5, -0.25, 1];
    expect(encodeVector(floats, false)).toBe(floats);
    expect(encodeVector(floats, true)).toBe(base64Of(floats));
    expect(encodeVector(base64Of(floats), true)).toBe(base64Of(floats));
    expect(encodeVector(base64Of(floats), false)).toEqual(floats);
  });
});
