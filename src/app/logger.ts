// The process's logger: pino, as Fastify uses it, made once by the composition root and shared by the
// HTTP server and every subsystem.
import { type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Logs go to stderr, leaving stdout to the command's own output (the demo's summary). */
  toStderr?: boolean | undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino({ level: options.level }, options.toStderr ? process.stderr : process.stdout);
}
