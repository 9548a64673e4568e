// The "fields registered" event: PostgreSQL NOTIFY on channel `fields_registered`, sent inside the
// registering transaction (so it is delivered exactly when the rows are visible, and never for a
// registration that rolled back). The flow engine uses it as a data trigger.
//
// One notification per cycle a file touched. The payload is JSON, kept well under NOTIFY's 8,000 bytes:
//   {
//     "cycleId": 12,                           cycle.id
//     "producer": "ecmf",                      producer.name
//     "baseTime": "2026-11-24T00:00:00.000Z",  the cycle's base time (ISO 8601, UTC)
//     "fileId": 345, "file": "A1D11240000112406001",   ingest_file.id and name
//     "fields": 1000,                          fields of this file in this cycle (new, changed or unchanged)
//     "newFields": 998,                        of which not in the catalogue before
//     "receivedFields": 25000,                 the cycle's distinct fields so far
//     "expectedFields": 50000 | null,          from the producer (null: unknown)
//     "state": "receiving" | "complete",
//     "steps": [0, 1, 2]                       distinct forecast steps (hours) in this file, sorted
//   }
// Listeners should treat it as a hint and query the catalogue for details (a listener that was down
// misses notifications: on start, read the catalogue).
import type pg from "pg";

export const fieldsRegisteredChannel = "fields_registered";

export interface FieldsRegisteredEvent {
  cycleId: number;
  producer: string;
  baseTime: string;
  fileId: number;
  file: string;
  fields: number;
  newFields: number;
  receivedFields: number;
  expectedFields: number | null;
  state: "receiving" | "complete";
  steps: number[];
}

const maxPayload = 7900;

export async function publishFieldsRegistered(
  client: Pick<pg.PoolClient, "query">,
  event: FieldsRegisteredEvent,
): Promise<void> {
  let payload = JSON.stringify(event);
  if (Buffer.byteLength(payload) > maxPayload) {
    // Absurdly many steps or a huge file name: keep the event, shorten the list.
    payload = JSON.stringify({ ...event, steps: event.steps.slice(0, 200), file: event.file.slice(0, 500) });
  }
  await client.query("select pg_notify($1, $2)", [fieldsRegisteredChannel, payload]);
}

export function parseFieldsRegistered(payload: string): FieldsRegisteredEvent {
  return JSON.parse(payload) as FieldsRegisteredEvent;
}
