// A subPath inside a volume the Pod itself writes (emptyDir, a claim): one container swaps the subPath between
// a directory of the volume and a symbolic link to the host's /, while the Pod's other containers start with
// it mounted. The runtime checks where the subPath leads, then the sandbox's setup mounts it: the mount must
// be of what was checked, never of the link's new target. Runs as root with the sandbox (CI).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const IMAGE = "ghcr.io/incluster/incluster";
const NS = "subpath";
const CONTAINERS = 12;
/** How long the swapper swaps; the containers that start later see the directory for good. */
const SWAP_SECONDS = 25;
const skip = await sandboxSkipReason();
let c: RuntimeCluster;

before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({});
  await createNamespace(c, NS);
});
after(async () => {
  await c?.stop();
});

/** NODE_OPTIONS that runs `code` (with `fs`) before the incluster CLI starts. */
const injected = (code: string) => [
  {
    name: "NODE_OPTIONS",
    value: `--import=data:text/javascript,${encodeURIComponent(`const fs=process.getBuiltinModule("node:fs");${code}`)}`,
  },
];

test("a subPath swapped for a symbolic link to / while containers start never mounts the host's root", {
  skip,
}, async () => {
  const swap =
    `fs.mkdirSync("/v/real",{recursive:true});fs.writeFileSync("/v/real/inside","x");` +
    `const end=Date.now()+${SWAP_SECONDS * 1000};const to=(t)=>{fs.rmSync("/v/t",{force:true});fs.symlinkSync(t,"/v/t");fs.renameSync("/v/t","/v/sub")};` +
    `while(Date.now()<end){try{to("real");to("/")}catch{}}to("real");setInterval(()=>{},1e6)`;
  const look = `console.log("RESULT "+JSON.stringify(fs.readdirSync("/mnt")));setInterval(()=>{},1e6)`;
  const pod: Pod = {
    metadata: { name: "race" },
    spec: {
      automountServiceAccountToken: false,
      volumes: [{ name: "v", emptyDir: {} }],
      initContainers: [
        {
          name: "swapper",
          image: IMAGE,
          args: ["--help"],
          restartPolicy: "Always",
          env: injected(swap),
          volumeMounts: [{ name: "v", mountPath: "/v" }],
        },
      ],
      containers: Array.from({ length: CONTAINERS }, (_, i) => ({
        name: `look${i}`,
        image: IMAGE,
        args: ["--help"],
        env: injected(look),
        volumeMounts: [{ name: "v", mountPath: "/mnt", subPath: "sub" }],
      })),
    },
  };
  await createPod(c, NS, pod);
  const seen = new Map<string, string>();
  await eventually(
    async () => {
      for (let i = 0; i < CONTAINERS; i++) {
        const name = `look${i}`;
        if (seen.has(name)) continue;
        const r = await c.admin("GET", `/api/v1/namespaces/${NS}/pods/race/log?container=${name}`);
        const line = r.status === 200 && r.text.split("\n").find((l) => l.startsWith("RESULT "));
        if (line) seen.set(name, line.slice("RESULT ".length));
      }
      return seen.size === CONTAINERS;
    },
    240_000,
    "every container to start",
  );
  for (const [name, listing] of seen)
    assert.deepEqual(
      JSON.parse(listing),
      ["inside"],
      `${name} mounted something else than the volume's directory`,
    );
});

test("subPath mounts still work in the sandbox: a directory of an emptyDir, a file of a configMap (behind its links)", {
  skip,
}, async () => {
  const cm = await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "conf" },
    data: { "app.conf": "setting=1\n" },
  });
  assert.equal(cm.status, 201, cm.text);
  const code =
    `fs.mkdirSync("/v/dir/deeper",{recursive:true});fs.writeFileSync("/v/dir/deeper/made","y");` +
    `console.log("RESULT "+JSON.stringify({conf:fs.readFileSync("/etc/app.conf","utf8"),dir:fs.readdirSync("/mnt")}))`;
  await createPod(c, NS, {
    metadata: { name: "plain" },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      volumes: [
        { name: "v", emptyDir: {} },
        { name: "conf", configMap: { name: "conf" } },
      ],
      initContainers: [
        {
          name: "prepare",
          image: IMAGE,
          args: ["--help"],
          env: injected(
            `fs.mkdirSync("/v/dir/deeper",{recursive:true});fs.writeFileSync("/v/dir/deeper/made","y")`,
          ),
          volumeMounts: [{ name: "v", mountPath: "/v" }],
        },
      ],
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          env: injected(code),
          volumeMounts: [
            { name: "v", mountPath: "/v" },
            { name: "v", mountPath: "/mnt", subPath: "dir/deeper" },
            { name: "conf", mountPath: "/etc/app.conf", subPath: "app.conf" },
          ],
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "plain",
    (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    "finished",
    60_000,
  );
  const log = await c.admin("GET", `/api/v1/namespaces/${NS}/pods/plain/log?container=main`);
  const line = log.text.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `no result: ${log.text} ${JSON.stringify(pod.status)}`);
  assert.deepEqual(JSON.parse(line.slice("RESULT ".length)), { conf: "setting=1\n", dir: ["made"] });
});
