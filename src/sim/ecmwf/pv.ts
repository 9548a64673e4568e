// The pv array (vertical coordinate parameters) in a GRIB2 message's product definition section, which
// the codec's writer does not write: section 4 gets NV and the values after its template, as ECMWF's
// model-level messages have them (IEEE single precision, big-endian).
import { grib2Fields } from "../../grib/index.ts";

export function withVerticalCoordinates(message: Uint8Array, pv: Float32Array): Uint8Array {
  const fields = message[7] === 2 ? grib2Fields(message) : [];
  if (fields.length !== 1) throw new Error("pv is written into single-field GRIB2 messages");
  const s4 = fields[0]!.s4;
  const oldLength = s4.bytes.length;
  const added = 4 * pv.length;
  const out = new Uint8Array(message.length + added);
  out.set(message.subarray(0, s4.offset + oldLength), 0);
  out.set(message.subarray(s4.offset + oldLength), s4.offset + oldLength + added);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pv.length; i++) view.setFloat32(s4.offset + oldLength + 4 * i, pv[i]!, false);
  view.setUint32(s4.offset, oldLength + added, false);
  view.setUint16(s4.offset + 5, pv.length, false);
  view.setBigUint64(8, BigInt(out.length), false);
  return out;
}
