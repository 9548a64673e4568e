// Plugins on HARMONIE's hydrometeor mixing ratios (kg/kg) and the air density (RHO-KGM3, from the density
// plugin earlier in the processqueue): absolute_humidity, the water and ice content per volume, and
// precipitation_rate, rain and solid precipitation rates from the Marshall-Palmer-type relations himan
// uses (rain: (ρ·qr·1000/0.072)^(1/0.88), snow + graupel: (ρ·q·1000/0.2)^(1/0.9), mm/h).
import { paramInfo } from "../params.ts";
import { type ComputeContext, inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const ABSH = paramInfo("ABSH-KGM3")!;
const RRI = paramInfo("RRI-KGM2")!;
const RSI = paramInfo("RSI-KGM2")!;

const inputsAt = (target: Target) => [
  ["RHO-KGM3", "RAINMR-KGKG", "SNOWMR-KGKG", "GRAUPMR-KGKG"].map((p) => inputAt(target, p)),
];

/** The density and the three mixing ratios of the chosen input set. */
function hydrometeorInputs(context: ComputeContext) {
  const [rho, rain, snow, graupel] = inputsAt(context.target)[0].map((k) => context.input(k.param).values);
  return { rho, rain, snow, graupel };
}

/** A negative (or missing) amount counts as none, as himan's fmax(x, 0). */
const nonNegative = (x: number) => (x > 0 ? x : 0);

export const absoluteHumidity: Plugin = {
  name: "absolute_humidity",
  configure(): PluginInstance {
    return {
      outputs: () => [ABSH],
      inputs: inputsAt,
      compute(context) {
        const { rho, rain, snow, graupel } = hydrometeorInputs(context);
        const out = new Float64Array(rho.length);
        for (let i = 0; i < out.length; i++) out[i] = rho[i] * nonNegative(rain[i] + snow[i] + graupel[i]);
        return [{ param: ABSH, values: out }];
      },
    };
  },
};

const rainFactor = 1000 / 0.072;
const rainExponent = 1 / 0.88;
const snowFactor = 1000 / 0.2;
const snowExponent = 1 / 0.9;

export const precipitationRate: Plugin = {
  name: "precipitation_rate",
  configure(): PluginInstance {
    return {
      outputs: () => [RRI, RSI],
      inputs: inputsAt,
      compute(context) {
        const { rho, rain, snow, graupel } = hydrometeorInputs(context);
        const rr = new Float64Array(rho.length).fill(Number.NaN);
        const rs = new Float64Array(rho.length).fill(Number.NaN);
        for (let i = 0; i < rr.length; i++) {
          if (Number.isNaN(rho[i])) continue;
          if (!Number.isNaN(rain[i])) rr[i] = (rho[i] * nonNegative(rain[i]) * rainFactor) ** rainExponent;
          const solid = snow[i] + graupel[i];
          if (!Number.isNaN(solid)) rs[i] = (rho[i] * nonNegative(solid) * snowFactor) ** snowExponent;
        }
        return [
          { param: RRI, values: rr },
          { param: RSI, values: rs },
        ];
      },
    };
  },
};
