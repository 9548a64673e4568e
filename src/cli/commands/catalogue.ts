// `cloudburst fields ls|show`, `cycles ls`, `quarantine ls`, `files ls`, `catalogue prune`: the catalogue
// from the command line, straight from the configured (or embedded) database, server or no server.
import type { Command } from "commander";
import {
  FilterError,
  filterKeys,
  getField,
  listCycles,
  listFields,
  listFiles,
  listQuarantine,
  parseFieldFilter,
  termsFromWords,
} from "../../catalogue/query.ts";
import { runRetention } from "../../catalogue/retention.ts";
import { pruneNodeLogs } from "../../fleet/node-log.ts";
import { storeOf } from "../../store/store.ts";
import { commandConfig, withDatabase } from "../context.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`expected a positive whole number, not "${value}"`);
  return n;
}

const filterHelp = `
Filter terms are KEY=VALUE; VALUE is a comma-separated list, numbers may be ranges A..B (open ends allowed).
Keys: ${Object.entries(filterKeys)
  .map(([k, v]) => `\n  ${k.padEnd(10)} ${v}`)
  .join("")}
Example: cloudburst fields ls producer=ecmf base=latest param=2t,10u step=0..24 --json`;

export function registerCatalogueCommands(program: Command): void {
  const fields = program.command("fields").description("fields in the catalogue");
  fields
    .command("ls [terms...]")
    .description("list fields matching filter terms (KEY=VALUE ...)")
    .option("--limit <n>", "at most this many (default 1000)", count)
    .option("--after <id>", "only fields with a greater id (paging)", count)
    .option("--json", "print JSON")
    .addHelpText("after", filterHelp)
    .action(
      async (
        terms: string[],
        options: { limit?: number; after?: number; json?: boolean },
        command: Command,
      ) => {
        let filter: ReturnType<typeof parseFieldFilter>;
        try {
          filter = parseFieldFilter(termsFromWords(terms));
        } catch (error) {
          if (error instanceof FilterError) throw new UsageError(error.message);
          throw error;
        }
        const rows = await withDatabase(commandConfig(command), (db) =>
          listFields(db.pool, filter, {
            limit: options.limit ?? 1000,
            ...(options.after !== undefined ? { after: options.after } : {}),
          }),
        );
        if (options.json) return printJson(rows);
        printTable(
          ["ID", "PRODUCER", "BASE", "PARAM", "LEVEL", "STEP", "MEMBER", "GEOMETRY", "FILE", "OFFSET"],
          rows.map((r) => [
            r.id,
            r.producer,
            r.baseTime.replace(":00:00.000Z", "Z"),
            r.param,
            `${r.levelType} ${r.level}`,
            r.stepRange,
            r.member ?? "",
            r.geometry,
            r.file,
            r.offset,
          ]),
        );
      },
    );
  fields
    .command("show <id>")
    .description("one field's metadata and location, as JSON")
    .action(async (id: string, _options, command: Command) => {
      const field = await withDatabase(commandConfig(command), (db) => getField(db.pool, count(id)));
      if (!field) throw new UserError(`no field ${id}`, "see `cloudburst fields ls`");
      printJson(field);
    });

  program
    .command("cycles")
    .description("model cycles and their progress")
    .command("ls")
    .option("--producer <name>", "only this producer")
    .option("--limit <n>", "at most this many (default 100)", count)
    .option("--json", "print JSON")
    .action(async (options: { producer?: string; limit?: number; json?: boolean }, command: Command) => {
      const rows = await withDatabase(commandConfig(command), (db) =>
        listCycles(db.pool, { producer: options.producer, limit: options.limit ?? 100 }),
      );
      if (options.json) return printJson(rows);
      printTable(
        ["ID", "PRODUCER", "BASE", "STATE", "FIELDS", "EXPECTED", "FILES", "LAST RECEIVED"],
        rows.map((r) => [
          r.id,
          r.producer,
          r.baseTime.replace(":00:00.000Z", "Z"),
          r.state,
          r.receivedFields,
          r.expectedFields ?? "?",
          r.files,
          r.lastReceivedAt,
        ]),
      );
    });

  registerIngestRecords(program);
}

/** `quarantine ls`, `files ls`, `catalogue prune`: what ingest kept aside, received and may drop. */
function registerIngestRecords(program: Command): void {
  program
    .command("quarantine")
    .description("bad input kept aside, with reasons and byte offsets")
    .command("ls")
    .option("--file <name>", "only this received file")
    .option("--limit <n>", "at most this many (default 100)", count)
    .option("--json", "print JSON")
    .action(async (options: { file?: string; limit?: number; json?: boolean }, command: Command) => {
      const rows = await withDatabase(commandConfig(command), (db) =>
        listQuarantine(db.pool, { file: options.file, limit: options.limit ?? 100 }),
      );
      if (options.json) return printJson(rows);
      printTable(
        ["ID", "FILE", "CODE", "OFFSET", "LENGTH", "AT", "REASON"],
        rows.map((r) => [r.id, r.file, r.code, r.offset, r.length, r.at, r.reason]),
      );
    });

  program
    .command("files")
    .description("received files, their versions and what they registered")
    .command("ls")
    .option("--name <name>", "only this file name (all its versions)")
    .option("--limit <n>", "at most this many (default 100)", count)
    .option("--json", "print JSON")
    .action(async (options: { name?: string; limit?: number; json?: boolean }, command: Command) => {
      const rows = await withDatabase(commandConfig(command), (db) =>
        listFiles(db.pool, { name: options.name, limit: options.limit ?? 100 }),
      );
      if (options.json) return printJson(rows);
      printTable(
        [
          "ID",
          "NAME",
          "VERSION",
          "STATE",
          "SIZE",
          "MESSAGES",
          "NEW",
          "UPDATED",
          "QUARANTINED",
          "SOURCE",
          "RECEIVED",
        ],
        rows.map((r) => [
          r.id,
          r.name,
          r.version,
          r.state,
          r.size,
          r.messages,
          r.fieldsNew,
          r.fieldsUpdated,
          r.quarantined,
          r.source,
          r.receivedAt,
        ]),
      );
    });

  program
    .command("catalogue")
    .description("catalogue maintenance")
    .command("prune")
    .description(
      "apply retention now: drop cycles older than catalogue.retention.days (or --days), and the logs of nodes gone before",
    )
    .option("--days <n>", "days to keep, back from the newest base time", count)
    .option("--json", "print JSON")
    .action(async (options: { days?: number; json?: boolean }, command: Command) => {
      const config = commandConfig(command);
      const report = await withDatabase(config, async (db) => {
        const catalogue = await runRetention(
          db.pool,
          storeOf(config),
          options.days ?? config.catalogue.retention.days,
        );
        return {
          ...catalogue,
          nodeLogLinesDeleted: await pruneNodeLogs(db.pool, new Date(catalogue.cutoff)),
        };
      });
      if (options.json) return printJson(report);
      process.stdout.write(
        `kept base times from ${report.cutoff}; dropped ${report.partitionsDropped.length} partitions, ${report.cyclesDeleted} cycles, ${report.filesDeleted} files (${report.storeFilesRemoved} store entries removed), ${report.nodeLogLinesDeleted} log lines of nodes gone\n`,
      );
    });
}
