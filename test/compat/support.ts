// Shared helpers of the compatibility suites: identities made through the admin API, and long-running
// client processes (kubectl get -w, python watch scripts) read line by line.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import type { TestCluster } from "../helpers/cluster.ts";

/** Creates a namespace (admin) and waits for its default ServiceAccount and root CA ConfigMap. */
export async function createNamespace(c: TestCluster, name: string, labels: Record<string, string> = {}) {
  const r = await c.admin("POST", "/api/v1/namespaces", { metadata: { name, labels } });
  assert.equal(r.status, 201, r.text);
  await c.server.settle();
}

/** Creates a ServiceAccount (admin) and returns a bound token for it (TokenRequest). */
export async function serviceAccountToken(c: TestCluster, namespace: string, name: string): Promise<string> {
  const sa = await c.admin("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  assert.ok(sa.status === 201 || sa.status === 409, sa.text);
  const r = await c.admin("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.status.token as string;
}

/** Binds a ClusterRole to a ServiceAccount, cluster-wide or (with bindingNamespace) in one namespace. */
export async function bindClusterRole(
  c: TestCluster,
  o: {
    name: string;
    clusterRole: string;
    sa: { namespace: string; name: string };
    bindingNamespace?: string;
  },
): Promise<void> {
  const body = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: o.bindingNamespace ? "RoleBinding" : "ClusterRoleBinding",
    metadata: { name: o.name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: o.clusterRole },
    subjects: [{ kind: "ServiceAccount", name: o.sa.name, namespace: o.sa.namespace }],
  };
  const url = o.bindingNamespace
    ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${o.bindingNamespace}/rolebindings`
    : "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
  const r = await c.admin("POST", url, body);
  assert.equal(r.status, 201, r.text);
}

/** A child process whose stdout is collected as lines, with a way to wait for a line matching a predicate. */
export interface LineProcess {
  child: ChildProcess;
  lines: string[];
  stderr(): string;
  /** Resolves with the first line (seen so far or later) matching; rejects after timeoutMs. */
  waitFor(match: RegExp | ((line: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Kills this process (SIGTERM) unless it has exited, and waits for it. */
  stop(): Promise<void>;
}

export function spawnLines(command: string, args: string[], env: Record<string, string>): LineProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    err += chunk;
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      done = true;
      if (partial) lines.push(partial);
      partial = "";
      for (const w of waiters) w();
      resolve(code);
    }),
  );
  const waitFor: LineProcess["waitFor"] = (match, timeoutMs = 10_000) => {
    const test = typeof match === "function" ? match : (l: string) => match.test(l);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = lines.find(test);
        if (hit !== undefined) {
          cleanup();
          resolve(hit);
        } else if (done) {
          cleanup();
          reject(
            new Error(`${command} exited without printing ${match}; stdout:\n${lines.join("\n")}\n${err}`),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${match}; stdout so far:\n${lines.join("\n")}\n${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  };
  return {
    child,
    lines,
    stderr: () => err,
    waitFor,
    exited,
    stop: async () => {
      if (!done) child.kill("SIGTERM");
      await exited;
    },
  };
}
