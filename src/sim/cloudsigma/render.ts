// The simulator's resources in CloudSigma's response shapes, key for key as the recorded responses in
// reference/cloudsigma-api-2.0/dumps show them (list entries, detail entries, single objects).
import { isoTime } from "./clock.ts";
import type { CloudSigmaEngine } from "./engine.ts";
import type { Drive, Ip, Job, Server, Subscription, Tag, Vlan } from "./model.ts";
import { decimal } from "./pricing.ts";
import { humanInterval } from "./values.ts";

const API = "/api/2.0";

export const ref = (kind: string, uuid: string) => ({ resource_uri: `${API}/${kind}/${uuid}/`, uuid });

export class Renderer {
  private readonly engine: CloudSigmaEngine;
  constructor(engine: CloudSigmaEngine) {
    this.engine = engine;
  }

  owner() {
    return ref("user", this.engine.data.owner);
  }

  private tagRefs(uuid: string) {
    return this.engine.tags.of(uuid).map((t) => ref("tags", t.uuid));
  }

  private guestRunning(server: Server): boolean {
    return server.status === "running" || (server.status === "stopping" && server.activeSince !== null);
  }

  private nicRuntime(server: Server, mac: string) {
    const nic = server.nics.find((n) => n.mac === mac)!;
    const ip = server.dynamicIps[mac] ?? (nic.ip_v4_conf?.conf === "static" ? nic.ip_v4_conf.ip : null);
    return {
      interface_type: nic.vlan ? "private" : "public",
      io: { bytes_recv: 0, bytes_sent: 0, packets_recv: 0, packets_sent: 0 },
      ip_v4: ip ? ref("ips", ip) : null,
      ip_v6: null,
    };
  }

  serverRuntime(server: Server) {
    if (!this.guestRunning(server) || server.activeSince === null) return null;
    return {
      active_since: isoTime(server.activeSince).replace(/\.\d{3}/, ""),
      nics: server.nics.map((n) => ({ ...this.nicRuntime(server, n.mac), mac: n.mac })),
    };
  }

  serverListEntry(server: Server) {
    return {
      name: server.name,
      owner: this.owner(),
      resource_uri: `${API}/servers/${server.uuid}/`,
      runtime: this.serverRuntime(server),
      status: server.status,
      uuid: server.uuid,
    };
  }

  server(server: Server) {
    const running = this.guestRunning(server);
    return {
      context: server.context,
      cpu: server.cpu,
      cpu_model: server.cpu_model,
      cpu_type: server.cpu_type,
      cpus_instead_of_cores: server.cpus_instead_of_cores,
      drives: server.drives.map((d) => ({
        boot_order: d.boot_order,
        dev_channel: d.dev_channel,
        device: d.device,
        drive: ref("drives", d.drive),
        runtime: running
          ? {
              io: {
                bytes_read: 0,
                bytes_written: 0,
                count_flush: 0,
                count_read: 0,
                count_written: 0,
                total_time_ns_flush: 0,
                total_time_ns_read: 0,
                total_time_ns_write: 0,
              },
            }
          : null,
      })),
      enable_numa: server.enable_numa,
      grantees: [],
      hv_relaxed: server.hv_relaxed,
      hv_tsc: server.hv_tsc,
      hypervisor: server.hypervisor,
      jobs: server.jobs.map((j) => ref("jobs", j)),
      mem: server.mem,
      meta: server.meta,
      name: server.name,
      nics: server.nics.map((n) => ({
        boot_order: n.boot_order,
        ip_v4_conf: n.ip_v4_conf
          ? { conf: n.ip_v4_conf.conf, ip: n.ip_v4_conf.ip ? ref("ips", n.ip_v4_conf.ip) : null }
          : null,
        ip_v6_conf: n.ip_v6_conf
          ? { conf: n.ip_v6_conf.conf, ip: n.ip_v6_conf.ip ? ref("ips", n.ip_v6_conf.ip) : null }
          : null,
        mac: n.mac,
        model: n.model,
        runtime: running ? this.nicRuntime(server, n.mac) : null,
        vlan: n.vlan ? ref("vlans", n.vlan) : null,
      })),
      owner: this.owner(),
      permissions: [],
      pubkeys: server.pubkeys,
      requirements: server.requirements,
      resource_uri: `${API}/servers/${server.uuid}/`,
      runtime: this.serverRuntime(server),
      smp: server.smp,
      status: server.status,
      tags: this.tagRefs(server.uuid),
      uuid: server.uuid,
      vnc_password: server.vnc_password,
    };
  }

