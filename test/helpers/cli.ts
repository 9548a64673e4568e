// Runs the real `cloudburst` command in a child process, as a user would.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const projectRoot = resolve(import.meta.dirname, "../..");
export const cliPath = join(projectRoot, "bin/cloudburst.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** The test file's temporary directories, removed when its process ends (set CLOUDBURST_KEEP_TEST_DIRS to look at them). */
const madeDirs: string[] = [];

function removeMadeDirs(): void {
  for (const dir of madeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A directory a process still writes to (or one owned by another user) stays for the system's cleaning.
    }
  }
}

/** The first Node on PATH other than the pinned one (on these machines Debian's Node 20), else the pinned one. */
export function systemNode(): string {
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    const candidate = join(dir, "node");
    if (existsSync(candidate) && realpathSync(candidate) !== realpathSync(process.execPath)) return candidate;
  }
  return process.execPath;
}

export function tempDir(prefix = "cb-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (madeDirs.length === 0 && !process.env["CLOUDBURST_KEEP_TEST_DIRS"])
    process.once("exit", removeMadeDirs);
  madeDirs.push(dir);
  return dir;
}

/** Starts `cloudburst ...args` and returns the child (for servers and workers). */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs `cloudburst ...args` to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin!.end(options.input ?? "");
  return new Promise((resolveResult) => {
    child.on("close", (code) => resolveResult({ code, stdout, stderr }));
  });
}

/** Waits until the child prints a line matching `pattern` on stdout or stderr. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const match = seen.match(pattern);
      if (match) {
        cleanup();
        resolveLine(match[0]);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`exited ${code} before printing ${pattern}; output:\n${seen.slice(-2000)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", onExit);
  });
}

/** Sends `signal` and resolves with the exit code. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveCode) => {
    child.once("exit", (code) => resolveCode(code));
    child.kill(signal);
  });
}
