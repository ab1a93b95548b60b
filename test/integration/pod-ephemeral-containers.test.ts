// pods/ephemeralcontainers on the real server (kinds/core/pod.ts, upstream's EphemeralContainersREST): get,
// update and the patches kubectl debug sends; only spec.ephemeralContainers is taken from the request, and
// ValidatePodEphemeralContainersUpdate's causes when an existing one is changed or removed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "eph" } });
});
after(() => c.stop());

const PODS = "/api/v1/namespaces/eph/pods";
const SMP = "application/strategic-merge-patch+json";
const debuggerContainer = { name: "debugger", image: "busybox", command: ["sh"], stdin: true, tty: true };

async function createPod(name: string): Promise<void> {
  const r = await c.admin("POST", PODS, {
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: "main", image: "busybox" }] },
  });
  assert.equal(r.status, 201, r.text);
}

test("discovery lists pods/ephemeralcontainers with upstream's kind and verbs", async () => {
  const r = await c.admin("GET", "/api/v1");
  const sub = r.json.resources.find((x: { name: string }) => x.name === "pods/ephemeralcontainers");
  assert.deepEqual(sub, {
    name: "pods/ephemeralcontainers",
    singularName: "",
    namespaced: true,
    kind: "Pod",
    verbs: ["get", "patch", "update"],
  });
});

test("a strategic merge patch (kubectl debug's) adds a defaulted ephemeral container", async () => {
  await createPod("smp");
  const patch = {
    spec: {
      "$setElementOrder/ephemeralContainers": [{ name: "debugger" }],
      ephemeralContainers: [{ ...debuggerContainer, targetContainerName: "main", resources: {} }],
    },
  };
  const r = await c.admin("PATCH", `${PODS}/smp/ephemeralcontainers?fieldManager=kubectl-debug`, patch, SMP);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, "Pod");
  assert.deepEqual(r.json.spec.ephemeralContainers, [
    {
      ...debuggerContainer,
      targetContainerName: "main",
      resources: {},
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      imagePullPolicy: "Always",
    },
  ]);
  const entry = r.json.metadata.managedFields.find((m: { manager: string }) => m.manager === "kubectl-debug");
  assert.equal(entry?.subresource, "ephemeralcontainers", JSON.stringify(r.json.metadata.managedFields));
  assert.ok(entry.fieldsV1["f:spec"]["f:ephemeralContainers"], JSON.stringify(entry));

  const got = await c.admin("GET", `${PODS}/smp/ephemeralcontainers`);
  assert.equal(got.status, 200);
  assert.equal(got.json.metadata.resourceVersion, r.json.metadata.resourceVersion);
  assert.equal(got.json.spec.ephemeralContainers[0].name, "debugger");
});

test("JSON patches add and append ephemeral containers", async () => {
  await createPod("json");
  const r = await c.admin(
    "PATCH",
    `${PODS}/json/ephemeralcontainers`,
    [{ op: "add", path: "/spec/ephemeralContainers", value: [{ name: "one", image: "busybox" }] }],
    "application/json-patch+json",
  );
  assert.equal(r.status, 200, r.text);
  const second = await c.admin(
    "PATCH",
    `${PODS}/json/ephemeralcontainers`,
    [{ op: "add", path: "/spec/ephemeralContainers/-", value: { name: "two", image: "busybox" } }],
    "application/json-patch+json",
  );
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(
    second.json.spec.ephemeralContainers.map((e: { name: string }) => e.name),
    ["one", "two"],
  );
});

