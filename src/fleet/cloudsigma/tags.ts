// CloudSigma tags named key=value: their uuids (created once), resources added one update at a time
// (a PUT replaces a tag's whole list), and our tags deleted with the last resource they tagged, so
// that empty tags do not pile up cycle after cycle.
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import { type Tags, tagKeys } from "../provider.ts";
import type { CloudSigmaClient } from "./client.ts";
import { type Reference, referenceId, type Tag, tagSchema } from "./schemas.ts";

/** POST /tags/ answers {objects: [...]} without list meta. */
const listOfTags = z.looseObject({ objects: z.array(tagSchema) });

/** Tags cloudburst puts on resources (cloudburst-env=…, -cycle=…, -role=…): the only ones it deletes. */
function isOurs(name: string): boolean {
  return Object.values(tagKeys).some((key) => name.startsWith(`${key}=`));
}

/** True when a request failed because a tag it named no longer exists (deleted by another process). */
export function isStaleTagError(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    error.status === 400 &&
    error.errors.some((e) => e.errorPoint?.startsWith("tags") === true)
  );
}

export class TagBook {
  readonly #client: CloudSigmaClient;
  readonly #ids = new Map<string, string>();
  readonly #names = new Map<string, string>();
  /** Updates to one tag go one at a time. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Tags a create in flight will put on its nodes: never deleted meanwhile. */
  readonly #held = new Map<string, number>();

  constructor(client: CloudSigmaClient) {
    this.#client = client;
  }

  nameOf(uuid: string): string | undefined {
    return this.#names.get(uuid);
  }

  idOf(name: string): string | undefined {
    return this.#ids.get(name);
  }

  /** The uuids of tags named key=value, created when missing; `reload` forgets what was known first. */
  async ensure(tags: Tags, options: { reload?: boolean } = {}): Promise<string[]> {
    const names = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
    if (options.reload) for (const name of names) this.#forget(this.#ids.get(name));
    if (names.some((n) => !this.#ids.has(n))) await this.#load();
    const toCreate = names.filter((n) => !this.#ids.has(n));
    if (toCreate.length) {
      const { body } = await this.#client.request("POST", "tags/", listOfTags, {
        body: { objects: toCreate.map((name) => ({ name })) },
      });
      for (const tag of body?.objects ?? []) this.#remember(tag);
    }
    return names.map((n) => this.#ids.get(n)).filter((id): id is string => Boolean(id));
  }

  /** Learns tag names from references; unknown ones are looked up in the tag list. */
  async learn(refs: Reference[]): Promise<void> {
    for (const ref of refs) {
      if (typeof ref !== "string" && ref.name) this.#remember({ uuid: ref.uuid, name: ref.name });
    }
    if (refs.some((r) => !this.#names.has(referenceId(r)))) await this.#load().catch(() => undefined);
  }

  /** Adds resources to a tag, keeping the ones it has. */
  async add(tagId: string, resourceIds: string[]): Promise<void> {
    await this.#serial(tagId, async () => {
      const { body } = await this.#client.request("GET", `tags/${tagId}/`, tagSchema);
      const current = (body?.resources ?? []).map(referenceId);
      const wanted = [...new Set([...current, ...resourceIds])];
      if (wanted.length === current.length) return;
      await this.#client.request("PUT", `tags/${tagId}/`, tagSchema, {
        body: { name: body?.name, resources: wanted },
      });
    });
  }

  /** Keeps the tags from being deleted until the returned release is called. */
  hold(tagIds: readonly string[]): () => void {
    for (const id of tagIds) this.#held.set(id, (this.#held.get(id) ?? 0) + 1);
    return () => {
      for (const id of tagIds) {
        const left = (this.#held.get(id) ?? 1) - 1;
        if (left > 0) this.#held.set(id, left);
        else this.#held.delete(id);
      }
    };
  }

  /**
   * Deletes those of our tags that no longer tag anything and no create in flight holds. Best effort:
   * a tag that cannot be deleted now is deleted when the next resource it tagged goes.
   */
  async dropEmpty(tagIds: Iterable<string>): Promise<void> {
    for (const id of new Set(tagIds)) {
      const name = this.#names.get(id);
      if (this.#held.has(id) || (name !== undefined && !isOurs(name))) continue;
      await this.#serial(id, async () => {
        if (this.#held.has(id)) return;
        const { status, body } = await this.#client.request("GET", `tags/${id}/`, tagSchema, {
          accept: [404],
        });
        if (status === 404 || !body) return this.#forget(id);
        if (!isOurs(body.name) || (body.resources ?? []).length > 0) return;
        await this.#client.request("DELETE", `tags/${id}/`, null, { accept: [404] });
        this.#forget(id);
      }).catch(() => undefined);
    }
  }

  /**
   * Deletes every tag of ours that tags nothing and no create here holds: those a resource just left,
   * and any a failed attach left empty (its resources never carried it, so no destroy names it).
   */
  async dropAllEmpty(): Promise<void> {
    const tags = await this.#client.listAll("tags/", tagSchema).catch(() => []);
    for (const tag of tags) this.#remember(tag);
    const empty = tags.filter((t) => isOurs(t.name) && (t.resources ?? []).length === 0);
    await this.dropEmpty(empty.map((t) => t.uuid));
  }

  async #serial(tagId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.#locks.get(tagId) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.#locks.set(tagId, next);
    try {
      await next;
    } finally {
      if (this.#locks.get(tagId) === next) this.#locks.delete(tagId);
    }
  }

  async #load(): Promise<void> {
    for (const tag of await this.#client.listAll("tags/", tagSchema)) this.#remember(tag);
  }

  #remember(tag: Pick<Tag, "uuid" | "name">): void {
    this.#ids.set(tag.name, tag.uuid);
    this.#names.set(tag.uuid, tag.name);
  }

  #forget(id: string | undefined): void {
    if (id === undefined) return;
    const name = this.#names.get(id);
    this.#names.delete(id);
    if (name !== undefined && this.#ids.get(name) === id) this.#ids.delete(name);
  }
}
