// Alert receivers on loopback: a real SMTP server (npm smtp-server) and a webhook, recording what they get.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Mail {
  to: string[];
  subject: string;
  /** The whole message as a person reads it (quoted-printable undone). */
  data: string;
}

export interface AlertReceivers {
  smtpPort: number;
  hookUrl: string;
  mails: Mail[];
  hooks: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export async function startAlertReceivers(): Promise<AlertReceivers> {
  const mails: Mail[] = [];
  const hooks: Array<Record<string, unknown>> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const data = decodeQuotedPrintable(Buffer.concat(chunks).toString());
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(data)?.[1]?.replace(/\r?\n[ \t]/g, " ") ?? "",
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => smtp.listen(0, "127.0.0.1", ok));
  const hookServer: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      hooks.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => hookServer.listen(0, "127.0.0.1", ok));
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    hookUrl: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`,
    mails,
    hooks,
    async close() {
      await new Promise<void>((ok) => smtp.close(() => ok()));
      hookServer.closeAllConnections();
      await new Promise<void>((ok) => hookServer.close(() => ok()));
    },
  };
}
