// Moved to src/meta (quantity.ts, shared with the pod runtime, uses it).
export * from "../../meta/memo.ts";
