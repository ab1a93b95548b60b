// CustomResourceDefinitions on the local API server (the server in a child process, the admin client here):
//  1. CRD create → served: POST a CRD, then poll GET of its (empty) collection until it answers 200;
//     p50/p99 over many CRDs (each with its own group). Target: p99 < 1 s.
//  2. 10,000 custom resources of a 50-field structural schema (types, enums, patterns, bounds, defaults,
//     a list-type map, a CEL rule) against 10,000 Pods in the same run: creates/s (32 concurrent POSTs)
//     and full lists/s (limit=500 pages through everything).
//
// Run: node_modules/.bin/node bench/crd.ts [--crds 100] [--objects 10000] [--lists 5]
import type { KubeClient } from "../src/client/index.ts";
import { adminClient, startServerProcess } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { realisticPod } from "./lib/pods.ts";
import { int, ms, printMachine, printTable, ratio } from "./lib/report.ts";

const CRDS = numberFlag("--crds", 100);
const OBJECTS = numberFlag("--objects", 10_000);
const LISTS = numberFlag("--lists", 5);
const CONCURRENCY = 32;
const NAMESPACES = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A 50-field spec: 10 each of strings (enum, pattern), integers (bounds, defaults), booleans, quantities-as-strings and nested objects. */
function fiftyFieldSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < 10; i++) {
    properties[`name${i}`] = { type: "string", maxLength: 63, pattern: "^[a-z0-9-]+$" };
    properties[`count${i}`] = { type: "integer", minimum: 0, maximum: 1_000_000, default: i };
    properties[`enabled${i}`] = { type: "boolean", default: false };
    properties[`mode${i}`] = { type: "string", enum: ["Fast", "Safe", "Off"] };
    properties[`limits${i}`] = {
      type: "object",
      properties: { cpu: { type: "string" }, memory: { type: "string" } },
    };
  }
  properties.ports = {
    type: "array",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    items: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, port: { type: "integer", minimum: 1, maximum: 65535 } },
    },
  };
  return {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties,
        "x-kubernetes-validations": [
          { rule: "self.count0 <= self.count1 + 1000000", message: "count0 too large" },
        ],
      },
      status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  };
}

function crd(group: string, plural: string, kind: string, schema: Record<string, unknown>) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
        },
      ],
    },
  };
}

function widget(i: number) {
  const spec: Record<string, unknown> = {};
  for (let f = 0; f < 10; f++) {
    spec[`name${f}`] = `widget-${i}-${f}`;
    spec[`count${f}`] = i + f;
    spec[`enabled${f}`] = (i + f) % 2 === 0;
    spec[`mode${f}`] = ["Fast", "Safe", "Off"][(i + f) % 3];
    spec[`limits${f}`] = { cpu: "500m", memory: "512Mi" };
  }
  spec.ports = [
    { name: "http", port: 8080 },
    { name: "metrics", port: 9090 },
  ];
  return {
    apiVersion: "bench.example.com/v1",
    kind: "Widget",
    metadata: { name: `widget-${i}`, namespace: `team-${i % NAMESPACES}`, labels: { app: `svc-${i % 400}` } },
    spec,
  };
}

async function timeServed(admin: KubeClient, i: number): Promise<number> {
  const group = `g${i}.bench.example.com`;
  const start = performance.now();
  await admin.request({
    method: "POST",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    body: crd(group, "gizmos", "Gizmo", fiftyFieldSchema()),
  });
  for (;;) {
    const r = await admin.request({ path: `/apis/${group}/v1/gizmos`, retries: 0 }).catch(() => undefined);
    if (r?.status === 200) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function createAll(
  admin: KubeClient,
  count: number,
  pathOf: (i: number) => string,
  body: (i: number) => unknown,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++)
        await admin.request({ method: "POST", path: pathOf(i), body: body(i) });
    }),
  );
  return (count / (performance.now() - start)) * 1000;
}

async function listAll(admin: KubeClient, path: string): Promise<{ perSecond: number; items: number }> {
  let items = 0;
  const start = performance.now();
  for (let run = 0; run < LISTS; run++) {
    let token = "";
    do {
      const page = await admin.requestJson<{ items: unknown[]; metadata: { continue?: string } }>({
        path,
        query: { limit: 500, ...(token ? { continue: token } : {}) },
        maxResponseBytes: 512 * 1024 * 1024,
      });
      items += page.items.length;
      token = page.metadata.continue ?? "";
    } while (token);
  }
  return { perSecond: (LISTS / (performance.now() - start)) * 1000, items: items / LISTS };
}

async function main() {
  printMachine();
  const server = await startServerProcess();
  try {
    const admin = await adminClient(server);
    for (let n = 0; n < NAMESPACES; n++)
      await admin.resource("namespaces").create({ metadata: { name: `team-${n}` } });

    const served: number[] = [];
    for (let i = 0; i < CRDS; i++) served.push(await timeServed(admin, i));
    console.log(`\nCRD create → served (${CRDS} CRDs, each polled until its collection answers 200):`);
    printTable([
      ["p50", "p99", "max", "target p99"],
      [ms(percentile(served, 50)), ms(percentile(served, 99)), ms(Math.max(...served)), "< 1 s"],
    ]);

    await admin.request({
      method: "POST",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      body: crd("bench.example.com", "widgets", "Widget", fiftyFieldSchema()),
    });
    while (
      (await admin.request({ path: "/apis/bench.example.com/v1/widgets", retries: 0 }).catch(() => undefined))
        ?.status !== 200
    )
      await new Promise((resolve) => setTimeout(resolve, 5));

    const crCreates = await createAll(
      admin,
      OBJECTS,
      (i) => `/apis/bench.example.com/v1/namespaces/team-${i % NAMESPACES}/widgets`,
      widget,
    );
    const podCreates = await createAll(
      admin,
      OBJECTS,
      (i) => `/api/v1/namespaces/team-${i % NAMESPACES}/pods`,
      (i) => {
        const pod = realisticPod(i, NAMESPACES);
        const { uid: _uid, creationTimestamp: _t, ownerReferences: _o, ...metadata } = pod.metadata ?? {};
        return { ...pod, metadata, status: undefined };
      },
    );
    const crList = await listAll(admin, "/apis/bench.example.com/v1/widgets");
    const podList = await listAll(admin, "/api/v1/pods");
    console.log(
      `\n${int(OBJECTS)} custom resources (50-field schema) against ${int(OBJECTS)} Pods, ${CONCURRENCY} concurrent creates, full lists in pages of 500:`,
    );
    printTable([
      ["", "custom resources", "Pods", "CR / Pod"],
      ["creates/s", int(crCreates), int(podCreates), ratio(crCreates / podCreates)],
      [
        `full lists/s (${int(crList.items)} objects)`,
        crList.perSecond.toFixed(2),
        podList.perSecond.toFixed(2),
        ratio(crList.perSecond / podList.perSecond),
      ],
    ]);
    admin.close();
  } finally {
    await server.stop();
  }
}

await main();
