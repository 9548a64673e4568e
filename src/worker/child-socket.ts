// The channel between a task's script and the worker running it: `cloudburst child ...` and the
// ecflow_client shim post their event to a Unix socket the worker listens on (CLOUDBURST_CHILD_SOCKET;
// child-client.ts), so scripts need no database credentials. The worker checks the event against the
// running job and applies it.
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { z } from "zod";
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import type { ChildEvent, ChildIdentity } from "../flow/engine/job.ts";

export const childEventSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("init"), worker: z.string().optional() }),
  z.strictObject({ type: z.literal("event"), name: z.string().min(1), value: z.boolean().optional() }),
  z.strictObject({ type: z.literal("meter"), name: z.string().min(1), value: z.number().int() }),
  z.strictObject({ type: z.literal("label"), name: z.string().min(1), value: z.string() }),
  z.strictObject({ type: z.literal("complete") }),
  z.strictObject({ type: z.literal("abort"), reason: z.string().optional() }),
  z.strictObject({ type: z.literal("wait"), expression: z.string().min(1) }),
  z.strictObject({
    type: z.literal("queue"),
    name: z.string().min(1),
    action: z.enum(["active", "complete", "aborted", "no_of_aborted", "reset"]),
    step: z.string().optional(),
    path: z.string().optional(),
  }),
]);

export const childRequestSchema = z.strictObject({
  suiteId: z.string().regex(/^\d+$/),
  path: z.string().startsWith("/"),
  tryNo: z.number().int().min(1),
  password: z.string().min(1),
  event: childEventSchema,
});
export type ChildRequest = z.infer<typeof childRequestSchema>;

export type ChildHandler = (identity: ChildIdentity, event: ChildEvent) => Promise<ChildEventResult>;

export function serveChildSocket(socketPath: string, handle: ChildHandler): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const answer = (status: number, value: ChildEventResult) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      let parsed: ChildRequest;
      try {
        parsed = childRequestSchema.parse(JSON.parse(body));
      } catch (error) {
        answer(400, { accepted: false, message: `bad child request: ${(error as Error).message}` });
        return;
      }
      const { event, ...identity } = parsed;
      handle(identity, event as ChildEvent).then(
        (result) => answer(result.accepted ? 200 : 409, result),
        (error: Error) => answer(500, { accepted: false, message: error.message }),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve(server));
  });
}
