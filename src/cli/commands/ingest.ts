// `cloudburst ingest FILE...` and `cloudburst ftp hash-password`. Ingest runs the same pipeline as the
// control server's receivers, in this process, on the configured (or embedded) database and store:
// it works whether or not a control server is running.
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { hashPassword } from "../../ingest/passwords.ts";
import type { IngestReport } from "../../ingest/pipeline.ts";
import { createPipeline, syncProducers } from "../../ingest/service.ts";
import { commandConfig, withDatabase } from "../context.ts";
import { UserError } from "../errors.ts";
import { printJson } from "../output.ts";

function describeReport(report: IngestReport): string {
  const version = report.newVersion ? `new version ${report.version}` : `version ${report.version}`;
  const counts =
    report.outcome === "duplicate"
      ? "already registered (same name and checksum): nothing done"
      : `${report.fieldsNew} new, ${report.fieldsUpdated} updated, ${report.fieldsUnchanged} unchanged, ${report.quarantined} quarantined`;
  return `${report.name}: ${report.outcome}, ${version}, ${report.messages} messages: ${counts} (${report.seconds.toFixed(2)} s)`;
}

/**
 * Exit 1 unless every file was registered whole (or was already): a file rejected, partly quarantined
 * or not ingested at all is a failure a script must see.
 */
function reportShortfall(total: number, reports: IngestReport[], failures: string[]): void {
  const quarantined = reports
    .filter((r) => r.outcome === "rejected" || r.outcome === "partial")
    .map((r) =>
      r.outcome === "rejected"
        ? `${r.name}: rejected, nothing registered (${r.quarantined} part${r.quarantined === 1 ? "" : "s"} quarantined)`
        : `${r.name}: partly registered, ${r.quarantined} part${r.quarantined === 1 ? "" : "s"} quarantined`,
    );
  const problems = [...failures, ...quarantined];
  if (problems.length === 0) return;
  const onlyFailures = quarantined.length === 0;
  throw new UserError(
    `${problems.length} of ${total} files ${onlyFailures ? "could not be ingested" : "not registered whole"}:\n  ${problems.join("\n  ")}`,
    onlyFailures
      ? "check that the files exist and are readable, and that the database is reachable"
      : "`cloudburst quarantine ls --file NAME` shows what was kept aside, why and at which byte",
  );
}

export function registerIngestCommands(program: Command): void {
  program
    .command("ingest <files...>")
    .description("register GRIB files in the catalogue (copied into the store; bad parts are quarantined)")
    .option("--producer <name>", "producer of the fields (default: each message's GRIB centre)")
    .option("--name <name>", "the name to register the file under (one file only; default: its base name)")
    .option("--move", "move the files into the store instead of copying them")
    .option("--json", "print the ingest reports as JSON")
    .action(
      async (
        files: string[],
        options: { producer?: string; name?: string; move?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (options.name && files.length !== 1)
          throw new InvalidArgumentError("--name needs exactly one file");
        const config = commandConfig(command);
        const { reports, failures } = await withDatabase(config, async (db) => {
          await syncProducers(config, db);
          const pipeline = createPipeline(config, db);
          const reports: IngestReport[] = [];
          const failures: string[] = [];
          for (const file of files) {
            try {
              const report = await pipeline.process({
                path: resolve(file),
                ...(options.name ? { name: options.name } : {}),
                source: "cli",
                producer: options.producer,
                mode: options.move ? "move" : "copy",
              });
              reports.push(report);
              if (!options.json) {
                process.stdout.write(`${describeReport(report)}\n`);
                for (const warning of report.warnings) process.stderr.write(`  warning: ${warning}\n`);
                for (const p of report.problems)
                  process.stderr.write(
                    `  quarantined ${p.code} at byte ${p.offset} (${p.length} bytes): ${p.reason}\n`,
                  );
              }
            } catch (error) {
              failures.push(`${file}: ${(error as Error).message}`);
            }
          }
          return { reports, failures };
        });
        if (options.json) printJson(reports);
        reportShortfall(files.length, reports, failures);
      },
    );

  const ftp = program.command("ftp").description("FTP receiver helpers");
  ftp
    .command("hash-password")
    .description(
      "read a password on standard input and print its scrypt hash for ingest.ftp.users[].passwordHash",
    )
    .action(async () => {
      let input = "";
      for await (const chunk of process.stdin) input += String(chunk);
      const password = input.replace(/\r?\n$/, "");
      if (password.length < 8) throw new UserError("the password must have at least 8 characters");
      process.stdout.write(`${await hashPassword(password)}\n`);
    });
}
