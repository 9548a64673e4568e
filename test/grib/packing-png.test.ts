// GRIB2 template 5.41 with a PNG that the native path leaves to fast-png (Adam7-interlaced): the library,
// loaded only for such images, gives the same values as the same integers in a plain image.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "fast-png";
import { unpackPng } from "../../src/grib/packing/png.ts";

/** Section 5 of template 5.41: reference value R, binary scale E, decimal scale D, bits per value. */
function section5(reference: number, binaryScale: number, bits: number): Uint8Array {
  const s = new Uint8Array(21);
  const view = new DataView(s.buffer);
  view.setUint16(9, 41);
  view.setFloat32(11, reference);
  view.setUint16(15, binaryScale < 0 ? 0x8000 | -binaryScale : binaryScale);
  s[19] = bits;
  return s;
}

/** Section 7: its five-octet header, then the PNG. */
const section7 = (png: Uint8Array) => {
  const s = new Uint8Array(5 + png.length);
  s.set(png, 5);
  return s;
};

test("an interlaced PNG decodes through fast-png to the values of the same plain image", () => {
  const width = 7;
  const height = 5;
  const pixels = Uint16Array.from({ length: width * height }, (_, i) => (i * 977) % 65536);
  const image = { width, height, data: pixels, channels: 1, depth: 16 as const };
  const s5 = section5(250, -3, 16);
  const adam7 = encode(image, { interlace: "Adam7" });
  assert.equal(adam7[28], 1, "the IHDR chunk says Adam7"); // what the native path declines
  const interlaced = unpackPng(s5, section7(adam7), pixels.length);
  const plain = unpackPng(s5, section7(encode(image)), pixels.length);
  assert.deepEqual(interlaced, plain);
  assert.deepEqual(
    interlaced,
    Float64Array.from(pixels, (p) => 250 + p / 8),
  );
});
