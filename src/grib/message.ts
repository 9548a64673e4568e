// A message decoded: every key at once (as the definitions lay them out), metadata and grid read from
// them, geometry and values on demand. A GRIB2 message with several fields gives one DecodedMessage
// per field (as ecCodes counts them). Messages whose sections contradict each other are refused here,
// before anyone trusts their values.
import { checkField } from "./check.ts";
import { KeyError } from "./definitions/accessor.ts";
import { DefinitionError } from "./definitions/builder.ts";
import { Handle } from "./definitions/handle.ts";
import { gridGeometry, normalisationOrder, reorder } from "./geometry.ts";
import { gridDefinition } from "./grid.ts";
import { describe } from "./metadata.ts";
import { grib2Fields, standaloneField } from "./sections.ts";
import { type DecodedMessage, GribError, type GribMetadata, type ValuesOptions } from "./types.ts";
import { gridValues, type ValuesBuffer, valuesProvider } from "./values.ts";

export interface DecodeOptions {
  /** Offset of the message in its file (reported as `offset` and in errors). */
  offset?: number;
  /** Number of the message's first field in its file, from 1 (ecCodes' count key). */
  messageNumber?: number;
  /**
   * One array to hold the values of whichever field was last asked for them, instead of an array per
   * field: a field's values are then valid until another field's are asked for.
   */
  values?: ValuesBuffer;
}

/** Definitions errors become GribErrors naming the key and its offset in the file. */
function open(bytes: Uint8Array, offset: number, messageNumber: number, values?: ValuesBuffer): Handle {
  try {
    return Handle.open(bytes, {
      fileOffset: offset,
      messageNumber,
      data: (h) => valuesProvider(h, values),
    });
  } catch (e) {
    if (e instanceof DefinitionError) {
      throw new GribError("bad-section", `${e.key}: ${e.message}`, offset + e.offset);
    }
    if (e instanceof GribError) throw e;
    throw new GribError("corrupt", `cannot read the message's keys: ${(e as Error).message}`, offset);
  }
}

/**
 * A key that cannot be read while describing the field is the message's fault: a GribError naming the
 * key, at the key's own offset when it is coded in the message.
 */
function describing<T>(h: Handle, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    const named = e.message.startsWith(`${e.key}:`) ? e.message : `${e.key}: ${e.message}`;
    throw new GribError("corrupt", named, h.fileOffset + (h.find(e.key)?.offset ?? 0));
  }
}

function decoded(h: Handle, offset: number): DecodedMessage {
  const grid = describing(h, () => h.remember("grid", gridDefinition));
  describing(h, () => checkField(h, grid));
  // read on first use: reading stepRange may switch stepUnits (as in ecCodes), which a tool printing
  // keys in its own order must not see happen before it asks
  let metadata: GribMetadata | undefined;
  const raw = (into?: Float64Array): Float64Array => (into ? gridValues(h, into) : h.data.values());
  return {
    get metadata() {
      metadata ??= describing(h, () => describe(h, grid, offset, h.bytes.length));
      return metadata;
    },
    grid,
    keys: h,
    geometry: (options = {}) => {
      try {
        return gridGeometry(grid, options);
      } catch (e) {
        if (e instanceof GribError)
          throw new GribError(e.code, e.message.replace(/ \(at byte offset \d+\)$/, ""), offset);
        throw e;
      }
    },
    values: (options: ValuesOptions = {}) => {
      const v = describing(h, () => raw(options.into));
      return options.normalise ? reorder(v, normalisationOrder(grid)) : v;
    },
  };
}

/** Every field of a message (one for GRIB1; one per section 7 for GRIB2). */
export function decodeFields(bytes: Uint8Array, options: DecodeOptions = {}): DecodedMessage[] {
  const offset = options.offset ?? 0;
  const first = options.messageNumber ?? 1;
  return fieldMessages(bytes, options).map((field, k) =>
    decoded(open(field, offset, first + k, options.values), offset),
  );
}

/** Each field of a message as ecCodes copies it: the message itself, or one message per field. */
export function fieldMessages(bytes: Uint8Array, options: DecodeOptions = {}): Uint8Array[] {
  if (bytes[7] !== 2) return [bytes];
  const fields = grib2Fields(bytes, options.offset ?? 0);
  if (fields.length === 1) return [bytes];
  return fields.map((f) => standaloneField(bytes, f));
}

/** The first field of a message (or field `field`, 0-based, of a multi-field GRIB2 message). */
export function decodeMessage(
  bytes: Uint8Array,
  options: DecodeOptions & { field?: number } = {},
): DecodedMessage {
  const fields = fieldMessages(bytes, options);
  const index = options.field ?? 0;
  const f = fields[index];
  if (!f) {
    throw new GribError(
      "bad-section",
      `message has ${fields.length} fields, no field ${index}`,
      options.offset ?? 0,
    );
  }
  const offset = options.offset ?? 0;
  return decoded(open(f, offset, (options.messageNumber ?? 1) + index, options.values), offset);
}
