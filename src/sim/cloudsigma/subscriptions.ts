// Simulated subscriptions and what they buy: resources at a period's price, and the VLANs and IPs that
// exist only while their subscription runs. Subscriptions renew by themselves while auto_renew is on
// and the balance pays; they cannot be deleted.
import { randomUUID } from "node:crypto";
import type { CloudSigmaEngine } from "./engine.ts";
import { ApiError, invalid, notFound } from "./errors.ts";
import type { Subscription } from "./model.ts";
import { subscriptionPrice } from "./pricing.ts";
import { bool, checkMeta, subscriptionSeconds } from "./values.ts";

interface Plan {
  resource: string;
  amount: number;
  seconds: number;
  period: string;
  auto_renew: boolean;
}

export class Subscriptions {
  readonly #e: CloudSigmaEngine;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
  }

  get(id: string): Subscription {
    const sub = this.#e.data.subscriptions[id];
    if (!sub) throw new ApiError(404, "notexist", `Subscription with id ${id} does not exist`);
    return sub;
  }

  list(): Subscription[] {
    return Object.values(this.#e.data.subscriptions);
  }

  /** Subscribed amount of a resource now (active subscriptions). */
  subscribed(resource: string): number {
    return this.list()
      .filter((s) => s.resource === resource && s.status === "active")
      .reduce((sum, s) => sum + s.amount, 0);
  }

  /** Buys subscriptions (VLANs and IPs one per unit), paid at once unless `free` (the seeded account's). */
  buy(defs: Array<Record<string, unknown>>, now = this.#e.now(), free = false): Subscription[] {
    const plans = defs.map((def) => plan(def, now));
    const units = plans.flatMap((p) =>
      p.resource === "ip" || p.resource === "vlan"
        ? Array.from({ length: p.amount }, () => ({ ...p, amount: 1 }))
        : [p],
    );
    if (units.length > 500)
      throw invalid("objects", "At most 500 subscriptions can be bought in one request");
    const prices = units.map((u) => subscriptionPrice(u.resource, u.amount, u.seconds));
    const total = prices.reduce((a, b) => a + b, 0);
    const { data } = this.#e;
    if (!free && data.balance < total)
      throw new ApiError(
        402,
        "billing",
        `Not enough funds: the subscriptions cost ${total.toFixed(2)} ${data.currency}, the balance is ${data.balance.toFixed(2)} ${data.currency}`,
      );
    const subs = units.map((u, i) => this.#start(u, now, free ? 0 : prices[i]!, free));
    this.#e.markDirty();
    return subs;
  }

  #start(u: Plan, now: number, price: number, free: boolean): Subscription {
    const { data } = this.#e;
    const sub: Subscription = {
      id: data.nextSubscriptionId++,
      uuid: randomUUID(),
      resource: u.resource,
      amount: u.amount,
      period: u.period,
      periodSeconds: u.seconds,
      start: now,
      end: now + u.seconds * 1000,
      auto_renew: u.auto_renew,
      price,
      status: "active",
      subscribed_object: null,
      descendants: [],
    };
    if (u.resource === "vlan") {
      const vlan = { uuid: randomUUID(), meta: {}, subscription: sub.id, leakedServers: [] };
      data.vlans[vlan.uuid] = vlan;
      sub.subscribed_object = vlan.uuid;
    } else if (u.resource === "ip") {
      const ip = { uuid: this.#freeIp(), meta: {}, subscription: sub.id };
      data.ips[ip.uuid] = ip;
      sub.subscribed_object = ip.uuid;
    }
    data.subscriptions[String(sub.id)] = sub;
    if (!free)
      this.#e.billing.charge(
        sub.price,
        `Subscription: ${u.amount} ${u.resource} for ${u.period}`,
        now,
        u.amount,
      );
    return sub;
  }

  setAutoRenew(id: string, value: unknown): Subscription {
    const sub = this.get(id);
    sub.auto_renew = typeof value === "boolean" ? value : !sub.auto_renew;
    this.#e.markDirty();
    return sub;
  }

  extend(id: string, def: Record<string, unknown>): Subscription {
    let sub = this.get(id);
    while (sub.descendants.length > 0) sub = this.get(String(sub.descendants.at(-1)));
    const seconds = def["period"] || def["end_time"] ? subscriptionSeconds(def, sub.end) : sub.periodSeconds;
    return this.#renew(sub, seconds, true)!;
  }

  /** Starts the next subscription in `sub`'s chain; null if the balance cannot pay for it. */
  #renew(sub: Subscription, seconds: number, strict: boolean): Subscription | null {
    const { data } = this.#e;
    const price = subscriptionPrice(sub.resource, sub.amount, seconds);
    if (data.balance < price) {
      if (strict) throw new ApiError(402, "billing", `Not enough funds to extend subscription ${sub.id}`);
      return null;
    }
    const next: Subscription = {
      ...structuredClone(sub),
      id: data.nextSubscriptionId++,
      uuid: randomUUID(),
      periodSeconds: seconds,
      start: sub.end,
      end: sub.end + seconds * 1000,
      price,
      status: sub.end <= this.#e.now() ? "active" : "inactive",
      descendants: [],
    };
    sub.descendants.push(next.id);
    data.subscriptions[String(next.id)] = next;
    this.#e.billing.charge(
      price,
      `Subscription: ${sub.amount} ${sub.resource} for ${sub.period} (renewal of ${sub.id})`,
      this.#e.now(),
      sub.amount,
    );
    this.#e.markDirty();
    return next;
  }

  /** A VLAN's or IP's meta and tags (the only things a user changes on them). */
  updateMeta(kind: "vlans" | "ips", uuid: string, def: Record<string, unknown>): void {
    const item = this.#e.data[kind][uuid];
    if (!item) throw notFound(kind === "vlans" ? "VLAN" : "IP", uuid);
    const { tags } = this.#e;
    const tagged = def["tags"] === undefined ? null : tags.parseList(def["tags"]);
    if (def["meta"] !== undefined) item.meta = checkMeta(def["meta"]);
    if (tagged) tags.set(uuid, tagged);
    this.#e.markDirty();
  }

  #freeIp(): string {
    const { ips } = this.#e.data;
    for (let i = 10; i < 250; i++) {
      const ip = `198.51.100.${i}`;
      if (!ips[ip]) return ip;
    }
    return `203.0.113.${1 + Object.keys(ips).length}`;
  }

  /** Does what falls due: a renewal taking over, or an expiry that takes its VLAN or IP away. */
  advance(sub: Subscription, now: number): void {
    if (sub.status === "inactive" && sub.start <= now) {
      sub.status = "active";
      this.#e.markDirty();
    }
    if (sub.status !== "active" || sub.end > now) return;
    sub.status = "expired";
    const { data } = this.#e;
    const next = sub.descendants.length
      ? data.subscriptions[String(sub.descendants.at(-1))]
      : sub.auto_renew
        ? this.#renew(sub, sub.periodSeconds, false)
        : null;
    const object = sub.subscribed_object;
    if (next) {
      next.status = "active";
      if (object && data.vlans[object]) data.vlans[object]!.subscription = next.id;
      if (object && data.ips[object]) data.ips[object]!.subscription = next.id;
    } else if (object) {
      // "The VLAN will disappear when the subscription for it expires."
      delete data.vlans[object];
      delete data.ips[object];
      this.#e.tags.forget(object);
      this.#e.note(`subscription ${sub.id} (${sub.resource}) expired`);
    }
    this.#e.markDirty();
  }
}

function plan(def: Record<string, unknown>, now: number): Plan {
  const resource = def["resource"] === "hdd" ? "dssd" : def["resource"];
  if (typeof resource !== "string") throw invalid("resource", "This field is required");
  if (!["dssd", "cpu", "mem", "tx", "ip", "vlan"].includes(resource))
    throw invalid("resource", `Unknown resource ${resource}`);
  const amount = Number(def["amount"]);
  if (!Number.isInteger(amount) || amount <= 0) throw invalid("amount", "This field is required");
  const seconds = subscriptionSeconds(def, now);
  const period = typeof def["period"] === "string" ? def["period"] : `${Math.round(seconds / 86400)} days`;
  return { resource, amount, seconds, period, auto_renew: bool(def["auto_renew"], true) };
}
