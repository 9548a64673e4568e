// SHA-256 of a whole file, computed in a worker thread: the main thread is meanwhile busy scanning the
// same file (and hashing each message), so on a 2-core data server the two run side by side.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The hex SHA-256 of the file at `path`. */
export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { path } });
    worker.once("message", (message: { hash?: string; error?: string }) => {
      if (message.hash) resolve(message.hash);
      else reject(new Error(message.error ?? "hashing failed"));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the hashing worker exited with code ${code}`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as { path?: string } | null)?.path) {
  const port = parentPort;
  hashFile((workerData as { path: string }).path).then(
    (hash) => port.postMessage({ hash }),
    (error: Error) => port.postMessage({ error: error.message }),
  );
}
