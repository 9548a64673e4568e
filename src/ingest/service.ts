// Ingest as the control server runs it: the store, the pipeline, the receivers (FTP, watched
// directories; HTTP PUT is a route that uses this service), start-up recovery and periodic retention.
import { readdir, rm, rmdir } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { Registry } from "prom-client";
import type { CatalogueConfig } from "../catalogue/config.ts";
import { runRetention } from "../catalogue/retention.ts";
import type { Database } from "../db/database.ts";
import { pruneNodeLogs } from "../fleet/node-log.ts";
import type { StoreConfig } from "../store/config.ts";
import { type LocalStore, storeOf } from "../store/store.ts";
import { type IngestConfig, temporaryNameTest } from "./config.ts";
import { describeMessage } from "./describe.ts";
import { createIngestMetrics } from "./metrics.ts";
import { type IngestLogger, IngestPipeline, type IngestRequest } from "./pipeline.ts";
import { type FtpReceiver, startFtpReceiver } from "./receivers/ftp.ts";
import { type DirectoryWatcher, watchDirectory } from "./receivers/watch.ts";
import { abandonedFiles, settledFiles } from "./settle.ts";

/** What ingest reads of a loaded configuration. */
export interface IngestSettings {
  dataDir: string;
  /** The environment the FTP users' passwords (passwordEnv) are read from. */
  env: Readonly<NodeJS.ProcessEnv>;
  store: StoreConfig;
  ingest: IngestConfig;
  catalogue: CatalogueConfig;
}