  driveListEntry(drive: Drive) {
    return {
      owner: this.owner(),
      resource_uri: `${API}/drives/${drive.uuid}/`,
      status: drive.status,
      uuid: drive.uuid,
    };
  }

  drive(drive: Drive, detail = false) {
    return {
      affinities: drive.affinities,
      allow_multimount: drive.allow_multimount,
      grantees: [],
      jobs: drive.jobs.map((j) => ref("jobs", j)),
      licenses: drive.licenses,
      media: drive.media,
      meta: drive.meta,
      mounted_on: this.engine.servers.mounting(drive.uuid).map((s) => ref("servers", s.uuid)),
      name: drive.name,
      owner: this.owner(),
      permissions: [],
      resource_uri: `${API}/drives/${drive.uuid}/`,
      runtime: detail
        ? {
            is_downloadable: true,
            is_snapshotable: true,
            is_ephemeral: false,
            snapshots_allocated_size: 0,
            storage_type: drive.storage_type,
          }
        : { is_snapshotable: true, snapshots_allocated_size: 0, storage_type: drive.storage_type },
      size: drive.size,
      snapshots: [],
      status: drive.status,
      storage_type: drive.storage_type,
      tags: this.tagRefs(drive.uuid),
      uuid: drive.uuid,
    };
  }

  tag(tag: Tag) {
    return {
      meta: tag.meta,
      name: tag.name,
      owner: this.owner(),
      resource_uri: `${API}/tags/${tag.uuid}/`,
      resources: tag.resources.flatMap((uuid) => {
        const type = this.engine.resourceType(uuid);
        return type
          ? [{ owner: this.owner(), res_type: type, resource_uri: `${API}/${type}/${uuid}/`, uuid }]
          : [];
      }),
      uuid: tag.uuid,
    };
  }

  /** GET /tags/{uuid}/servers/: list entries, with resource_uri nested as the recorded response has it. */
  taggedServerEntry(server: Server) {
    return { ...this.serverListEntry(server), resource_uri: ref("servers", server.uuid) };
  }

  private vlanServers(vlan: Vlan) {
    const attached = this.engine.servers
      .list()
      .filter((s) => s.nics.some((n) => n.vlan === vlan.uuid))
      .map((s) => s.uuid);
    // The billing leak: deleted servers the VLAN still counts.
    return [...attached, ...vlan.leakedServers].map((uuid) => ref("servers", uuid));
  }

  vlanListEntry(vlan: Vlan) {
    return { owner: this.owner(), resource_uri: `${API}/vlans/${vlan.uuid}/`, uuid: vlan.uuid };
  }

  vlan(vlan: Vlan) {
    return {
      bottom_vlan_tag: null,
      grantees: [],
      meta: vlan.meta,
      owner: this.owner(),
      permissions: [],
      resource_uri: `${API}/vlans/${vlan.uuid}/`,
      servers: this.vlanServers(vlan),
      subscription: { id: vlan.subscription, resource_uri: `${API}/subscriptions/${vlan.subscription}/` },
      tags: this.tagRefs(vlan.uuid),
      uuid: vlan.uuid,
    };
  }

  /** Owned IPs and the IPs DHCP gave to running guests. */
  allIps(): Array<{ ip: Ip | null; uuid: string; server: string | null }> {
    const owned = Object.values(this.engine.data.ips).map((ip) => ({
      ip,
      uuid: ip.uuid,
      server:
        this.engine.servers
          .list()
          .find((s) => s.nics.some((n) => n.ip_v4_conf?.conf === "static" && n.ip_v4_conf.ip === ip.uuid))
          ?.uuid ?? null,
    }));
    const dynamic = this.engine.servers
      .list()
      .flatMap((s) => Object.values(s.dynamicIps).map((uuid) => ({ ip: null, uuid, server: s.uuid })));
    return [...owned, ...dynamic];
  }

