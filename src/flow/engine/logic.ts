// The SchedulingLogic the engine, `show` and `why` use. One line to swap when src/flow/logic/ exports
// its own (flowLogic).
import { interimLogic } from "./interim-logic.ts";
import type { SchedulingLogic } from "./logic-port.ts";

export const defaultLogic: SchedulingLogic = interimLogic;
