// The sandbox shows the host's /etc (read-only, copy-on-write) to every container, which may run as any
// uid but 0 and any gid (runAsUser alone runs as group 0, as containerd does). Host files there that are
// not world-readable — /etc/shadow (group shadow), private keys, a root-group 0640 file — must stay out of
// reach whatever runAsUser/runAsGroup a Pod picks.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Pod, PodSecurityContext } from "kubernetes-types/core/v1.d.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const IMAGE = "ghcr.io/incluster/incluster";
const NS = "host-etc";
const skip = await sandboxSkipReason();
const name = `incluster-test-${randomBytes(4).toString("hex")}`;
const FILE = `/etc/${name}.conf`;
const DIR = `/etc/${name}.d`;
/** The host's shadow group (42 on Debian), which may read /etc/shadow. */
const SHADOW_GID = Number(readFileSync("/etc/group", "utf8").match(/^shadow:[^:]*:(\d+):/m)?.[1]);
let c: RuntimeCluster;

before(async () => {
  if (skip) return;
  await writeFile(FILE, "root-group secret\n", { mode: 0o640 });
  await mkdir(DIR, { mode: 0o750 });
  await writeFile(`${DIR}/key`, "private key\n", { mode: 0o644 });
  c = await startRuntimeCluster({});
  await createNamespace(c, NS);
});
after(async () => {
  await c?.stop();
  await rm(FILE, { force: true });
  await rm(DIR, { recursive: true, force: true });
});

async function readAs(pod: string, securityContext: PodSecurityContext): Promise<Record<string, string>> {
  const paths = ["/etc/shadow", FILE, `${DIR}/key`, "/etc/passwd"];
  const code =
    `const fs=process.getBuiltinModule("node:fs");const out={};` +
    `for(const p of ${JSON.stringify(paths)}){try{out[p]=fs.readFileSync(p,"utf8").length>0?"read":"empty"}catch(e){out[p]=e.code}}` +
    `console.log("RESULT "+JSON.stringify(out))`;
  await createPod(c, NS, {
    metadata: { name: pod },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext,
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          env: [{ name: "NODE_OPTIONS", value: `--import=data:text/javascript,${encodeURIComponent(code)}` }],
        },
      ],
    },
  });
  await c.waitForPod(
    NS,
    pod,
    (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    "finished",
    60_000,
  );
  const log = await c.admin("GET", `/api/v1/namespaces/${NS}/pods/${pod}/log`);
  const line = log.text.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `no result in the log: ${log.text}`);
  return JSON.parse(line.slice("RESULT ".length));
}

test("runAsGroup of the host's shadow group cannot read /etc/shadow", { skip }, async () => {
  assert.ok(SHADOW_GID > 0, "this host has a shadow group (Debian)");
  const result = await readAs("shadow-group", { runAsUser: 1000, runAsGroup: SHADOW_GID });
  assert.notEqual(result["/etc/shadow"], "read");
  assert.equal(result["/etc/passwd"], "read", "world-readable host files stay visible");
});

test("runAsUser alone (group 0) cannot read the host's root-group files in /etc", { skip }, async () => {
  const result = await readAs("root-group", { runAsUser: 1000 });
  assert.notEqual(result[FILE], "read");
  assert.notEqual(result[`${DIR}/key`], "read");
  assert.equal(result["/etc/passwd"], "read");
});