  ipListEntry(entry: { uuid: string; server: string | null }) {
    return {
      owner: this.owner(),
      resource_uri: `${API}/ips/${entry.uuid}/`,
      server: entry.server ? ref("servers", entry.server) : null,
      uuid: entry.uuid,
    };
  }

  ip(entry: { ip: Ip | null; uuid: string; server: string | null }) {
    const gateway = entry.uuid.replace(/\.\d+$/, ".1");
    return {
      gateway,
      grantees: [],
      meta: entry.ip?.meta ?? {},
      nameservers: ["198.51.100.2", "198.51.100.3"],
      netmask: 24,
      owner: this.owner(),
      permissions: [],
      resource_uri: `${API}/ips/${entry.uuid}/`,
      server: entry.server ? ref("servers", entry.server) : null,
      subscription: entry.ip
        ? { id: entry.ip.subscription, resource_uri: `${API}/subscriptions/${entry.ip.subscription}/` }
        : null,
      tags: this.tagRefs(entry.uuid),
      uuid: entry.uuid,
    };
  }

  subscription(sub: Subscription): Record<string, unknown> {
    const seconds = Math.round((sub.end - sub.start) / 1000);
    return {
      amount: String(sub.amount),
      auto_renew: sub.auto_renew,
      descendants: sub.descendants.map((id) => this.subscription(this.engine.subscriptions.get(String(id)))),
      discount_amount: null,
      discount_percent: null,
      discounts: null,
      end_time: isoTime(sub.end),
      free_tier: false,
      id: String(sub.id),
      period: `${Math.floor(seconds / 86400)} days, ${new Date((seconds % 86400) * 1000).toISOString().slice(11, 19)}`,
      price: decimal(sub.price),
      remaining: String(sub.amount),
      resource: sub.resource,
      resource_uri: `${API}/subscriptions/${sub.id}/`,
      start_time: isoTime(sub.start),
      status: sub.status,
      subscribed_object: sub.subscribed_object,
      uuid: sub.uuid,
      was_billed: sub.price > 0,
    };
  }

  job(job: Job): Record<string, unknown> {
    return {
      children: job.children
        .map((c) => this.engine.data.jobs[c])
        .filter((c): c is Job => c !== undefined)
        .map((c) => this.job(c)),
      created: isoTime(job.created),
      data: { progress: this.engine.jobs.progress(job) },
      last_modified: isoTime(job.last_modified),
      operation: job.operation,
      resource_uri: `${API}/jobs/${job.uuid}/`,
      resources: job.resources,
      state: job.state,
      uuid: job.uuid,
    };
  }

  ledger() {
    return this.engine.data.ledger.map((e) => ({
      amount: decimal(e.amount),
      billing_cycle: e.billing_cycle,
      end: decimal(e.end),
      human_interval: e.interval === null ? null : humanInterval(e.interval),
      id: String(e.id),
      initial: decimal(e.initial),
      interval: e.interval,
      poll_time: isoTime(e.poll_time),
      reason: e.reason,
      resource_amount: String(e.resource_amount),
      time: isoTime(e.time),
    }));
  }

  balance() {
    return {
      balance: decimal(this.engine.data.balance),
      credit_limit: null,
      currency: this.engine.data.currency,
    };
  }

  currentUsage() {
    const using = this.engine.billing.using();
    const entry = (resource: string) => {
      const u = using[resource] ?? 0;
      const subscribed = this.engine.subscriptions.subscribed(resource);
      return { burst: Math.max(0, u - subscribed), subscribed, using: u };
    };
    const zero = { burst: 0, subscribed: 0, using: 0 };
    return {
      balance: { balance: decimal(this.engine.data.balance), currency: this.engine.data.currency },
      usage: {
        amd_cpu: entry("cpu"),
        amd_mem: entry("mem"),
        cpu: entry("cpu"),
        dssd: entry("dssd"),
        ip: entry("ip"),
        mem: entry("mem"),
        msft_7jq_00341: zero,
        msft_7nq_00302: zero,
        msft_p73_04837_core: zero,
        msft_tfa_00523: zero,
        sms: zero,
        sparc_t4_cpu: zero,
        sparc_t4_mem: zero,
        ssd: zero,
        tx: entry("tx"),
        vlan: entry("vlan"),
        vlan_ecx: zero,
        zadara: zero,
      },
    };
  }
}
