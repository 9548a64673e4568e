// What a new node is told at boot: cloud-init user data that starts `cloudburst worker` pointed at
// the data server, and the same arguments for a local worker process.

export interface WorkerLaunch {
  /** The control/data server's URL. */
  serverUrl: string;
  /** The PostgreSQL URL the worker takes jobs from (the data server's); none for local workers. */
  databaseUrl?: string | undefined;
  nodeName: string;
  environment: string;
  cycle: string;
}

export const defaultWorkerArgs: readonly string[] = [];

/** The worker's command-line arguments (after `cloudburst worker`), from the fleet.workerArgs template. */
export function workerArguments(
  launch: WorkerLaunch,
  template: readonly string[] = defaultWorkerArgs,
): string[] {
  const values: Record<string, string> = {
    serverUrl: launch.serverUrl,
    nodeName: launch.nodeName,
    environment: launch.environment,
    cycle: launch.cycle,
  };
  return template.map((arg) =>
    arg.replace(/\{(serverUrl|nodeName|environment|cycle)\}/g, (_, key: string) => values[key]!),
  );
}

/**
 * Cloud-init user data: a systemd unit that runs the worker and restarts it if it dies, with the data
 * server's database URL in its environment (readable only by the account that owns the server).
 */
export function cloudInitUserData(
  launch: WorkerLaunch,
  sshKeys: readonly string[] = [],
  template: readonly string[] = defaultWorkerArgs,
): string {
  const args = workerArguments(launch, template)
    .map((a) => shellQuote(a))
    .join(" ");
  const foreground = launch.databaseUrl ? `DATABASE_URL=${shellQuote(launch.databaseUrl)} ` : "";
  const lines = [
    "#cloud-config",
    "ssh_pwauth: false",
    "disable_root: true",
    ...(sshKeys.length ? ["ssh_authorized_keys:", ...sshKeys.map((k) => `  - ${JSON.stringify(k)}`)] : []),
    "write_files:",
    "  - path: /etc/systemd/system/cloudburst-worker.service",
    "    permissions: '0644'",
    "    content: |",
    "      [Unit]",
    "      Description=cloudburst worker",
    "      After=network-online.target",
    "      Wants=network-online.target",
    "      [Service]",
    `      Environment=CLOUDBURST_ENVIRONMENT=${launch.environment} CLOUDBURST_CYCLE=${launch.cycle}`,
    ...(launch.databaseUrl
      ? [`      Environment=${systemdQuote(`DATABASE_URL=${launch.databaseUrl}`)}`]
      : []),
    `      ExecStart=/usr/bin/env cloudburst worker ${args}`,
    "      Restart=always",
    "      RestartSec=2",
    "      [Install]",
    "      WantedBy=multi-user.target",
    // Where systemd is absent (a container, the simulator's guests), run the worker in the foreground.
    "runcmd:",
    `  - ${JSON.stringify(`systemctl daemon-reload && systemctl enable --now cloudburst-worker.service || ${foreground}exec cloudburst worker ${args}`)}`,
    "",
  ];
  return lines.join("\n");
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function systemdQuote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}
