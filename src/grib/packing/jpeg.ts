// GRIB2 template 5.40: the packed integers are a JPEG 2000 code stream (section 7 after its header),
// decoded with OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PackingError } from "./errors.ts";
import { output } from "./output.ts";
import { type Coefficients, constantValue, ecCodesCoefficients, readGrib2Scaling } from "./scaling.ts";

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}

const require = createRequire(import.meta.url);
let openjpeg: OpenJpegModule | undefined;

/**
 * OpenJPEG, instantiated on first use and synchronously (the wasm compiled and instantiated at once,
 * Emscripten's module object used as it is filled in), so that decoding stays synchronous and
 * nothing is paid for it by a run that meets no JPEG 2000 field. Its [INFO] chatter goes nowhere.
 */
function codec(): OpenJpegModule {
  if (openjpeg) return openjpeg;
  const factory = require("@cornerstonejs/codec-openjpeg/decodewasmjs") as (m: object) => Promise<unknown>;
  const wasm = new WebAssembly.Module(
    readFileSync(require.resolve("@cornerstonejs/codec-openjpeg/decodewasm")),
  );
  const m = {
    print: () => {},
    printErr: () => {},
    instantiateWasm(
      imports: WebAssembly.Imports,
      done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void,
    ) {
      const instance = new WebAssembly.Instance(wasm, imports);
      done(instance, wasm);
      return instance.exports;
    },
  } as unknown as OpenJpegModule;
  void factory(m);
  if (typeof m.J2KDecoder !== "function") throw new Error("OpenJPEG did not start");
  openjpeg = m;
  return m;
}

export function unpackJpeg2000(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  into?: Float64Array,
): Float64Array {
  const scaling = readGrib2Scaling(section5);
  const coefficients = ecCodesCoefficients(scaling);
  if (scaling.bitsPerValue === 0 || count === 0) return output(count, into).fill(constantValue(scaling));
  const stream = section7.subarray(5);
  const decoder = new (codec().J2KDecoder)();
  try {
    decoder.getEncodedBuffer(stream.length).set(stream);
    try {
      decoder.decode();
    } catch (e) {
      throw new PackingError("corrupt", `JPEG 2000 code stream does not decode: ${String(e)}`, 7, 5);
    }
    const info = decoder.getFrameInfo();
    const pixels = info.width * info.height;
    if (pixels < count || info.componentCount !== 1) {
      throw new PackingError(
        "corrupt",
        `JPEG 2000 image is ${info.width}x${info.height}x${info.componentCount}, expected ${count} values`,
        7,
        5,
      );
    }
    if (info.bitsPerSample > 16) {
      // this OpenJPEG build hands back samples of at most 16 bits (wider ones come out saturated)
      throw new PackingError(
        "unsupported",
        `JPEG 2000 with ${info.bitsPerSample} bits per value (at most 16 are supported)`,
        7,
        5,
      );
    }
    const decoded = decoder.getDecodedBuffer();
    const bytesPerSample = decoded.byteLength / pixels;
    if (bytesPerSample !== 1 && bytesPerSample !== 2) {
      throw new PackingError("unsupported", `JPEG 2000 sample of ${bytesPerSample} bytes`, 7, 5);
    }
    const out = output(count, into);
    if (bytesPerSample === 1) scaleBytes(decoded, out, coefficients);
    else scaleUint16(new DataView(decoded.buffer, decoded.byteOffset, decoded.byteLength), out, coefficients);
    return out;
  } finally {
    decoder.delete();
  }
}

// The loops that scale samples are functions of their own: V8 optimises them whole (a loop compiled on
// stack replacement in the function above, run a few times a process, cost 90 ns a value, not 1).

function scaleBytes(samples: Uint8Array, out: Float64Array, c: Coefficients): void {
  const { ref, bscale, dscale } = c;
  for (let i = 0; i < out.length; i++) out[i] = (samples[i]! * bscale + ref) * dscale;
}

/** Little-endian 16-bit samples (as OpenJPEG's wasm memory holds them). */
function scaleUint16(samples: DataView, out: Float64Array, c: Coefficients): void {
  const { ref, bscale, dscale } = c;
  for (let i = 0; i < out.length; i++) out[i] = (samples.getUint16(2 * i, true) * bscale + ref) * dscale;
}
