// Moved to src/meta (shared with the pod runtime, which may not depend on the server).
export * from "../../meta/quantity.ts";