test("the subresource takes only spec.ephemeralContainers from the request", async () => {
  await createPod("ignored");
  const pod = (await c.admin("GET", `${PODS}/ignored`)).json;
  const body = structuredClone(pod);
  body.spec.containers[0].image = "busybox:changed";
  body.spec.activeDeadlineSeconds = 5;
  body.metadata.labels = { app: "changed" };
  body.status = { phase: "Failed" };
  body.spec.ephemeralContainers = [{ name: "debugger", image: "busybox" }];
  const r = await c.admin("PUT", `${PODS}/ignored/ephemeralcontainers`, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.spec.containers[0].image, "busybox");
  assert.equal(r.json.spec.activeDeadlineSeconds, undefined);
  assert.deepEqual(r.json.metadata.labels, { app: "ignored" });
  assert.equal(r.json.status.phase, "Pending");
  assert.equal(r.json.spec.ephemeralContainers[0].name, "debugger");

  // …and the Pod itself cannot add one (ValidatePodUpdate: only the image and a few fields may change).
  const direct = structuredClone(r.json);
  direct.spec.ephemeralContainers.push({ name: "sneaky", image: "busybox" });
  const refused = await c.admin("PUT", `${PODS}/ignored`, direct);
  assert.equal(refused.status, 422, refused.text);
});

test("changing or removing an existing ephemeral container is Forbidden, as upstream says it", async () => {
  await createPod("frozen");
  const added = await c.admin(
    "PATCH",
    `${PODS}/frozen/ephemeralcontainers`,
    { spec: { ephemeralContainers: [{ name: "debugger", image: "busybox" }] } },
    SMP,
  );
  assert.equal(added.status, 200, added.text);

  const changed = structuredClone(added.json);
  changed.spec.ephemeralContainers[0].image = "alpine";
  const r = await c.admin("PUT", `${PODS}/frozen/ephemeralcontainers`, changed);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.reason, "Invalid");
  assert.deepEqual(
    r.json.details.causes.map((x: { field: string; reason: string }) => `${x.field} ${x.reason}`),
    ["spec.ephemeralContainers FieldValueForbidden"],
  );
  assert.match(
    r.json.message,
    /^Pod "frozen" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed\n/,
  );

  const removed = structuredClone(added.json);
  removed.spec.ephemeralContainers = [];
  const gone = await c.admin("PUT", `${PODS}/frozen/ephemeralcontainers`, removed);
  assert.equal(gone.status, 422, gone.text);
  assert.match(gone.json.message, /existing ephemeral containers "debugger" may not be removed/);
});

test("an ephemeral container's own validation: forbidden fields, a duplicate name, a missing target", async () => {
  await createPod("invalid");
  const r = await c.admin(
    "PATCH",
    `${PODS}/invalid/ephemeralcontainers`,
    {
      spec: {
        ephemeralContainers: [
          { name: "main", image: "busybox" },
          { name: "probe", image: "busybox", readinessProbe: { exec: { command: ["true"] } } },
          { name: "lost", image: "busybox", targetContainerName: "nope" },
        ],
      },
    },
    SMP,
  );
  assert.equal(r.status, 422, r.text);
  const causes = r.json.details.causes.map(
    (x: { field: string; reason: string }) => `${x.field} ${x.reason}`,
  );
  assert.ok(causes.includes("spec.ephemeralContainers[0].name FieldValueDuplicate"), causes.join("\n"));
  assert.ok(
    causes.includes("spec.ephemeralContainers[1].readinessProbe FieldValueForbidden"),
    causes.join("\n"),
  );
  assert.ok(
    causes.includes("spec.ephemeralContainers[2].targetContainerName FieldValueNotFound"),
    causes.join("\n"),
  );
});

test("creating a Pod with ephemeral containers is refused; other verbs on the subresource are not served", async () => {
  const r = await c.admin("POST", PODS, {
    metadata: { name: "born" },
    spec: {
      containers: [{ name: "main", image: "busybox" }],
      ephemeralContainers: [{ name: "e", image: "busybox" }],
    },
  });
  assert.equal(r.status, 422, r.text);
  assert.match(r.json.message, /spec\.ephemeralContainers: Forbidden: cannot be set on create/);

  await createPod("verbs");
  const del = await c.admin("DELETE", `${PODS}/verbs/ephemeralcontainers`);
  assert.equal(del.status, 405, del.text);
  const missing = await c.admin(
    "PATCH",
    `${PODS}/ghost/ephemeralcontainers`,
    { spec: { ephemeralContainers: [{ name: "e", image: "busybox" }] } },
    SMP,
  );
  assert.equal(missing.status, 404, missing.text);
  assert.equal(
    missing.json.details.name,
    "ghost",
    "kubectl tells a missing Pod from a missing subresource by this",
  );
});