export interface IngestService {
  pipeline: IngestPipeline;
  store: LocalStore;
  isTemporary(name: string): boolean;
  /** Largest file PUT /api/ingest accepts. */
  maxUploadBytes: number;
  /** The FTP receiver, when enabled. */
  ftp: FtpReceiver | null;
  /** Files being uploaded to a receiver, or queued or being registered, now. */
  filesArriving(): number;
  /** Sweeps the receivers' directories now (as at start and every minute); resolves when it is done. */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

export interface IngestServiceOptions {
  /** The control server's metrics registry. */
  registry?: Registry;
  /** Start the receivers and background loops (default true); false gives just store and pipeline. */
  receivers?: boolean;
}

/** Store and pipeline only, for the CLI and tests. */
export function createPipeline(
  config: IngestSettings,
  db: Database,
  logger?: IngestLogger,
  registry?: Registry,
): IngestPipeline {
  return new IngestPipeline({
    pool: db.pool,
    store: storeOf(config),
    describe: describeMessage,
    split: config.store.split,
    concurrency: config.ingest.concurrency,
    ...(logger ? { logger } : {}),
    metrics: createIngestMetrics(registry),
  });
}

/** Writes the configured producers (expected field counts) into the catalogue. */
export async function syncProducers(config: Pick<IngestSettings, "catalogue">, db: Database): Promise<void> {
  for (const p of config.catalogue.producers) {
    await db.pool.query(
      `insert into producer (name, description, expected_fields) values ($1, $2, $3)
       on conflict (name) do update set description = excluded.description, expected_fields = excluded.expected_fields`,
      [p.name, p.description ?? null, p.expectedFields ?? null],
    );
  }
}

export async function startIngest(
  config: IngestSettings,
  db: Database,
  logger: IngestLogger,
  options: IngestServiceOptions = {},
): Promise<IngestService> {
  const pipeline = createPipeline(config, db, logger, options.registry);
  const store = pipeline.store;
  const isTemporary = temporaryNameTest(config.ingest.temporaryNames);
  await syncProducers(config, db);
  const submit = (request: IngestRequest) => {
    pipeline.submit(request).catch(() => undefined); // logged by the pipeline; the file stays for a retry
  };
  const stops: Array<() => Promise<void>> = [];

  let ftp: FtpReceiver | null = null;
  const ftpRoot = resolve(store.root, config.ingest.ftp.root);
  if (options.receivers !== false && config.ingest.ftp.enabled) {
    ftp = await startFtpReceiver({
      config: config.ingest.ftp,
      env: config.env,
      rootDir: ftpRoot,
      isTemporary,
      logger,
      onComplete: (upload) =>
        submit({
          path: upload.path,
          name: upload.name,
          source: `ftp:${upload.user}`,
          producer: upload.producer,
          mode: "move",
        }),
    });
    logger.info({ url: ftp.url, users: config.ingest.ftp.users.length }, "FTP receiver listening");
    const receiver = ftp;
    stops.push(() => receiver.stop());
  }

  const watchers: DirectoryWatcher[] = [];
  let sweepNow = async () => {};
  if (options.receivers !== false) {
    for (const w of config.ingest.watch) {
      const dir = isAbsolute(w.dir) ? w.dir : resolve(config.dataDir, w.dir);
      const watcher = watchDirectory({ ...w, dir }, isTemporary, (file) =>
        pipeline.submit({
          path: file.path,
          name: file.name,
          source: `watch:${dir}`,
          producer: w.producer,
          mode: "move",
        }),
      );
      watchers.push(watcher);
      stops.push(() => watcher.stop());
    }
    // Files that were complete when the process stopped, or whose ingest failed (e.g. the database was
    // unreachable): in the store without rows, or still in a receiver's directory under their final
    // name. Swept at start and every minute; a file is taken only once it has settled and no upload
    // or ingest holds it (a client may still be writing it, or a program the process does not see).
    const held = (path: string) => (ftp?.isUploading(path) ?? false) || pipeline.isBusy(path);
    const sweep = async () => {
      await pipeline.recoverStore();
      const found = new Map<string, IngestRequest>();
      const parts: string[] = [];
      for (const user of ftp ? config.ingest.ftp.users : []) {
        const files = await receivedFiles(join(ftpRoot, user.name), isTemporary);
        for (const path of files.complete)
          found.set(path, { path, source: `ftp:${user.name}`, producer: user.producer, mode: "move" });
        parts.push(...files.parts);
      }
      const http = store.incomingDir("http");
      const uploads = await receivedFiles(http, isTemporary);
      for (const path of uploads.complete) found.set(path, { path, source: "http:recovered", mode: "move" });
      parts.push(...uploads.parts);
      const removed = await removeAbandonedParts(parts, config.ingest.abandonedPartHours, held, logger);
      await removeEmptiedUploadFolders(removed, http);
      for (const path of await settledFiles([...found.keys()], config.ingest.settleMs, held))
        submit(found.get(path)!);
    };
    let sweeping: Promise<void> | null = null;
    const sweepAndLog = () => {
      sweeping ??= sweep()
        .catch((error: unknown) => logger.error({ err: error }, "ingest sweep failed"))
        .finally(() => {
          sweeping = null;
        });
      return sweeping;
    };
    sweepNow = sweepAndLog;
    void sweepAndLog().then(async () => {
      for (const watcher of watchers) await watcher.poll();
    });
    const sweeper = setInterval(() => void sweepAndLog(), 60_000);
    sweeper.unref();
    stops.push(async () => clearInterval(sweeper));

    const minutes = config.catalogue.retention.intervalMinutes;
    if (minutes > 0) {
      const timer = setInterval(() => void retention(config, db, store, logger), minutes * 60_000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }
  }

  const service: IngestService = {
    pipeline,
    store,
    isTemporary,
    maxUploadBytes: config.ingest.http.maxBytes,
    ftp,
    filesArriving: () => (ftp?.uploads() ?? 0) + pipeline.filesInFlight,
    sweep: () => sweepNow(),
    async stop() {
      for (const stop of stops.reverse()) await stop();
      await pipeline.idle();
    },
  };
  return service;
}

/** One round of the retention: old cycles, and the worker logs of nodes gone before the same cutoff. */
async function retention(
  config: IngestSettings,
  db: Database,
  store: LocalStore,
  logger: IngestLogger,
): Promise<void> {
  try {
    const report = await runRetention(db.pool, store, config.catalogue.retention.days);
    if (report.partitionsDropped.length || report.filesDeleted || report.cyclesDeleted)
      logger.info({ ...report }, "retention removed old cycles");
    // Node logs arrive here, on the data role, over the worker protocol.
    const nodeLogLines = await pruneNodeLogs(db.pool, new Date(report.cutoff));
    if (nodeLogLines) logger.info({ nodeLogLines }, "retention removed the logs of nodes long gone");
  } catch (error) {
    logger.error({ err: error }, "retention failed");
  }
}

/** Removes the parts under temporary names left unchanged past `hours` (0: none) and not held; which. */
async function removeAbandonedParts(
  parts: readonly string[],
  hours: number,
  held: (path: string) => boolean,
  logger: IngestLogger,
): Promise<string[]> {
  if (hours === 0) return [];
  const removed: string[] = [];
  for (const part of await abandonedFiles(parts, hours * 36e5)) {
    if (held(part.path)) continue; // judged when it is removed: a resume may have begun meanwhile
    const file = basename(part.path);
    try {
      await rm(part.path, { force: true });
      removed.push(part.path);
      logger.warn(
        { file, bytes: part.bytes, hours: part.hours },
        "removed a part under a temporary name that its client abandoned (unchanged past ingest.abandonedPartHours)",
      );
    } catch (error) {
      // One part the process may not remove must not stop the sweep from taking complete files.
      logger.error(
        { file, err: error },
        "could not remove an abandoned part; it is tried again at the next sweep",
      );
    }
  }
  return removed;
}

/** An HTTP upload writes its part in a folder of its own under `http`: emptied, it goes too. */
async function removeEmptiedUploadFolders(removed: readonly string[], http: string): Promise<void> {
  const folders = new Set(removed.map(dirname).filter((dir) => dirname(dir) === http));
  for (const dir of folders) await rmdir(dir).catch(() => undefined);
}

/** Regular files in `dir`, recursively: under final names, and under temporary ones (parts). */
async function receivedFiles(
  dir: string,
  isTemporary: (name: string) => boolean,
): Promise<{ complete: string[]; parts: string[] }> {
  const out = { complete: [] as string[], parts: [] as string[] };
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await receivedFiles(path, isTemporary);
      out.complete.push(...inner.complete);
      out.parts.push(...inner.parts);
    } else if (entry.isFile()) (isTemporary(entry.name) ? out.parts : out.complete).push(path);
  }
  return out;
}
