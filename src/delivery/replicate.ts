// Replicates a cycle's product rows into the destination's catalogue: a second PostgreSQL with the
// cloudburst schema, as FMI keeps NEONS/radon on-premise. Each row points at the delivered copy, so the
// destination's users find the products without asking the cloud side.
import type pg from "pg";
import { Dimensions } from "../catalogue/lookups.ts";
import { registerProduct } from "../catalogue/products.ts";
import type { FieldRecord } from "../catalogue/types.ts";

interface ProductRow {
  producer: string;
  base_time: Date;
  param: string;
  param_id: number | null;
  long_name: string | null;
  units: string | null;
  level_type: string;
  level_value: number;
  start_step: number;
  end_step: number;
  step_range: string;
  step_type: string;
  data_type: string;
  member: number | null;
  grid_type: string;
  definition: Record<string, unknown>;
  edition: number;
  packing_type: string;
  storage_uri: string;
  byte_offset: string;
  byte_length: string;
  checksum: string;
  job_id: string;
}

const productsOfCycle = `
  select pr.name as producer, p.base_time, pa.name as param, pa.param_id, pa.long_name, pa.units, lt.name as level_type, p.level_value,
         p.start_step, p.end_step, p.step_range, p.step_type, p.data_type, p.member, g.grid_type, g.definition,
         p.edition, p.packing_type, p.storage_uri, p.byte_offset, p.byte_length, encode(p.checksum, 'hex') as checksum,
         p.job_id
    from product p
    join producer pr on pr.id = p.producer_id
    join parameter pa on pa.id = p.param_id
    join level_type lt on lt.id = p.level_type_id
    join geometry g on g.id = p.geometry_id
   where pr.name = $1 and p.base_time = $2
   order by p.id`;

/**
 * Copies every product row of the cycle (producer, base time) into `destination`, with the storage URI
 * `locate` gives for the delivered copy (null: not delivered, not replicated). Idempotent: a row
 * replicated again replaces itself. Returns how many rows were replicated.
 */
export async function replicateProducts(
  source: pg.Pool,
  destination: pg.Pool,
  producer: string,
  baseTime: Date,
  locate: (storageUri: string) => string | null,
): Promise<number> {
  const dimensions = new Dimensions();
  let replicated = 0;
  for (const row of (await source.query<ProductRow>(productsOfCycle, [producer, baseTime])).rows) {
    const deliveredAt = locate(row.storage_uri);
    if (deliveredAt === null) continue;
    const record: FieldRecord = {
      producer: row.producer,
      baseTime: row.base_time,
      param: { name: row.param, paramId: row.param_id, longName: row.long_name, units: row.units },
      levelType: row.level_type,
      level: row.level_value,
      startStep: row.start_step,
      endStep: row.end_step,
      stepRange: row.step_range,
      stepType: row.step_type,
      dataType: row.data_type,
      member: row.member,
      geometry: { gridType: row.grid_type, definition: row.definition },
      edition: row.edition === 1 ? 1 : 2,
      packingType: row.packing_type,
      storageUri: deliveredAt,
      offset: Number(row.byte_offset),
      length: Number(row.byte_length),
      checksum: row.checksum,
    };
    // Lineage stays with the cloud side's catalogue: the destination has none of the input fields.
    await registerProduct(destination, dimensions, { ...record, jobId: row.job_id, inputs: [] });
    replicated++;
  }
  return replicated;
}
