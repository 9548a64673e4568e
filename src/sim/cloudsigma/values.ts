// Checking and making the values of the simulated account's definitions, as CloudSigma validates them.
import { randomBytes } from "node:crypto";
import { invalid } from "./errors.ts";
import { parsePeriod } from "./pricing.ts";

export const GIB = 1024 ** 3;

export function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

/** A NIC's ip_v4_conf/ip_v6_conf: {conf: dhcp|static|manual, ip}. */
export function conf(value: unknown, point: string): { conf: string; ip: string | null } | null {
  if (value === undefined || value === null) return null;
  const c = value as { conf?: unknown; ip?: unknown };
  const mode = c.conf ?? "dhcp";
  if (!["dhcp", "static", "manual"].includes(mode as string))
    throw invalid(`${point}.conf`, "Select a valid choice: dhcp, static, manual");
  const ip = typeof c.ip === "string" ? c.ip : ((c.ip as { uuid?: string } | null)?.uuid ?? null);
  return { conf: mode as string, ip };
}

export function checkMeta(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("meta", "meta must be an object of string values");
  const meta: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.length > 32) throw invalid("meta", `meta key ${key} is longer than 32 characters`);
    meta[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return meta;
}

/** A subscription's length in seconds, from its period or end_time counted from `now`. */
export function subscriptionSeconds(def: Record<string, unknown>, now: number): number {
  const period = def["period"];
  const end = def["end_time"];
  if (typeof end === "string") {
    const t = Date.parse(end);
    if (Number.isNaN(t) || t <= now)
      throw invalid("end_time", "end_time must be an ISO 8601 time in the future");
    if (period) throw invalid("period", "Ambiguous: give either period or end_time");
    return (t - now) / 1000;
  }
  if (typeof period !== "string")
    throw invalid("period", "Not specific enough: give a period or an end_time");
  const seconds = parsePeriod(period);
  if (seconds === null) throw invalid("period", `Cannot understand the period "${period}"`);
  return seconds;
}

/** A definition's reference: a UUID, or {uuid}. */
export function uuidOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : ((value as { uuid?: string } | null)?.uuid ?? undefined);
}

export function randomMac(): string {
  return ["22", ...Array.from(randomBytes(5), (b) => b.toString(16).padStart(2, "0"))].join(":");
}

export function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

export function describeAmount(resource: string, average: number): string {
  if (resource === "cpu") return `${(average / 1000).toFixed(2)} GHz`;
  if (resource === "mem" || resource === "dssd" || resource === "tx")
    return `${(average / GIB).toFixed(2)} GB`;
  return `${average.toFixed(2)}`;
}

export function humanInterval(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  return `${Math.round(minutes / 60)} hours`;
}
