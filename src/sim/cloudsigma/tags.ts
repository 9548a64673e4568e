// Simulated tags: named lists of resources of any type (servers, drives, VLANs, IPs). A deleted
// resource leaves every tag; an empty tag stays until it is deleted, as on CloudSigma.
import { randomUUID } from "node:crypto";
import type { CloudSigmaEngine } from "./engine.ts";
import { invalid, notFound } from "./errors.ts";
import type { Tag } from "./model.ts";
import { checkMeta, uuidOf } from "./values.ts";

export class Tags {
  readonly #e: CloudSigmaEngine;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
  }

  get(uuid: string): Tag {
    const t = this.#e.data.tags[uuid];
    if (!t) throw notFound("Tag", uuid);
    return t;
  }

  list(): Tag[] {
    return Object.values(this.#e.data.tags);
  }

  /** The tags carrying `uuid`. */
  of(uuid: string): Tag[] {
    return this.list().filter((t) => t.resources.includes(uuid));
  }

  /** Makes `uuid` carry exactly the given tags. */
  set(uuid: string, tagUuids: string[]): void {
    for (const tag of this.list()) {
      const has = tag.resources.includes(uuid);
      const wants = tagUuids.includes(tag.uuid);
      if (has && !wants) tag.resources = tag.resources.filter((r) => r !== uuid);
      if (!has && wants) tag.resources.push(uuid);
    }
  }

  /** A deleted resource leaves every tag. */
  forget(uuid: string): void {
    for (const tag of this.list()) tag.resources = tag.resources.filter((r) => r !== uuid);
  }

  /** A definition's `tags` (UUIDs or {uuid} references), each an existing tag. */
  parseList(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("tags", "Expected a list of tag UUIDs");
    return value.map((t, i) => {
      const uuid = uuidOf(t);
      if (typeof uuid !== "string" || !this.#e.data.tags[uuid])
        throw invalid(`tags.${i}`, `Tag ${String(uuid)} does not exist`);
      return uuid;
    });
  }

  #resources(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("resources", "Expected a list of resource UUIDs");
    return value.map((r, i) => {
      const uuid = uuidOf(r);
      if (typeof uuid !== "string" || this.#e.resourceType(uuid) === null)
        throw invalid(`resources.${i}`, `Resource ${String(uuid)} does not exist`);
      return uuid;
    });
  }

  create(defs: Array<Record<string, unknown>>): Tag[] {
    const tags = defs.map((def) => {
      if (typeof def["name"] !== "string" || def["name"] === "")
        throw invalid("name", "This field is required");
      return {
        uuid: randomUUID(),
        name: def["name"],
        meta: checkMeta(def["meta"] ?? {}),
        resources: [...new Set(this.#resources(def["resources"]))],
      };
    });
    for (const tag of tags) this.#e.data.tags[tag.uuid] = tag;
    this.#e.markDirty();
    return tags;
  }

  update(uuid: string, def: Record<string, unknown>): Tag {
    const tag = this.get(uuid);
    if (def["resources"] !== undefined) tag.resources = [...new Set(this.#resources(def["resources"]))];
    if (typeof def["name"] === "string" && def["name"] !== "") tag.name = def["name"];
    if (def["meta"] !== undefined) tag.meta = checkMeta(def["meta"]);
    this.#e.markDirty();
    return tag;
  }

  delete(uuid: string): void {
    this.get(uuid);
    delete this.#e.data.tags[uuid];
    this.#e.markDirty();
  }
}
