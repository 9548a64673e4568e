// The codec's metadata for one scanned message (ecCodes key names). A GRIB2 message carrying several
// fields (repeated sections 2-7) is refused as unsupported: the catalogue addresses a field by its
// message's bytes, so such a message is quarantined rather than half-registered.
import { grib1Metadata, grib2Metadata } from "../grib/metadata.ts";
import { layout } from "../grib/sections.ts";
import { GribError, type GribMetadata, type ScannedMessage } from "../grib/types.ts";

export function describeMessage(message: ScannedMessage): GribMetadata {
  const l = layout(message.bytes, message.offset);
  if (l.edition === 1) return grib1Metadata(l, message.length, message.offset).metadata;
  if (l.fields.length !== 1) {
    throw new GribError(
      "unsupported",
      `a GRIB2 message with ${l.fields.length} fields; split it into one field per message (grib_copy does)`,
      message.offset,
      message.length,
    );
  }
  return grib2Metadata(l.fields[0]!, l.discipline, message.length, message.offset).metadata;
}
