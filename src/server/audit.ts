// Audit log: one audit.k8s.io/v1 Event per request at Metadata level (no bodies, never tokens),
// as JSON lines — the input of `incluster rbac learn`.
import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import type { AuditRecord } from "./context.ts";

export interface AuditLog {
  record(r: AuditRecord): void;
  close(): Promise<void>;
}

export function toAuditEvent(r: AuditRecord): Record<string, unknown> {
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: randomUUID(),
    stage: "ResponseComplete",
    requestURI: r.requestURI,
    verb: r.verb,
    user: r.user,
    sourceIPs: r.sourceIPs,
    ...(r.userAgent ? { userAgent: r.userAgent } : {}),
    ...(r.objectRef ? { objectRef: r.objectRef } : {}),
    responseStatus: { metadata: {}, code: r.code },
    requestReceivedTimestamp: r.requestReceivedTimestamp,
    stageTimestamp: r.stageTimestamp,
    annotations: { "authorization.k8s.io/decision": r.decision ?? "allow" },
  };
}

export function openAuditLog(path: string): AuditLog {
  const out: WriteStream = createWriteStream(path, { flags: "a", mode: 0o600 });
  out.on("error", () => undefined); // auditing must never take the server down
  return {
    record: (r) => {
      out.write(`${JSON.stringify(toAuditEvent(r))}\n`);
    },
    close: () => new Promise((resolve) => out.end(resolve)),
  };
}
