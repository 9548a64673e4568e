// `cloudburst deliver FILE... --to DESTINATION`: deliver products with resume, checksum and retries.
import { basename, posix } from "node:path";
import type { Command } from "commander";
import { type DeliveryReceipt, deliver, deliveryItem } from "../../delivery/deliver.ts";
import { DestinationUrlError, deliveryPasswordVariable, destinationFromUrl } from "../../delivery/url.ts";
import { UserError } from "../errors.ts";
import { printJson, printTable, progress } from "../output.ts";

/** What a failed delivery means to the operator, and what to do about it. */
function deliveryFailure(file: string, label: string, error: Error, delivered: number): UserError {
  const message = error.message;
  const done = delivered > 0 ? ` (${delivered} file${delivered === 1 ? "" : "s"} before it delivered)` : "";
  const hint = /\b(530|401|403)\b|authentication|login|permission denied/i.test(message)
    ? `check the user in --to and the password in ${deliveryPasswordVariable} (or the key in DELIVERY_SSH_KEY)`
    : /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timed? ?out/i.test(message)
      ? "check that the destination's server runs and is reachable at the host and port in --to"
      : "run the same command again: a partial file is resumed, a delivered one is not sent twice";
  return new UserError(`${file}: not delivered to ${label}: ${message}${done}`, hint);
}

export function registerDeliverCommand(program: Command): void {
  program
    .command("deliver <files...>")
    .description("deliver files to a directory or FTP(S) server: temporary name, resume, checksum, rename")
    .requiredOption(
      "--to <destination>",
      `directory, file:///dir, ftp(s)://user@host:port/dir, sftp://user@host:port/dir?hostkey=SHA256:... or http(s)://user@host:port/path/ (password in ${deliveryPasswordVariable})`,
    )
    .option("--dir <path>", "sub-directory under the destination", "")
    .option("--json", "print the receipts as JSON")
    .action(async (files: string[], options: { to: string; dir: string; json?: boolean }) => {
      let destination: ReturnType<typeof destinationFromUrl>;
      try {
        destination = destinationFromUrl(options.to);
      } catch (error) {
        if (error instanceof DestinationUrlError) throw new UserError(error.message);
        throw error;
      }
      const status = progress();
      const receipts: DeliveryReceipt[] = [];
      try {
        for (const [index, file] of files.entries()) {
          status.update(`delivering ${index + 1}/${files.length}: ${file}`);
          const item = await deliveryItem(file, posix.join(options.dir, basename(file))).catch(() => {
            throw new UserError(`cannot read ${file}`, "check the path and its permissions");
          });
          receipts.push(
            await deliver(destination, item, undefined, (error, attempt, delayMs) =>
              status.print(
                `${file}: attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`,
              ),
            ).catch((error: Error) => {
              throw deliveryFailure(file, destination.label, error, receipts.length);
            }),
          );
        }
      } finally {
        status.done();
        await destination.close();
      }
      if (options.json) printJson({ destination: destination.label, receipts });
      else
        printTable(
          ["NAME", "BYTES", "SHA256", "ATTEMPTS", "RESUMED FROM"],
          receipts.map((r) => [
            r.name,
            r.bytes,
            r.sha256.slice(0, 16),
            r.attempts,
            r.alreadyPresent ? "present" : r.resumedFrom,
          ]),
        );
    });
}
