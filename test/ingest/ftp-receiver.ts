// An FTP receiver on loopback for tests: one user whose password is in `env`, a passive range of its own.
import type { FtpConfig } from "../../src/ingest/config.ts";
import { type CompletedUpload, type FtpReceiver, startFtpReceiver } from "../../src/ingest/receivers/ftp.ts";
import { tempDir } from "../helpers/cli.ts";

const silent = { info() {}, warn() {}, error() {} };

export interface TestReceiverOptions {
  user: string;
  /** The variable in `env` that holds the user's password. */
  passwordEnv: string;
  env: NodeJS.ProcessEnv;
  port?: number;
  /** The first of the passive ports (default: one of a hundred in 47000-48900). */
  passivePorts?: { minPort: number; maxPort: number };
  maxConnections?: number;
  onComplete?: (upload: CompletedUpload) => void;
  rootDir?: string;
}

export function startTestReceiver(options: TestReceiverOptions): Promise<FtpReceiver> {
  const first = 47000 + 100 * Math.floor(Math.random() * 20);
  const config: FtpConfig = {
    enabled: true,
    host: "127.0.0.1",
    port: options.port ?? 0,
    root: "incoming",
    allow: [],
    maxConnections: options.maxConnections ?? 100,
    confirmMs: 200,
    passive: { url: "127.0.0.1", ...(options.passivePorts ?? { minPort: first, maxPort: first + 99 }) },
    users: [{ name: options.user, passwordEnv: options.passwordEnv }],
  };
  return startFtpReceiver({
    config,
    rootDir: options.rootDir ?? tempDir(),
    isTemporary: (name) => name.startsWith("."),
    onComplete: options.onComplete ?? (() => undefined),
    logger: silent,
    env: options.env,
  });
}
