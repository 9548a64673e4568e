// The one pipeline every receiver feeds: scan the complete file with the codec, keep it in the store,
// register all its fields in one transaction, quarantine what is bad. Nothing here ever throws a bad
// file at the caller: a file that cannot be read is quarantined; only an infrastructure failure
// (database, disk) fails a run, and then the file stays where it is to be tried again.
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type pg from "pg";
import { Dimensions } from "../catalogue/lookups.ts";
import { registerFile } from "../catalogue/register.ts";
import type { FieldRecord, RegistrationResult } from "../catalogue/types.ts";
import type { GribMetadata } from "../grib/index.ts";
import type { LocalStore } from "../store/store.ts";
import { FileHasher } from "./file-hash.ts";
import { createIngestMetrics, type IngestMetrics } from "./metrics.ts";
import { type DisseminationName, parseDisseminationName } from "./names.ts";
import { baseTimeOf, fieldRecord, RecordError } from "./records.ts";
import { type DescribeMessage, type FileScan, scanReceivedFile } from "./scan.ts";

export interface IngestLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface IngestRequest {
  /** Where the complete file is now. */
  path: string;
  /** Its name as sent (versions and dissemination-name parsing go by it); default: the path's base name. */
  name?: string;
  /** "ftp:USER", "http:TOKEN", "watch:DIR", "cli", ... */
  source: string;
  /** The producer of its fields; default: each message's GRIB centre. */
  producer?: string | undefined;
  /** move: the store takes the file (receivers); copy: the file stays where it is (the CLI). */
  mode: "move" | "copy";
  receivedAt?: Date;
  /** The file is already in the store at this URI (recovery). */
  storageUri?: string;
}

export interface IngestReport extends RegistrationResult {
  size: number;
  messages: number;
  nameInfo: DisseminationName | null;
  seconds: number;
  /** Things worth a look that did not stop the ingest (e.g. the name and the content disagree). */
  warnings: string[];
}

export interface PipelineOptions {
  pool: pg.Pool;
  store: LocalStore;
  describe: DescribeMessage;
  split?: boolean;
  concurrency?: number;
  logger?: IngestLogger;
  metrics?: IngestMetrics;
}

const silent: IngestLogger = { info() {}, warn() {}, error() {} };

export class IngestPipeline {
  readonly store: LocalStore;
  readonly metrics: IngestMetrics;
  readonly #pool: pg.Pool;
  readonly #describe: DescribeMessage;
  readonly #split: boolean;
  readonly #concurrency: number;
  readonly #logger: IngestLogger;
  readonly #dimensions = new Dimensions();
  readonly #hasher = new FileHasher();
  readonly #inFlight = new Map<string, Promise<IngestReport>>();
  readonly #waiting: Array<() => void> = [];
  /** Store URIs of raw files adopted by a run that has not finished (recovery leaves them alone). */
  readonly #adopting = new Set<string>();
  #running = 0;

  constructor(options: PipelineOptions) {
    this.#pool = options.pool;
    this.store = options.store;
    this.#describe = options.describe;
    this.#split = options.split ?? false;
    this.#concurrency = options.concurrency ?? 2;
    this.#logger = options.logger ?? silent;
    this.metrics = options.metrics ?? createIngestMetrics();
  }

  /**
   * Queues a complete file; resolves with its report. Submitting a path already queued or in progress
   * returns that run instead of starting a second one.
   */
  submit(request: IngestRequest): Promise<IngestReport> {
    const running = this.#inFlight.get(request.path);
    if (running) return running;
    this.metrics.queued.inc();
    const run = this.#slot()
      .then(() => {
        this.metrics.queued.dec();
        return this.process(request);
      })
      .finally(() => {
        this.#inFlight.delete(request.path);
        this.#release();
      });
    this.#inFlight.set(request.path, run);
    return run;
  }

  /** Files queued or being ingested. */
  get filesInFlight(): number {
    return this.#inFlight.size;
  }

