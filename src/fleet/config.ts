// The `fleet:` section of the configuration file. Credentials never come from the file: they come
// from CLOUDSIGMA_USERNAME/CLOUDSIGMA_PASSWORD or CLOUDSIGMA_TOKEN.
import { z } from "zod";
import { vlanConfigSchema } from "./vlan.ts";

const retry = z
  .strictObject({
    attempts: z.number().int().min(1).max(50).default(6),
    baseMs: z.number().int().min(1).default(500),
    maxMs: z.number().int().min(1).default(30_000),
  })
  .prefault({});

const cloudsigma = z
  .strictObject({
    /** e.g. https://zrh.cloudsigma.com/api/2.0/ */
    apiUrl: z.url().optional(),
    /** The golden server (uuid or name) cloned per compute node. */
    goldenServer: z.string().min(1).optional(),
    /** Previous golden images kept as rolling backups (`fleet golden update`). */
    goldenKeep: z.number().int().min(0).max(50).default(3),
    /** The data server (uuid or name): started before a cycle, stopped after delivery; never destroyed. */
    dataServer: z.string().min(1).optional(),
    /** Clones and starts in flight at once (the thesis saw provisioning slow down past 4). */
    concurrency: z.number().int().min(1).max(64).default(4),
    pageSize: z.number().int().min(1).max(1000).default(20),
    pollIntervalMs: z.number().int().min(10).default(2000),
    requestTimeoutMs: z.number().int().min(100).default(30_000),
    cloneTimeoutSeconds: z.number().positive().default(900),
    startTimeoutSeconds: z.number().positive().default(300),
    /** How long an ACPI shutdown may take before the hard stop. */
    gracefulStopSeconds: z.number().positive().default(60),
    deleteTimeoutSeconds: z.number().positive().default(300),
    retry,
    /** Keypair uuids attached to every node (its SSH keys; nodes get no passwords). */
    pubkeys: z.array(z.string().min(1)).default([]),
    /** A private VLAN uuid: every node gets a second NIC on it for data traffic. */
    privateVlan: z.string().min(1).optional(),
    /** A firewall policy uuid applied to the nodes' public NIC. */
    firewallPolicy: z.string().min(1).optional(),
    /** The currency of the account, for picking prices. */
    currency: z.string().min(3).max(3).default("EUR"),
  })
  .prefault({});

const local = z
  .strictObject({
    /** The command a local node runs; the worker's arguments are appended. */
    command: z.array(z.string().min(1)).min(1).default(["node", "bin/cloudburst.js", "worker"]),
    /** Where nodes' state and logs live, relative to dataDir. */
    stateDir: z.string().min(1).default("fleet/local"),
    maxNodes: z.number().int().min(1).max(256).default(16),
    /** A node is ready when its log shows this (the worker's ready line); empty: as soon as it runs. */
    readyText: z.string().default(" ready: queue "),
    /** Longest wait for readyText before the node counts as ready anyway. */
    readySeconds: z.number().positive().default(60),
  })
  .prefault({});

