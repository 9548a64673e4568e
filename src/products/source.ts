// Decoded GRIB messages as product inputs: each message named by its FMI parameter, level, step and
// member, values decoded only when a job asks for them. Pure: bytes in, fields out.
import { type DecodedMessage, decodeFields } from "../grib/index.ts";
import { hoursPerStepUnit } from "../grib/keys.ts";
import type { GribMetadata } from "../grib/types.ts";
import { type Field, type FieldKey, levelTypeOf } from "./fields.ts";
import { paramNameOf } from "./params.ts";
import type { InputsProvider } from "./run.ts";

/** The field key a message carries, or null when its parameter or level is not one products read. */
export function fieldKeyOf(m: GribMetadata): FieldKey | null {
  const param = paramNameOf(m);
  const levelType = levelTypeOf(m.typeOfLevel);
  const unit = hoursPerStepUnit[m.stepUnits];
  if (!param || !levelType || unit === undefined) return null;
  const key: FieldKey = {
    param,
    levelType,
    level: m.level,
    step: Math.round(m.endStep * unit * 3600) / 3600,
  };
  if (m.number !== undefined && m.number !== null) key.member = m.number;
  return key;
}

/** Analysis (reference) time of a message. */
export function analysisTimeOf(m: GribMetadata): Date {
  const d = String(m.dataDate);
  const t = String(m.dataTime).padStart(4, "0");
  return new Date(
    Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4)),
  );
}

interface Entry {
  key: FieldKey;
  message: DecodedMessage;
}

/** An index of messages answering a job's input requests; the first message for a key wins. */
export class MessageIndex implements InputsProvider {
  readonly entries: Entry[] = [];
  private readonly values = new Map<Entry, Field>();

  /** Adds every field of a message; returns how many were usable as inputs. */
  add(bytes: Uint8Array, offset = 0): number {
    let used = 0;
    for (const message of decodeFields(bytes, { offset })) {
      const key = fieldKeyOf(message.metadata);
      if (!key) continue;
      this.entries.push({ key, message });
      used++;
    }
    return used;
  }

  private find(key: FieldKey): Entry | undefined {
    return this.entries.find(
      (e) =>
        e.key.param === key.param &&
        e.key.levelType === key.levelType &&
        e.key.level === key.level &&
        Math.abs(e.key.step - key.step) < 1e-6 &&
        (key.member === undefined || e.key.member === undefined || e.key.member === key.member),
    );
  }

  has(key: FieldKey): boolean {
    return this.find(key) !== undefined;
  }

  async get(key: FieldKey): Promise<Field | undefined> {
    const entry = this.find(key);
    if (!entry) return undefined;
    let field = this.values.get(entry);
    if (!field) {
      const m = entry.message.metadata;
      field = {
        key: entry.key,
        grid: entry.message.grid,
        values: entry.message.values(),
        bitsPerValue: m.bitsPerValue,
        edition: m.edition,
        centre: m.centreCode,
      };
      this.values.set(entry, field);
    }
    return field;
  }

  /** The analysis time of the first message (offline runs take the cycle from their inputs). */
  firstAnalysisTime(): Date | null {
    const first = this.entries[0];
    return first ? analysisTimeOf(first.message.metadata) : null;
  }
}
