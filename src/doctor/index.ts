// Public API of the doctor: pure checks over gathered facts, and the runner that gathers them.
export { denialOf } from "./check-access.ts";
export { SUPPORTED_MINOR } from "./check-version.ts";
export { needsFromRules, needsFromText, parseNeed } from "./needs.ts";
export { renderText, reportObject } from "./render.ts";
export { type DoctorOptions, gatherFacts, runChecks, runDoctor } from "./run.ts";
export type * from "./types.ts";
