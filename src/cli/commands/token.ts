// `cloudburst token create|ls|revoke`
import type { Command } from "commander";
import { createToken, listTokens, revokeToken } from "../../auth/tokens.ts";
import { commandConfig, withDatabase } from "../context.ts";
import { UserError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";

export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("create, list and revoke API tokens");
  token
    .command("create <name>")
    .description("create an API token and print it once (only its hash is stored)")
    .option("--json", "print JSON")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const created = await withDatabase(commandConfig(command), (db) => createToken(db.pool, name)).catch(
        (error: Error) => {
          throw new UserError(error.message);
        },
      );
      if (options.json) printJson({ name, token: created });
      else process.stdout.write(`${created}\n`);
    });
  token
    .command("ls")
    .description("list tokens (names and dates, never the tokens)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const tokens = await withDatabase(commandConfig(command), (db) => listTokens(db.pool));
      if (options.json) printJson(tokens);
      else
        printTable(
          ["NAME", "CREATED", "LAST USED", "REVOKED"],
          tokens.map((t) => [
            t.name,
            t.createdAt.toISOString(),
            t.lastUsedAt?.toISOString(),
            t.revokedAt?.toISOString(),
          ]),
        );
    });
  token
    .command("revoke <name>")
    .description("revoke a token")
    .action(async (name: string, _options, command: Command) => {
      const revoked = await withDatabase(commandConfig(command), (db) => revokeToken(db.pool, name));
      if (!revoked) throw new UserError(`no live token named "${name}"`, "see `cloudburst token ls`");
      process.stdout.write(`revoked ${name}\n`);
    });
}
