// The SchedulingLogic the engine, `show` and `why` use: the pure flow logic of src/flow/logic/.
import { flowLogic } from "../logic/index.ts";
import type { SchedulingLogic } from "./logic-port.ts";

export const defaultLogic: SchedulingLogic = flowLogic;
