// The codec's metadata for one scanned message (ecCodes key names). A GRIB2 message carrying several
// fields (repeated sections 2-7) is refused as unsupported: the catalogue addresses a field by its
// message's bytes, so such a message is quarantined rather than half-registered.
import { decodeFields, GribError, type GribMetadata, type ScannedMessage } from "../grib/index.ts";

export function describeMessage(message: ScannedMessage): GribMetadata {
  const fields = decodeFields(message.bytes, { offset: message.offset });
  if (fields.length !== 1) {
    throw new GribError(
      "unsupported",
      `a GRIB2 message with ${fields.length} fields; split it into one field per message (grib_copy does)`,
      message.offset,
      message.length,
    );
  }
  return fields[0]!.metadata;
}
