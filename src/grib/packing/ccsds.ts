// GRIB2 template 5.42: CCSDS (libaec) compressed integers, then the usual linear scaling.
import { CcsdsError, ccsdsDecode } from "../ccsds/index.ts";
import { validateOptions } from "../ccsds/options.ts";
import { PackingError, requireLength } from "./errors.ts";
import { output } from "./output.ts";
import { constantValue, ecCodesCoefficients, readGrib2Scaling } from "./scaling.ts";

export function unpackCcsds(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  out?: Float64Array,
): Float64Array {
  requireLength(section5, 25, 5, "template 5.42");
  const scaling = readGrib2Scaling(section5);
  if (scaling.bitsPerValue === 0 || count === 0) return output(count, out).fill(constantValue(scaling));
  // a zero-block run codes at most 64 blocks of 64 samples in a few bits: more values than that cannot be there
  const streamBits = (section7.length - 5) * 8;
  if (count > streamBits * 64 * 64 + 64) {
    throw new PackingError(
      "corrupt",
      `${count} values cannot come from ${section7.length - 5} bytes of CCSDS`,
      7,
      5,
    );
  }
  const options = {
    bitsPerSample: scaling.bitsPerValue,
    flags: section5[21],
    blockSize: section5[22],
    rsi: section5[23] * 256 + section5[24],
  };
  try {
    validateOptions(options);
  } catch (e) {
    // the parameters come from section 5 (octets 20, 22-25)
    if (e instanceof CcsdsError) throw new PackingError("corrupt", e.message, 5, 19);
    throw e;
  }
  const { ref, bscale, dscale } = ecCodesCoefficients(scaling);
  try {
    return ccsdsDecode(section7.subarray(5), count, options, out, ref, bscale, dscale);
  } catch (e) {
    if (e instanceof CcsdsError) throw new PackingError("corrupt", e.message, 7, 5 + e.offset);
    throw e;
  }
}
