// CronJob schedules. Validation gives robfig/cron v3's ParseStandard errors word for word (kube-apiserver
// puts them in the 422: github.com/robfig/cron/v3 parser.go, five fields or a descriptor); the times
// themselves come from cron-parser. mostRecentScheduleTime and nextScheduleTimeDuration are ported from
// kubernetes pkg/controller/cronjob/utils.go.
import { createRequire } from "node:module";
import type * as CronParser from "cron-parser";

// cron-parser (and luxon beneath it) loads on the first schedule computed, not at server start.
const require = createRequire(import.meta.url);
let cronParser: typeof CronParser | undefined;

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];
const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const EVERY = "@every ";

/** A parsed schedule: the first activation strictly after a time. */
export interface Schedule {
  next(after: Date): Date;
}

/** strconv.Atoi's error text for a string that is not a decimal int. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  return Number.isSafeInteger(n) && Math.abs(n) <= 2 ** 63 - 1
    ? n
    : `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
}

function parseInt_(expr: string): number | Error {
  const n = atoi(expr);
  if (typeof n === "string") return new Error(`failed to parse int from ${expr}: ${n}`);
  if (n < 0) return new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number | Error {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? parseInt_(expr);
}

/** getRange's checks, for one comma-separated part of a field. */
function checkRange(expr: string, b: Bounds): Error | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
  } else {
    const s = parseIntOrName(lowAndHigh[0], b);
    if (s instanceof Error) return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1], b);
      if (e instanceof Error) return e;
      end = e;
    } else return new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const s = parseInt_(rangeAndStep[1]);
    if (s instanceof Error) return s;
    step = s;
    if (lowAndHigh.length === 1) end = b.max; // "N/step" means "N-max/step"
  } else if (rangeAndStep.length > 2) return new Error(`too many slashes: ${expr}`);
  if (start < b.min) return new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) return new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) return new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) return new Error(`step of range should be a positive number: ${expr}`);
  return undefined;
}

/** Go's time.ParseDuration for "@every": milliseconds, or undefined when it is not a duration. */
function goDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  if (s === "0") return 0;
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const [, num, unit] of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)/g))
    total += Number(num) * units[unit];
  return m[1] === "-" ? -total : total;
}

/** Whether a time zone name is one this host knows (time.LoadLocation; "" and "UTC" always are). */
export function knownTimeZone(tz: string): boolean {
  if (tz === "" || tz === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * cron.ParseStandard: a schedule for `spec` in `timeZone` (undefined: this process's zone, as the
 * controller manager's), or robfig's error. A leading TZ=/CRON_TZ= picks the zone, as robfig allows.
 */
export function parseSchedule(spec: string, timeZone?: string): Schedule | Error {
  if (spec.length === 0) return new Error("empty spec string");
  let tz = timeZone;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    const name = spec.slice(spec.indexOf("=") + 1, space < 0 ? undefined : space);
    if (!knownTimeZone(name) || name === "Local")
      return new Error(`provided bad location ${name}: unknown time zone ${name}`);
    tz = name || "UTC";
    spec = space < 0 ? "" : spec.slice(space).trim();
  }
  if (spec.startsWith("@")) {
    if (spec.startsWith(EVERY)) {
      const text = spec.slice(EVERY.length);
      const ms = goDuration(text);
      if (ms === undefined)
        return new Error(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(text)}`);
      return every(ms);
    }
    const expr = DESCRIPTORS[spec];
    if (!expr) return new Error(`unrecognized descriptor: ${spec}`);
    spec = expr;
  }
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5)
    return new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  for (const [i, field] of fields.entries())
    for (const part of field.split(",").filter((p) => p !== "")) {
      const err = checkRange(part, FIELDS[i]);
      if (err) return err;
    }
  const expression = fields.join(" ");
  return {
    next(after) {
      cronParser ??= require("cron-parser") as typeof CronParser;
      const it = cronParser.CronExpressionParser.parse(expression, {
        currentDate: after,
        ...(tz ? { tz } : {}),
      });
      return it.next().toDate();
    },
  };
}

/** robfig's ConstantDelaySchedule: every `ms` (at least a second), on whole seconds. */
function every(ms: number): Schedule {
  const delay = Math.max(1000, Math.floor(ms / 1000) * 1000);
  return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay) };
}

export type MissedSchedules = "none" | "few" | "many";

/**
 * mostRecentScheduleTime: the latest activation in (earliest, now], where earliest is the last schedule
 * time or the creation time, moved up to now − startingDeadlineSeconds when that is later.
 */
export function mostRecentScheduleTime(
  earliestIn: Date,
  now: Date,
  schedule: Schedule,
  startingDeadlineSeconds?: number,
): { earliest: Date; mostRecent?: Date; missed: MissedSchedules } | Error {
  let earliest = earliestIn;
  if (startingDeadlineSeconds != null) {
    const deadline = new Date(now.getTime() - startingDeadlineSeconds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  if (now < t1) return { earliest, missed: "none" };
  if (now < t2) return { earliest, mostRecent: t1, missed: "none" };
  const between = Math.round((t2.getTime() - t1.getTime()) / 1000);
  if (between < 1) return new Error("time difference between two schedules is less than 1 second");
  const elapsed = Math.trunc((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  let mostRecent: Date | undefined;
  const potentialEarliest = new Date(t1.getTime() + (missedCount - 2) * between * 1000);
  for (let t = schedule.next(potentialEarliest); t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? "many" : missedCount > 0 ? "few" : "none";
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the activation after the most recent one, plus 100 ms. */
export function nextScheduleDelay(earliestIn: Date, now: Date, schedule: Schedule): number | undefined {
  try {
    const r = mostRecentScheduleTime(earliestIn, now, schedule);
    if (r instanceof Error) return undefined;
    const from = r.mostRecent ?? (r.missed === "none" ? r.earliest : undefined);
    if (!from) return undefined;
    return schedule.next(from).getTime() + 100 - now.getTime();
  } catch {
    return undefined; // no such date ever comes
  }
}
