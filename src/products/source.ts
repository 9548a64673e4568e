// Decoded GRIB messages as product inputs: each message named by its FMI parameter, level, step and
// member (source-params.ts), values decoded only when a job asks for them. Pure: bytes in, fields out.
import { type DecodedMessage, decodeFields } from "../grib/index.ts";
import { hoursPerStepUnit } from "../grib/keys.ts";
import type { GribMetadata } from "../grib/types.ts";
import { type Field, type FieldKey, keyId } from "./fields.ts";
import type { InputsProvider } from "./run.ts";
import { type SourceField, sourceField } from "./source-params.ts";
import { verticalCoordinates } from "./vertical.ts";

/** Hours of a step value in the message's step units. */
function hours(value: number, m: GribMetadata): number | undefined {
  const unit = hoursPerStepUnit[m.stepUnits];
  return unit === undefined ? undefined : Math.round(value * unit * 3600) / 3600;
}

/** The field key a message carries, or null when its parameter or level is not one products read. */
export function fieldKeyOf(m: GribMetadata): FieldKey | null {
  const source = sourceField(m);
  const step = hours(m.endStep, m);
  if (!source || step === undefined) return null;
  const key: FieldKey = { param: source.param, levelType: source.levelType, level: source.level, step };
  if (m.number !== undefined && m.number !== null && isEnsembleMember(m)) key.member = m.number;
  return key;
}

/** ECMWF's GRIB1 local section gives every field a number (0 for a deterministic run): only members count. */
function isEnsembleMember(m: GribMetadata): boolean {
  if (m.dataType === "pf" || m.dataType === "cf") return true;
  const template = m.productDefinitionTemplateNumber;
  return template === 1 || template === 11;
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
  source: SourceField;
  message: DecodedMessage;
  /** The whole message's bytes and the field's index in it (for pv). */
  bytes: Uint8Array;
  fieldIndex: number;
}

/** Member-less identity: the index finds a key's candidates, then matches the member. */
const withoutMember = (k: FieldKey) => keyId({ ...k, member: undefined });

/** An index of messages answering a job's input requests; the first message for a key wins. */
export class MessageIndex implements InputsProvider {
  readonly entries: Entry[] = [];
  private readonly byKey = new Map<string, Entry[]>();
  private readonly values = new Map<Entry, Field>();

  /** Adds every field of a message; returns how many were usable as inputs. */
  add(bytes: Uint8Array, offset = 0): number {
    let used = 0;
    decodeFields(bytes, { offset }).forEach((message, fieldIndex) => {
      const key = fieldKeyOf(message.metadata);
      const source = sourceField(message.metadata);
      if (!key || !source) return;
      const entry = { key, source, message, bytes, fieldIndex };
      this.entries.push(entry);
      const id = withoutMember(key);
      const list = this.byKey.get(id);
      if (list) list.push(entry);
      else this.byKey.set(id, [entry]);
      used++;
    });
    return used;
  }

  private find(key: FieldKey): Entry | undefined {
    return this.byKey
      .get(withoutMember(key))
      ?.find((e) => key.member === undefined || e.key.member === undefined || e.key.member === key.member);
  }

  has(key: FieldKey): boolean {
    return this.find(key) !== undefined;
  }

  async get(key: FieldKey): Promise<Field | undefined> {
    const entry = this.find(key);
    if (!entry) return undefined;
    let field = this.values.get(entry);
    if (!field) {
      field = toField(entry);
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

function toField(entry: Entry): Field {
  const m = entry.message.metadata;
  const values = entry.message.values();
  const { scale } = entry.source;
  if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] *= scale;
  const field: Field = {
    key: entry.key,
    grid: entry.message.grid,
    values,
    bitsPerValue: m.bitsPerValue,
    edition: m.edition,
    centre: m.centreCode,
    units: scale === 1 ? m.units : `${m.units} × ${scale}`,
  };
  const start = hours(m.startStep, m);
  if (m.stepType === "accum" && start !== undefined) field.accumulatedFrom = start;
  if (entry.key.levelType === "hybrid") {
    const pv = verticalCoordinates(entry.bytes, entry.fieldIndex);
    if (pv) field.pv = pv;
  }
  return field;
}
