// Where a process's log goes: pino's JSON lines as they are for machines (a pipe, a file, journald), or
// on a terminal one short line per record for people. Either way, URL passwords and secret query
// values are masked before the line leaves the process.
import { maskUrlsIn } from "./secrets.ts";

/** pino's destination: it writes one JSON record per line. */
export interface LogSink {
  write(text: string): void;
}

export interface LogDestinationOptions {
  /** One human line per record instead of JSON. */
  human: boolean;
  /** Writes one finished line, newline included. */
  write(line: string): void;
}

export function logDestination(options: LogDestinationOptions): LogSink {
  let pending = "";
  return {
    write(text: string) {
      pending += text;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        options.write(`${maskUrlsIn(options.human ? humanLine(line) : line)}\n`);
      }
    },
  };
}

const levelNames: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
/** What every record carries and a person at the terminal does not need. */
const unshown = new Set(["level", "time", "pid", "hostname", "msg", "reqId", "req", "res", "responseTime"]);

/** `12:04:31Z WARN  FTP login refused  user=x ip=127.0.0.1` from pino's JSON record. */
export function humanLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record["time"] === "number" ? new Date(record["time"]).toISOString().slice(11, 19) : "";
  const level = levelNames[Number(record["level"])] ?? String(record["level"] ?? "");
  const parts = [`${time}Z`, level, String(record["msg"] ?? "")];
  const request = describeRequest(record);
  if (request) parts.push(request);
  const fields = Object.entries(record)
    .filter(([key, value]) => !unshown.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  return [parts.join(" "), ...fields].join("  ");
}

/** fastify's request records: `[req-3] GET /api/x 200 4.1 ms`. */
function describeRequest(record: Record<string, unknown>): string {
  const req = record["req"] as { method?: string; url?: string } | undefined;
  const res = record["res"] as { statusCode?: number } | undefined;
  const time = record["responseTime"];
  return [
    record["reqId"] !== undefined ? `[${String(record["reqId"])}]` : "",
    req ? `${req.method ?? ""} ${req.url ?? ""}` : "",
    res?.statusCode !== undefined ? String(res.statusCode) : "",
    typeof time === "number" ? `${time.toFixed(1)} ms` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

function fieldValue(value: unknown): string {
  if (value && typeof value === "object" && "message" in value) {
    const error = value as { type?: string; message?: string };
    return JSON.stringify(`${error.type ? `${error.type}: ` : ""}${error.message ?? ""}`);
  }
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}
