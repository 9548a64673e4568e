// Time dependencies against a clock: time (waits for tomorrow if begun after it), today (does not),
// relative times, series, date, day, cron (weekdays, days of month, last day), combinations,
// suite clocks, and requeueing for the next slot.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { advance } from "../../src/flow/logic/advance.ts";
import { autocancelDue, lateReason } from "../../src/flow/logic/late.ts";
import { readyTasks } from "../../src/flow/logic/schedule.ts";
import { beginRuntime } from "../../src/flow/logic/state.ts";
import {
  hasFutureSlot,
  suiteTime,
  timeDependenciesFree,
  timeHolds,
  usedTimeSlots,
} from "../../src/flow/logic/time.ts";
import { findNode } from "../../src/flow/model/tree.ts";
import type { Defs, Node, RuntimeState } from "../../src/flow/model/types.ts";

const at = (iso: string): Date => new Date(`${iso}Z`);

/** A suite with one task carrying `attrs`, begun at `begun`. */
function task(
  attrs: string,
  begun: string,
  suiteAttrs = "",
): { defs: Defs; node: Node; runtime: RuntimeState } {
  const defs = parseDefs(
    `suite s\n${suiteAttrs}  task t\n${attrs
      .split("\n")
      .map((a) => `    ${a}`)
      .join("\n")}\nendsuite\n`,
    "t.def",
  );
  const runtime = beginRuntime(defs.suites[0] as never, at(begun));
  const node = findNode(defs, "/s/t");
  assert.ok(node);
  return { defs, node, runtime };
}

const free = (x: { node: Node; runtime: RuntimeState }, when: string): boolean =>
  timeDependenciesFree(x.node, x.runtime, at(when));

function use(x: { node: Node; runtime: RuntimeState }, when: string): void {
  const rt = x.runtime.nodes.get(x.node.path);
  assert.ok(rt);
  x.runtime.nodes.set(x.node.path, { ...rt, timeSlotsUsed: usedTimeSlots(x.node, x.runtime, at(when)) });
}

describe("time and today", () => {
  it("time: free from its time on, once per slot", () => {
    const x = task("time 10:00", "2024-03-04T08:00");
    assert.equal(free(x, "2024-03-04T09:59"), false);
    assert.equal(free(x, "2024-03-04T10:00"), true);
    assert.equal(free(x, "2024-03-04T15:00"), true, "a reached slot stays free until used");
    use(x, "2024-03-04T10:01");
    assert.equal(free(x, "2024-03-04T23:59"), false);
    assert.equal(free(x, "2024-03-05T10:00"), true, "the next day's slot");
  });

  it("time begun after its time waits for the next day; today does not", () => {
    const t = task("time 10:00", "2024-03-04T11:00");
    assert.equal(free(t, "2024-03-04T11:30"), false);
    assert.deepEqual(timeHolds(t.node, t.runtime, at("2024-03-04T11:30")), [
      { kind: "time", text: "time 10:00", next: "2024-03-05T10:00:00.000Z" },
    ]);
    assert.equal(free(t, "2024-03-05T10:00"), true);
    const d = task("today 10:00", "2024-03-04T11:00");
    assert.equal(free(d, "2024-03-04T11:30"), true);
    const e = task("today 10:00", "2024-03-04T08:00");
    assert.equal(free(e, "2024-03-04T09:00"), false);
    assert.equal(free(e, "2024-03-04T10:00"), true);
  });

  it("relative times count from begin (or requeue)", () => {
    const x = task("time +00:30", "2024-03-04T08:10");
    assert.equal(free(x, "2024-03-04T08:39"), false);
    assert.equal(free(x, "2024-03-04T08:40"), true);
  });

  it("a series frees each slot in turn and requeues for the next", () => {
    const x = task("time 10:00 12:00 01:00", "2024-03-04T08:00");
    assert.equal(free(x, "2024-03-04T09:00"), false);
    assert.equal(free(x, "2024-03-04T10:30"), true);
    use(x, "2024-03-04T10:30");
    assert.equal(free(x, "2024-03-04T10:59"), false);
    assert.equal(free(x, "2024-03-04T11:00"), true);
    assert.equal(hasFutureSlot(x.node, x.runtime, at("2024-03-04T11:05")), true);
    assert.equal(hasFutureSlot(x.node, x.runtime, at("2024-03-04T12:05")), false);
  });

  it("advance() requeues a completed series task and the next slot runs it", () => {
    const x = task("time 10:00 12:00 01:00", "2024-03-04T08:00");
    const runs: string[] = [];
    for (const minute of ["09:00", "10:00", "10:30", "11:00", "11:20", "12:00", "12:30", "13:00"]) {
      const now = at(`2024-03-04T${minute}`);
      for (const t of readyTasks(x.defs, x.runtime, now)) {
        runs.push(minute);
        const rt = x.runtime.nodes.get(t.path);
        x.runtime.nodes.set(t.path, { ...(rt as never as object), state: "complete" } as never);
      }
      for (let i = 0; i < 5; i++) {
        const changes = advance(x.defs, x.runtime, now);
        if (!changes.length) break;
        for (const c of changes) x.runtime.nodes.set(c.path, c.runtime);
      }
    }
    assert.deepEqual(runs, ["10:00", "11:00", "12:00"]);
    assert.equal(x.runtime.nodes.get("/s/t")?.state, "complete");
  });
});

