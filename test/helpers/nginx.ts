// A real nginx with its WebDAV module for tests: its own configuration, prefix and temporary paths in
// a temporary directory, basic authentication with a password made up for the run, plain HTTP and
// HTTPS (a self-signed certificate) on free ports of 127.0.0.1. Stopped (and restartable) by the test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../src/system/processes.ts";
import { tempDir } from "./cli.ts";
import { stopProcess, waitForPort } from "./servers.ts";

export const nginxPath = "/usr/sbin/nginx";

export interface Nginx {
  port: number;
  tlsPort: number;
  user: string;
  password: string;
  /** The directory the server's URL path / maps to. */
  root: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNginx(): Promise<Nginx> {
  const dir = tempDir("cb-nginx-");
  const root = join(dir, "www");
  mkdirSync(root);
  for (const temp of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, temp));
  const user = "products";
  const password = randomBytes(12).toString("base64url");
  const hash = execFileSync("openssl", ["passwd", "-apr1", "-stdin"], {
    input: password,
    encoding: "utf8",
  }).trim();
  writeFileSync(join(dir, "htpasswd"), `${user}:${hash}\n`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]),
    { stdio: "ignore" },
  );
  const [port, tlsPort] = [await freePort(), await freePort()];
  const server = (listen: string) => `
    server {
      listen ${listen};
      server_name 127.0.0.1;
      ssl_certificate ${join(dir, "cert.pem")};
      ssl_certificate_key ${join(dir, "key.pem")};
      root ${root};
      client_max_body_size 0;
      location / {
        dav_methods PUT DELETE MKCOL COPY MOVE;
        dav_access user:rw group:r all:r;
        auth_basic "cloudburst test";
        auth_basic_user_file ${join(dir, "htpasswd")};
      }
    }`;
  writeFileSync(
    join(dir, "nginx.conf"),
    `# Workers run as the user nginx is started as (root's would otherwise be nobody, locked out of ${root}).
${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log stderr error;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  ${server(`127.0.0.1:${port}`)}
  ${server(`127.0.0.1:${tlsPort} ssl`)}
}
`,
  );
  let child: ChildProcess | null = null;
  const nginx: Nginx = {
    port,
    tlsPort,
    user,
    password,
    root,
    async start() {
      child = spawn(nginxPath, ["-e", "stderr", "-p", dir, "-c", join(dir, "nginx.conf")], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      await waitForPort(port, child, "nginx");
      await waitForPort(tlsPort, child, "nginx");
    },
    async stop() {
      // SIGTERM: a fast shutdown, which also cuts the connections still open.
      if (child) await stopProcess(child, "SIGTERM");
      child = null;
    },
  };
  await nginx.start();
  return nginx;
}