  /** True while the file at `path` is queued or being ingested. */
  isBusy(path: string): boolean {
    return this.#inFlight.has(path);
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Ingests one file now (no queue). */
  async process(request: IngestRequest): Promise<IngestReport> {
    const started = process.hrtime.bigint();
    const name = request.name ?? basename(request.path);
    const receivedAt = request.receivedAt ?? new Date();
    const receiver = request.source.split(":")[0] ?? request.source;
    try {
      const report = await this.#ingest(request, name, receivedAt, started);
      this.#count(report, receiver);
      this.#logger.info(
        {
          file: name,
          outcome: report.outcome,
          version: report.version,
          fieldsNew: report.fieldsNew,
          fieldsUpdated: report.fieldsUpdated,
          quarantined: report.quarantined,
          seconds: report.seconds,
        },
        report.newVersion ? "ingested a new version of a file" : "ingested a file",
      );
      return report;
    } catch (error) {
      this.metrics.files.inc({ outcome: "failed", receiver });
      this.#logger.error(
        { file: name, path: request.path, err: error },
        "ingest failed; the file is kept and will be tried again",
      );
      throw error;
    }
  }

  async #ingest(
    request: IngestRequest,
    name: string,
    receivedAt: Date,
    started: bigint,
  ): Promise<IngestReport> {
    const nameInfo = parseDisseminationName(name, receivedAt);
    const scan = await scanReceivedFile(request.path, {
      sha256: (path) => this.#hasher.sha256(path),
      describe: this.#describe,
      ...(this.#split
        ? {
            onMessage: async (message, field) => {
              // Only messages that will be registered get a file (the others are quarantined). Awaited:
              // the scan reads the next message only once this one is written, so memory stays bounded.
              const uri = this.#splitUri(field.metadata, field.checksum);
              if (uri) await this.store.write(uri, message.bytes);
            },
          }
        : {}),
    });
    const storageUri = request.storageUri ?? this.store.rawUri(name, scan.checksum, receivedAt);
    this.#adopting.add(storageUri);
    try {
      if (!request.storageUri) await this.store.adopt(request.path, storageUri, request.mode);
      return await this.#register(request, name, receivedAt, started, scan, storageUri, nameInfo);
    } finally {
      this.#adopting.delete(storageUri);
    }
  }

  async #register(
    request: IngestRequest,
    name: string,
    receivedAt: Date,
    started: bigint,
    scan: FileScan,
    storageUri: string,
    nameInfo: DisseminationName | null,
  ): Promise<IngestReport> {
    const problems = [...scan.problems];
    const fields: FieldRecord[] = [];
    for (const scanned of scan.fields) {
      try {
        fields.push(
          fieldRecord(scanned.metadata, {
            producer: request.producer ?? scanned.metadata.centre,
            storageUri: this.#split
              ? (this.#splitUri(scanned.metadata, scanned.checksum) ?? storageUri)
              : storageUri,
            offset: this.#split ? 0 : scanned.offset,
            length: scanned.length,
            checksum: scanned.checksum,
          }),
        );
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        problems.push({
          code: "unsupported",
          reason: error.message,
          offset: scanned.offset,
          length: scanned.length,
        });
      }
    }
    problems.sort((a, b) => a.offset - b.offset);
    const warnings = nameWarnings(name, nameInfo, fields);
    for (const warning of warnings) this.#logger.warn({ file: name }, warning);
    const result = await registerFile(
      this.#pool,
      this.#dimensions,
      {
        name,
        size: scan.size,
        checksum: scan.checksum,
        source: request.source,
        storageUri,
        receivedAt,
        nameInfo,
        messageCount: scan.messageCount,
      },
      fields,
      problems,
    );
    if (result.outcome === "duplicate") {
      // The same bytes were registered before: keep the copy the catalogue points to, drop this one.
      if (result.storageUri !== storageUri) await this.store.remove(storageUri);
    } else if (this.#split && result.problems.length === 0) {
      // Every byte now lives in one-message files: the raw file is no longer needed.
      await this.#pool.query("update ingest_file set storage_uri = null where id = $1", [result.fileId]);
      await this.store.remove(storageUri);
    }
    return {
      ...result,
      size: scan.size,
      messages: scan.messageCount,
      nameInfo,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      warnings,
    };
  }

  /** The one-message file of a field in split mode; null when the message cannot be a field. */
  #splitUri(metadata: GribMetadata, checksum: string): string | null {
    try {
      return this.store.splitUri(baseTimeOf(metadata), checksum);
    } catch (error) {
      if (error instanceof RecordError) return null;
      throw error;
    }
  }

  /**
   * Registers raw files that are in the store without a catalogue row (a stop between keeping a file
   * and committing its rows). Idempotent: registered files are skipped.
   */
  async recoverStore(): Promise<IngestReport[]> {
    const rawRoot = join(this.store.root, "raw");
    const days = await readdir(rawRoot).catch(() => [] as string[]);
    const candidates: Array<{ path: string; uri: string; name: string }> = [];
    for (const day of days) {
      for (const entry of await readdir(join(rawRoot, day)).catch(() => [] as string[])) {
        const m = /^(.+)\.([0-9a-f]{16})$/.exec(entry);
        if (!m) continue;
        const path = join(rawRoot, day, entry);
        candidates.push({ path, uri: this.store.uriOf(path), name: m[1]! });
      }
    }
    if (candidates.length === 0) return [];
    const known = await this.#pool.query<{ storage_uri: string }>(
      "select storage_uri from ingest_file where storage_uri = any($1)",
      [candidates.map((c) => c.uri)],
    );
    const registered = new Set(known.rows.map((r) => r.storage_uri));
    const reports: IngestReport[] = [];
    for (const c of candidates.filter((c) => !registered.has(c.uri) && !this.#adopting.has(c.uri))) {
      const { mtime } = await stat(c.path);
      reports.push(
        await this.submit({
          path: c.path,
          name: c.name,
          source: "recovery",
          mode: "move",
          receivedAt: mtime,
          storageUri: c.uri,
        }),
      );
    }
    return reports;
  }

  #count(report: IngestReport, receiver: string): void {
    this.metrics.files.inc({ outcome: report.outcome, receiver });
    this.metrics.fields.inc({ change: "new" }, report.fieldsNew);
    this.metrics.fields.inc({ change: "updated" }, report.fieldsUpdated);
    this.metrics.fields.inc({ change: "unchanged" }, report.fieldsUnchanged);
    for (const p of report.problems) this.metrics.quarantined.inc({ code: p.code });
    this.metrics.bytes.inc(report.size);
    this.metrics.duration.observe(report.seconds);
  }

  #slot(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}

/** The dissemination name promised a cycle and step: say so when the messages disagree. */
function nameWarnings(name: string, info: DisseminationName | null, fields: FieldRecord[]): string[] {
  if (!info || fields.length === 0) return [];
  const warnings: string[] = [];
  // A LEGACY name has no year: compare month, day, hour and minute only.
  const key = (d: Date) => d.toISOString().slice(info.template === "legacy" ? 5 : 0, 16);
  const base = key(info.baseTime);
  if (!fields.some((f) => key(f.baseTime) === base))
    warnings.push(
      `the name ${name} says base time ${info.baseTime.toISOString()}, but no message has it (they have ${fields[0]!.baseTime.toISOString()})`,
    );
  else if (info.step !== null && !fields.some((f) => f.endStep === info.step))
    warnings.push(`the name ${name} says step ${info.step}, but no message has it`);
  return warnings;
}
