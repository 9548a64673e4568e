// What the catalogue records, independent of where it came from (GRIB codec, products, tests).

/** One field to register: what it is (its identity) and where its bytes are. */
export interface FieldRecord {
  producer: string;
  baseTime: Date;
  param: ParameterRecord;
  /** ecCodes typeOfLevel. */
  levelType: string;
  level: number;
  /** Hours. */
  startStep: number;
  /** Hours: the forecast step (the end of a statistical range). */
  endStep: number;
  /** As ecCodes prints it ("6", "0-6"), in the message's stepUnits. */
  stepRange: string;
  stepType: string;
  /** MARS type ("fc", "an", "pf", ...), "" when the message has none. */
  dataType: string;
  /** Ensemble member, null for a deterministic product. */
  member: number | null;
  geometry: GeometryRecord;
  edition: 1 | 2;
  packingType: string;
  storageUri: string;
  offset: number;
  length: number;
  /** SHA-256 of the message's bytes, hex. */
  checksum: string;
}

export interface ParameterRecord {
  name: string;
  paramId: number | null;
  longName: string | null;
  units: string | null;
}

export interface GeometryRecord {
  gridType: string;
  /** The grid's defining keys with ecCodes names; canonicalised and hashed for deduplication. */
  definition: Record<string, unknown>;
}

/** A region of a file that could not be registered, and why. */
export interface QuarantineRecord {
  /** "not-grib", "truncated", "bad-end", "unsupported", "corrupt", "duplicate-field", ... */
  code: string;
  reason: string;
  offset: number;
  length: number;
}

export interface FileRecord {
  name: string;
  size: number;
  /** SHA-256 of the whole file, hex. */
  checksum: string;
  /** Which receiver it came through: "ftp:USER", "http:TOKEN", "watch:DIR", "cli". */
  source: string;
  storageUri: string;
  receivedAt: Date;
  /** Parsed dissemination name (src/ingest/names.ts), when the name follows a template. */
  nameInfo: unknown;
  messageCount: number;
}

export interface CycleProgress {
  cycleId: number;
  producer: string;
  baseTime: Date;
  state: "receiving" | "complete";
  receivedFields: number;
  expectedFields: number | null;
}

export interface RegistrationResult {
  /**
   * registered: every message registered; partial: some of it quarantined; rejected: nothing in it could
   * be registered; duplicate: this exact file (same name and checksum) was registered before: nothing done.
   */
  outcome: "registered" | "partial" | "rejected" | "duplicate";
  fileId: number;
  name: string;
  version: number;
  /** True when an earlier version of the same name had different content (a new version arrived). */
  newVersion: boolean;
  fieldsNew: number;
  fieldsUpdated: number;
  fieldsUnchanged: number;
  quarantined: number;
  /** What was quarantined: the caller's records plus fields duplicated within the file, by offset. */
  problems: QuarantineRecord[];
  /** Where the raw file is kept (null once removed, in split mode). */
  storageUri: string | null;
  cycles: CycleProgress[];
}
