// Passive data ports for the FTP receiver. Every port of the configured range is tried once, from just
// after the last one handed out, so that a busy range yields its last free port (ftp-srv gives up after
// five in a row), and a full one is a clear 425 reply that a client retries.
import { createServer } from "node:net";

/** The reply to a PASV or EPSV when every port of the range is taken: 425, try again. */
export class PassivePortsExhausted extends Error {
  override name = "PassivePortsExhausted";
  readonly code = 425;
}

/** The number of transfers the range can carry at once: one port each. */
export function passiveRangeSize(range: { minPort: number; maxPort: number }): number {
  return range.maxPort - range.minPort + 1;
}

export function passivePortFinder(
  host: string,
  range: { minPort: number; maxPort: number },
): () => Promise<number> {
  let next = range.minPort;
  return async () => {
    for (let tried = 0; tried < passiveRangeSize(range); tried++) {
      const port = next;
      next = port >= range.maxPort ? range.minPort : port + 1;
      if (await isFree(host, port)) return port;
    }
    throw new PassivePortsExhausted(
      `no passive port is free in ${range.minPort}-${range.maxPort}: too many transfers at once; try again shortly`,
    );
  };
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