describe("date, day and combinations", () => {
  it("date and day match the suite's date (with * wildcards)", () => {
    const d = task("date 04.03.2024", "2024-03-01T00:00");
    assert.equal(free(d, "2024-03-04T00:00"), true);
    assert.equal(free(d, "2024-03-05T00:00"), false);
    const w = task("date *.03.*", "2024-03-01T00:00");
    assert.equal(free(w, "2025-03-31T00:00"), true);
    assert.equal(free(w, "2025-04-01T00:00"), false);
    const m = task("day monday", "2024-03-01T00:00");
    assert.equal(free(m, "2024-03-04T06:00"), true, "4 March 2024 is a Monday");
    assert.equal(free(m, "2024-03-05T06:00"), false);
  });

  it("several of one kind are alternatives; different kinds must all hold", () => {
    const either = task("day monday\nday tuesday", "2024-03-01T00:00");
    assert.equal(free(either, "2024-03-05T06:00"), true);
    assert.equal(free(either, "2024-03-06T06:00"), false);
    const both = task("day tuesday\ntime 10:00", "2024-03-01T00:00");
    assert.equal(free(both, "2024-03-04T11:00"), false, "Monday");
    assert.equal(free(both, "2024-03-05T09:00"), false, "Tuesday, too early");
    assert.equal(free(both, "2024-03-05T10:00"), true);
    assert.deepEqual(
      timeHolds(both.node, both.runtime, at("2024-03-04T09:00")).map((h) => h.text),
      ["time 10:00", "day tuesday"],
    );
  });
});

describe("cron", () => {
  it("runs on listed weekdays at its time, and is always requeued", () => {
    const x = task("cron -w 1,3 10:00", "2024-03-03T12:00");
    assert.equal(free(x, "2024-03-03T23:00"), false, "Sunday");
    assert.equal(free(x, "2024-03-04T09:59"), false);
    assert.equal(free(x, "2024-03-04T10:00"), true, "Monday");
    use(x, "2024-03-04T10:00");
    assert.equal(free(x, "2024-03-05T10:00"), false, "Tuesday");
    assert.equal(free(x, "2024-03-06T10:00"), true, "Wednesday");
    assert.equal(hasFutureSlot(x.node, x.runtime, at("2024-03-06T10:01")), true);
  });

  it("knows the last day of the month and the last weekday", () => {
    const last = task("cron -d L 23:00", "2024-02-01T00:00");
    assert.equal(free(last, "2024-02-28T23:30"), false);
    assert.equal(free(last, "2024-02-29T23:00"), true, "2024 is a leap year");
    const friday = task("cron -w 5L 08:00", "2024-03-01T09:00");
    assert.equal(free(friday, "2024-03-22T08:00"), false);
    assert.equal(free(friday, "2024-03-29T08:00"), true);
    const months = task("cron -d 1 -m 4 00:00", "2024-03-01T09:00");
    assert.equal(free(months, "2024-03-31T23:59"), false);
    assert.equal(free(months, "2024-04-01T00:00"), true);
  });
});

