// Simulated billing: burst usage above the subscriptions accrues per resource-second and is charged
// every billing interval (CloudSigma: 5 minutes) into the ledger; a broke account's guests stop.
import type { CloudSigmaEngine } from "./engine.ts";
import { burstPricePerUnitSecond } from "./pricing.ts";
import { describeAmount, humanInterval } from "./values.ts";

export class Billing {
  readonly #e: CloudSigmaEngine;
  #lastRun: number;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
    this.#lastRun = engine.data.accruedSince;
  }

  /** Whether a billing run is due at `now`. */
  due(now: number, intervalSeconds: number): boolean {
    return now - this.#lastRun >= intervalSeconds * 1000;
  }

  /** What the account uses now, per billed resource. */
  using(): Record<string, number> {
    const { servers, drives, data } = this.#e;
    const active = servers
      .list()
      .filter((s) => s.status === "running" || s.status === "stopping" || s.status === "starting");
    const leaked = Object.values(data.vlans).reduce((n, v) => n + v.leakedServers.length, 0);
    return {
      cpu: active.reduce((n, s) => n + s.cpu, 0),
      mem: active.reduce((n, s) => n + s.mem, 0),
      dssd: drives.list().reduce((n, d) => n + d.size, 0),
      ip: Object.keys(data.ips).length,
      vlan: Object.keys(data.vlans).length + leaked,
      tx: 0,
    };
  }

  charge(
    amount: number,
    reason: string,
    now: number,
    resourceAmount: number,
    interval: number | null = null,
  ) {
    const { data } = this.#e;
    const initial = data.balance;
    data.balance -= amount;
    data.ledger.unshift({
      id: data.nextLedgerId++,
      amount,
      initial,
      end: data.balance,
      billing_cycle: interval === null ? null : data.billingCycle,
      interval,
      poll_time: now,
      time: now,
      reason,
      resource_amount: resourceAmount,
    });
    if (data.ledger.length > 10000) data.ledger.length = 10000;
  }

  /** Adds the burst usage since the last call (resource-seconds above the subscriptions). */
  accrue(now: number): void {
    const { data, subscriptions } = this.#e;
    const dt = (now - data.accruedSince) / 1000;
    if (dt <= 0) return;
    for (const [resource, amount] of Object.entries(this.using())) {
      const burst = Math.max(0, amount - subscriptions.subscribed(resource));
      if (burst > 0) data.accrued[resource] = (data.accrued[resource] ?? 0) + burst * dt;
    }
    data.accruedSince = now;
  }

  /** Charges the burst usage accrued since the last run; stops every guest when the balance is gone. */
  bill(now: number, stopWhenBroke: boolean): void {
    const { data } = this.#e;
    this.accrue(now);
    const interval = Math.max(1, Math.round((now - this.#lastRun) / 1000));
    const at = new Date(now).toISOString().slice(0, 16).replace("T", " ");
    for (const [resource, unitSeconds] of Object.entries(data.accrued)) {
      if (unitSeconds <= 0) continue;
      const amount = unitSeconds * burstPricePerUnitSecond(resource);
      const average = unitSeconds / interval;
      this.charge(
        amount,
        `Burst: ${describeAmount(resource, average)} of ${resource} for ${humanInterval(interval)} at ${at}`,
        now,
        Math.round(average),
        interval,
      );
    }
    data.accrued = {};
    data.billingCycle++;
    this.#lastRun = now;
    this.#e.markDirty();
    if (data.balance <= 0 && stopWhenBroke) {
      for (const s of this.#e.servers.list()) {
        if (s.status === "running" || s.status === "starting") {
          this.#e.note(`balance ${data.balance.toFixed(2)}: stopping guest ${s.uuid}`);
          this.#e.servers.stop(s.uuid);
        }
      }
    }
  }

  setBalance(balance: number): void {
    this.accrue(this.#e.now());
    this.#e.data.balance = balance;
    this.#e.markDirty();
  }
}