export const fleetConfigSchema = z
  .strictObject({
    /** The environment name every resource is tagged with (e.g. prod, test). */
    environment: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,30}$/, "lower-case letters, digits, - and _; at most 31 characters")
      .default("dev"),
    provider: z.enum(["local", "cloudsigma"]).default("local"),
    /** Compute nodes per cycle unless the operator says otherwise. */
    computeNodes: z.number().int().min(0).max(256).default(2),
    /** The data server is up this long before data is due (the thesis: T−5 min). */
    dataServerLeadSeconds: z.number().int().min(0).default(300),
    /** Compute nodes go down this long after processing is done (grace for the last uploads). */
    drainSeconds: z.number().int().min(0).default(0),
    leadTime: z
      .strictObject({
        /** Used until enough provisioning times are measured (the thesis's fixed 3–4 min margin). */
        defaultSeconds: z.number().positive().default(210),
        marginSeconds: z.number().min(0).default(20),
        /** Measurements needed before the learned lead time is used. */
        minSamples: z.number().int().min(1).default(5),
        /** How many recent measurements count. */
        window: z.number().int().min(1).default(200),
        percentile: z.number().min(50).max(100).default(95),
      })
      .prefault({}),
    /**
     * Compute nodes follow the cycle's job backlog and the stream's pace, up to its N (the cycle's
     * demand must be known: the control server's cycles provide it). Off: N nodes for the whole cycle.
     */
    autoscale: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** A backlog of jobs should be cleared within this many seconds. */
        backlogSeconds: z.number().positive().default(60),
        /** Jobs a compute node runs at once (the worker's --concurrency). */
        jobsPerNode: z.number().int().min(1).default(1),
        /**
         * While data streams in, enough nodes that each is busy with it at most this share of the
         * time (the rest absorbs uneven steps; at 1 every step queues behind the one before).
         */
        maxUtilisation: z.number().gt(0).max(1).default(0.8),
      })
      .prefault({}),
    reconcileIntervalSeconds: z.number().positive().default(15),
    /**
     * Nothing stays stuck unseen: a node not running this long after it was asked for (it is then
     * replaced), a node still there this long after it was released, or a reconcile loop failing this
     * long raises an alert. Longer than a slow provisioning (CloudSigma: clone 15 min + start 5 min).
     */
    stuckSeconds: z.number().positive().default(1500),
    /**
     * A ready compute node whose worker has not called the worker protocol this long (since the node
     * ran, or since its last call) has no worker: it is destroyed and replaced, with an alert. Its
     * worker fetches or beats a heart every few seconds; this leaves a real VM time to run its user
     * data (the release installed at boot) before the first call.
     */
    workerSilenceSeconds: z.number().positive().default(180),
    /** How often the reconcile loop also compares what we own with what the provider bills. */
    leakCheckIntervalSeconds: z.number().positive().default(600),
    /** A balance must cover this many days of the planned burst before a cycle starts (CloudSigma wants 5). */
    fundedDays: z.number().min(0).default(5),
    /** Used when the provider publishes no usable price. */
    nodePricePerHour: z.number().min(0).default(0),
    currency: z.string().min(3).max(3).default("EUR"),
    /** The URL workers use to reach the control/data server (goes into nodes' user data). */
    workerServerUrl: z.url().optional(),
    /**
     * The URL the data server reaches the control role at (on-premise, over the VPN). Set, the data
     * server boots with user data that starts the data role with the control role's settings, taken
     * with a token of its cycle; unset, it runs what its image holds (the playbook's data role).
     */
    controlUrl: z.url().optional(),
    /**
     * The private network: nodes get a static address from it, and the URL they are given names the
     * data role's address on it instead of the host above. Unset: nodes use that URL as it is.
     */
    vlan: vlanConfigSchema.optional(),
    /**
     * The worker's arguments after `cloudburst worker`; {serverUrl}, {nodeName} (the cycle's node name
     * prefix), {environment}, {cycle} are filled in. Without --name a worker is named after its node.
     */
    workerArgs: z.array(z.string()).default([]),
    /** The operators' SSH public keys, put on every node by cloud-init (nodes get no passwords). */
    sshAuthorizedKeys: z
      .array(z.string().regex(/^(ssh|ecdsa)-\S+ \S+/, "an SSH public key line"))
      .default([]),
    /** Ansible host groups for the inventory. */
    inventory: z
      .strictObject({
        dataGroup: z.string().min(1).default("dataserver"),
        computeGroup: z.string().min(1).default("compute"),
        ansibleUser: z.string().min(1).optional(),
      })
      .prefault({}),
    local,
    cloudsigma,
  })
  .prefault({});

export type FleetConfig = z.infer<typeof fleetConfigSchema>;
export type CloudSigmaConfig = FleetConfig["cloudsigma"];
export type LocalConfig = FleetConfig["local"];

/** Environment variables the fleet reads. */
export const fleetEnvironmentKeys = {
  username: "CLOUDSIGMA_USERNAME",
  passwordVariable: "CLOUDSIGMA_PASSWORD",
  token: "CLOUDSIGMA_TOKEN",
  apiUrl: "CLOUDSIGMA_API_URL",
} as const;