describe("suite clocks", () => {
  it("a hybrid clock keeps its date; a gain shifts the time", () => {
    const h = task("date 01.01.2024\ntime 10:00", "2024-03-04T08:00", "  clock hybrid 1.1.2024\n");
    assert.equal(
      suiteTime(h.node, h.runtime, at("2024-03-04T10:30")).toISOString(),
      "2024-01-01T10:30:00.000Z",
    );
    assert.equal(free(h, "2024-03-04T10:30"), true);
    const g = task("time 10:00", "2024-03-04T08:00", "  clock real +3600\n");
    assert.equal(free(g, "2024-03-04T09:30"), true, "09:30 real is 10:30 on the suite's clock");
    assert.equal(free(g, "2024-03-04T08:59"), false);
  });
});

describe("late and autocancel", () => {
  it("flags a node late when submitted too long, not active or not complete in time", () => {
    const x = task("late -a 10:00 -c +01:00", "2024-03-04T08:00", "  late -s +00:15\n");
    const setState = (state: "queued" | "submitted" | "active" | "complete", since: string): void => {
      const rt = x.runtime.nodes.get("/s/t");
      assert.ok(rt);
      x.runtime.nodes.set("/s/t", { ...rt, state, stateSince: `${since}:00.000Z` });
    };
    setState("submitted", "2024-03-04T09:00");
    assert.equal(lateReason(x.node, x.runtime, at("2024-03-04T09:10")), undefined);
    assert.equal(
      lateReason(x.node, x.runtime, at("2024-03-04T09:16")),
      "submitted for more than 00:15",
      "inherited from the suite",
    );
    setState("queued", "2024-03-04T08:00");
    assert.equal(lateReason(x.node, x.runtime, at("2024-03-04T10:00")), "not active by 10:00");
    setState("active", "2024-03-04T10:30");
    assert.equal(lateReason(x.node, x.runtime, at("2024-03-04T11:30")), undefined);
    assert.equal(lateReason(x.node, x.runtime, at("2024-03-04T11:31")), "active for more than 01:00");
    setState("complete", "2024-03-04T11:40");
    assert.equal(lateReason(x.node, x.runtime, at("2024-03-04T23:00")), undefined);
  });

  it("says when a complete node is due for autocancel", () => {
    const check = (attr: string, completed: string, when: string): boolean => {
      const x = task(attr, "2024-03-04T00:00");
      const rt = x.runtime.nodes.get("/s/t");
      assert.ok(rt);
      x.runtime.nodes.set("/s/t", { ...rt, state: "complete", stateSince: `${completed}:00.000Z` });
      return autocancelDue(x.node, x.runtime, at(when));
    };
    assert.equal(check("autocancel 2", "2024-03-04T12:00", "2024-03-06T11:59"), false);
    assert.equal(check("autocancel 2", "2024-03-04T12:00", "2024-03-06T12:00"), true);
    assert.equal(check("autocancel +01:30", "2024-03-04T12:00", "2024-03-04T13:29"), false);
    assert.equal(check("autocancel +01:30", "2024-03-04T12:00", "2024-03-04T13:30"), true);
    assert.equal(
      check("autocancel 10:00", "2024-03-04T12:00", "2024-03-04T23:00"),
      false,
      "the next 10:00 is tomorrow",
    );
    assert.equal(check("autocancel 10:00", "2024-03-04T12:00", "2024-03-05T10:00"), true);
  });
});
