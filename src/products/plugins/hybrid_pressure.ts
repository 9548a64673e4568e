// hybrid_pressure: pressure P-HPA on a hybrid (model) level, 0.01 · (A + B · surface pressure), with the
// full level's A and B from the pv array (the mean of the half levels around it; HIRLAM's pv holds the
// full level's own A and B). The surface pressure comes from ECMWF's LNSP on level 1 when present (its
// pv defines every level), else from pressure at height 0 with the level's own pv (a T-K field there).
import { paramInfo } from "../params.ts";
import { levelPressure, levelPv } from "../vertical.ts";
import { surfacePressureKeys, surfacePressurePa } from "./surface-pressure.ts";
import { type InputField, inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const P = paramInfo("P-HPA")!;

/** The pv array that defines `target`'s level among the chosen inputs. */
export function pvFor(target: Target, fields: InputField[]): Float64Array {
  const pv = levelPv(fields, target.level);
  if (!pv) {
    throw new Error(
      `hybrid level ${target.level}: no input carries the vertical coordinates (pv) of the model levels`,
    );
  }
  return pv;
}

export const hybridPressure: Plugin = {
  name: "hybrid_pressure",
  configure(): PluginInstance {
    const sets = (target: Target) =>
      surfacePressureKeys(target).map((k) => (k.param === "LNSP-N" ? [k] : [k, inputAt(target, "T-K")]));
    return {
      outputs: (target) => (target.levelType === "hybrid" ? [P] : []),
      inputs: (target) => (target.levelType === "hybrid" ? sets(target) : []),
      compute(context) {
        const keys = sets(context.target)[context.inputSet];
        const fields = keys.map((k) => context.input(k.param, k.step, k.levelType, k.level));
        const surface = surfacePressurePa(fields[0]);
        const p = levelPressure(pvFor(context.target, fields), context.target.level, surface);
        for (let i = 0; i < p.length; i++) p[i] *= 0.01;
        return [{ param: P, values: p }];
      },
    };
  },
};
