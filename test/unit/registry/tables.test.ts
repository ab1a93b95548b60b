// Table cells and columns against printers_test.go (kubernetes pkg/printers/internalversion), ported to v1 JSON.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { RESOURCES } from "../../../src/server/registry/resources.ts";
import { printerFor as printerOf } from "../../../src/server/registry/tables.ts";

/** The printer of the served resource group/resource (the default printer for one not served). */
const printerFor = (group: string, resource: string) =>
  printerOf(RESOURCES.find((d) => d.group === group && d.resource === resource) ?? {});

const NOW = Date.parse("2024-06-01T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.000Z$/, "Z");
const S = 1000;
const D = 24 * 3600 * S;

const pods = printerFor("", "pods");
const podCells = (pod: KubeObject) => pods.cells(pod, NOW);
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: "img" }));
const restarted = (msAgo: number) => ({ terminated: { finishedAt: ago(msAgo) } });
const pod = (name: string, spec: object, status: object, metadata: object = {}): KubeObject => ({
  metadata: { name, ...metadata },
  spec,
  status,
});
const running = { running: {} };

describe("pods: STATUS, READY and RESTARTS (TestPrintPod)", () => {
  const cases: [KubeObject, string[]][] = [
    [
      pod(
        "test1",
        { containers: containers(2) },
        {
          phase: "podPhase",
          containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }],
        },
      ),
      ["test1", "1/2", "podPhase", "6"],
    ],
    [
      pod(
        "test2",
        { containers: containers(2) },
        {
          phase: "podPhase",
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 },
          ],
        },
      ),
      ["test2", "1/2", "ContainerWaitingReason", "6"],
    ],
    [
      pod(
        "test3",
        { containers: containers(2) },
        {
          phase: "podPhase",
          containerStatuses: [
            { state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 },
            { state: { terminated: { reason: "ContainerTerminatedReason" } }, restartCount: 3 },
          ],
        },
      ),
      ["test3", "0/2", "ContainerWaitingReason", "6"],
    ],
    [
      pod(
        "test5",
        { containers: containers(2) },
        {
          reason: "podReason",
          phase: "podPhase",
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { ready: true, restartCount: 3 },
          ],
        },
      ),
      ["test5", "1/2", "podReason", "6"],
    ],
    [
      pod(
        "test6",
        { containers: containers(2) },
        {
          phase: "Running",
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: "Completed", exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      ),
      ["test6", "1/2", "NotReady", "6"],
    ],
    [
      pod(
        "test6",
        { containers: containers(2) },
        {
          phase: "Running",
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: "Completed", exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
          conditions: [{ type: "Ready", status: "True" }],
        },
      ),
      ["test6", "1/2", "Running", "6"],
    ],
    [
      pod(
        "test7",
        { initContainers: containers(1), containers: containers(1) },
        {
          phase: "podPhase",
          initContainerStatuses: [
            { ready: false, restartCount: 3, state: running, lastState: restarted(10 * S) },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      ),
      ["test7", "0/1", "Init:0/1", "3 (10s ago)"],
    ],
    [
      pod(
        "test10",
        { initContainers: containers(2), containers: containers(1) },
        {
          phase: "podPhase",
          initContainerStatuses: [
            { ready: false, restartCount: 2, state: { terminated: {} }, lastState: restarted(120 * S) },
            { ready: false, restartCount: 3, state: running, lastState: restarted(10 * S) },
          ],
          containerStatuses: [{ ready: false, state: { waiting: {} } }],
        },
      ),
      ["test10", "0/1", "Init:1/2", "5 (10s ago)"],
    ],
    [
      pod(
        "test11",
        { initContainers: containers(1), containers: containers(1) },
        {
          phase: "Running",
          initContainerStatuses: [
            { ready: false, restartCount: 2, state: { terminated: {} }, lastState: restarted(120 * S) },
          ],
          containerStatuses: [
            { ready: false, restartCount: 4, state: running, lastState: restarted(20 * S) },
          ],
        },
      ),
      ["test11", "0/1", "Running", "4 (20s ago)"],
    ],
    [
      pod(
        "test14",
        { containers: containers(2) },
        {
          phase: "Running",
          containerStatuses: [
            { ready: true, restartCount: 6, state: running, lastState: restarted(5 * D) },
            { ready: true, restartCount: 3, state: running, lastState: restarted(20 * D) },
          ],
        },
      ),
      ["test14", "2/2", "Running", "9 (5d ago)"],
    ],
    [
      pod(
        "test15",
        { containers: containers(2) },
        {
          phase: "podPhase",
          conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
        },
      ),
      ["test15", "0/2", "SchedulingGated", "0"],
    ],
    [
      pod(
        "test16",
        { containers: containers(1) },
        {
          phase: "Succeeded",
          containerStatuses: [
            { ready: false, restartCount: 0, state: { terminated: { reason: "Completed", exitCode: 0 } } },
          ],
        },
      ),
      ["test16", "0/1", "Completed", "0"],
    ],
    [
      pod(
        "test17",
        { containers: containers(1) },
        {
          phase: "Failed",
          containerStatuses: [
            { ready: false, restartCount: 0, state: { terminated: { reason: "Error", exitCode: 1 } } },
          ],
        },
      ),
      ["test17", "0/1", "Error", "0"],
    ],
    [
      pod(
        "test19",
        { containers: containers(1) },
        { phase: "Running", containerStatuses: [{ ready: false, restartCount: 0, state: running }] },
        { deletionTimestamp: ago(10 * S) },
      ),
      ["test19", "0/1", "Terminating", "0"],
    ],
    [
      pod(
        "test18",
        { containers: containers(1) },
        {
          phase: "Succeeded",
          containerStatuses: [{ ready: false, state: { terminated: { reason: "Completed", exitCode: 0 } } }],
        },
        { deletionTimestamp: ago(10 * S) },
      ),
      ["test18", "0/1", "Completed", "0"],
    ],
    [
      pod(
        "crashing",
        { containers: containers(1) },
        {
          phase: "Running",
          containerStatuses: [
            {
              ready: false,
              restartCount: 7,
              state: { waiting: { reason: "CrashLoopBackOff" } },
              lastState: restarted(90 * S),
            },
          ],
        },
      ),
      ["crashing", "0/1", "CrashLoopBackOff", "7 (90s ago)"],
    ],
    [
      pod(
        "killed",
        { containers: containers(1) },
        {
          phase: "Running",
          containerStatuses: [{ state: { terminated: { signal: 9, exitCode: 137 } } }],
        },
      ),
      ["killed", "0/1", "Signal:9", "0"],
    ],
    [
      pod(
        "lost",
        { containers: containers(1) },
        { phase: "Running", reason: "NodeLost" },
        { deletionTimestamp: ago(S) },
      ),
      ["lost", "0/1", "Unknown", "0"],
    ],
  ];
  for (const [p, want] of cases) {
    test(`${want[0]}: ${want[2]} ${want[3]}`, () => assert.deepEqual(podCells(p).slice(0, 4), want));
  }

  test("sidecar (restartable init) containers count toward READY and RESTARTS", () => {
    const sidecars = [
      { name: "restartable-init-1", restartPolicy: "Always" },
      { name: "restartable-init-2", restartPolicy: "Always" },
    ];
    const p = pod(
      "test2",
      { initContainers: sidecars, containers: containers(1) },
      {
        phase: "Running",
        initContainerStatuses: [
          {
            name: "restartable-init-1",
            restartCount: 3,
            state: running,
            started: true,
            lastState: restarted(10 * S),
          },
          { name: "restartable-init-2", state: running, started: true },
        ],
        containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: restarted(20 * S) }],
        conditions: [{ type: "Initialized", status: "True" }],
      },
    );
    assert.deepEqual(podCells(p).slice(0, 4), ["test2", "1/3", "Running", "7 (10s ago)"]);
  });

  test("statuses for unknown init containers leave the pod initializing", () => {
    const p = pod(
      "test4",
      {
        initContainers: [{ name: "init1" }, { name: "sidecar1", restartPolicy: "Always" }],
        containers: [{ name: "container1" }],
      },
      {
        phase: "Running",
        initContainerStatuses: [{ name: "initinvalid" }, { name: "init1" }, { name: "sidecar1" }],
        containerStatuses: [{ name: "containerinvalid" }, { name: "container1" }],
      },
    );
    assert.deepEqual(podCells(p).slice(0, 4), ["test4", "0/2", "Init:0/2", "0"]);
  });

  test("Succeeded and Failed pods carry a Completed row condition", () => {
    assert.deepEqual(pods.conditions?.(pod("a", {}, { phase: "Succeeded" })), [
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: "The pod has completed successfully.",
      },
    ]);
    assert.equal(pods.conditions?.(pod("b", {}, { phase: "Failed" }))?.[0].message, "The pod failed.");
    assert.equal(pods.conditions?.(pod("c", {}, { phase: "Running" })), undefined);
  });
});

describe("pods: wide cells (TestPrintPodwide) and AGE", () => {
  test("IP, node, nominated node and readiness gates", () => {
    const p = pod(
      "test1",
      {
        containers: containers(2),
        nodeName: "test1",
        readinessGates: [
          { conditionType: "condition1" },
          { conditionType: "condition2" },
          { conditionType: "condition3" },
        ],
      },
      {
        conditions: [
          { type: "condition1", status: "False" },
          { type: "condition2", status: "True" },
        ],
        phase: "podPhase",
        podIPs: [{ ip: "1.1.1.1" }, { ip: "2001:db8::" }],
        containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }],
        nominatedNodeName: "node1",
      },
    );
    assert.deepEqual(podCells(p), [
      "test1",
      "1/2",
      "podPhase",
      "6",
      "<unknown>",
      "1.1.1.1",
      "test1",
      "node1",
      "1/3",
    ]);
  });

  test("absent values print <none>; age comes from creationTimestamp", () => {
    const p = pod(
      "test2",
      { containers: containers(1) },
      { phase: "Pending" },
      { creationTimestamp: ago(90 * S) },
    );
    assert.deepEqual(podCells(p), [
      "test2",
      "0/1",
      "Pending",
      "0",
      "90s",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });

  test("column definitions match printers.go", () => {
    assert.deepEqual(
      pods.columns.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ["Name", "string", "name", 0],
        ["Ready", "string", "", 0],
        ["Status", "string", "", 0],
        ["Restarts", "string", "", 0],
        ["Age", "string", "", 0],
        ["IP", "string", "", 1],
        ["Node", "string", "", 1],
        ["Nominated Node", "string", "", 1],
        ["Readiness Gates", "string", "", 1],
      ],
    );
    assert.match(pods.columns[0].description, /^Name must be unique within a namespace/);
    assert.match(pods.columns[4].description, /^CreationTimestamp is a timestamp/);
  });
});

describe("services (TestPrintService)", () => {
  const services = printerFor("", "services");
  const cells = (spec: object, status: object = {}) =>
    services.cells({ metadata: { name: "svc" }, spec, status }, NOW);

  test("ClusterIP with several ports", () => {
    assert.deepEqual(
      cells({
        type: "ClusterIP",
        clusterIP: "10.0.0.1",
        clusterIPs: ["10.0.0.1"],
        ports: [
          { port: 80, protocol: "TCP" },
          { port: 443, protocol: "TCP" },
        ],
        selector: { app: "web", tier: "a" },
      }),
      ["svc", "ClusterIP", "10.0.0.1", "<none>", "80/TCP,443/TCP", "<unknown>", "app=web,tier=a"],
    );
  });

  test("NodePort ports print port:nodePort/protocol", () => {
    assert.equal(
      cells({
        type: "NodePort",
        clusterIPs: ["1.2.3.4"],
        ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }],
      })[4],
      "80:30080/TCP",
    );
  });

  test("LoadBalancer: pending, then the ingress IPs (all of them, as the server renders wide)", () => {
    const spec = {
      type: "LoadBalancer",
      clusterIPs: ["1.5.6.7"],
      ports: [
        { port: 80, protocol: "TCP" },
        { port: 8090, protocol: "UDP" },
        { port: 8000, protocol: "TCP" },
      ],
    };
    assert.equal(cells(spec)[3], "<pending>");
    const ingress = {
      loadBalancer: {
        ingress: [{ ip: "2.3.4.5" }, { ip: "3.4.5.6" }, { ip: "5.6.7.8", hostname: "host5678" }],
      },
    };
    assert.deepEqual(cells(spec, ingress).slice(0, 5), [
      "svc",
      "LoadBalancer",
      "1.5.6.7",
      "2.3.4.5,3.4.5.6,5.6.7.8",
      "80/TCP,8090/UDP,8000/TCP",
    ]);
  });

  test("ExternalName and headless", () => {
    assert.deepEqual(cells({ type: "ExternalName", externalName: "my.database.example.com" }).slice(1, 5), [
      "ExternalName",
      "<none>",
      "my.database.example.com",
      "<none>",
    ]);
    assert.equal(cells({ type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"], ports: [] })[2], "None");
  });
});

describe("other core kinds", () => {
  const obj = (o: object): KubeObject => ({
    metadata: { name: "x", creationTimestamp: ago(5 * 60 * S) },
    ...o,
  });

  test("namespaces: NAME STATUS AGE", () => {
    assert.deepEqual(printerFor("", "namespaces").cells(obj({ status: { phase: "Active" } }), NOW), [
      "x",
      "Active",
      "5m",
    ]);
  });
  test("serviceaccounts: NAME SECRETS AGE (an integer)", () => {
    assert.deepEqual(printerFor("", "serviceaccounts").cells(obj({ secrets: [{ name: "t" }] }), NOW), [
      "x",
      1,
      "5m",
    ]);
  });
  test("secrets: NAME TYPE DATA AGE", () => {
    assert.deepEqual(
      printerFor("", "secrets").cells(
        obj({ type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }),
        NOW,
      ),
      ["x", "kubernetes.io/tls", 2, "5m"],
    );
  });
  test("configmaps: DATA counts data and binaryData", () => {
    assert.deepEqual(
      printerFor("", "configmaps").cells(obj({ data: { a: "1" }, binaryData: { b: "" } }), NOW),
      ["x", 2, "5m"],
    );
  });
  test("nodes: status, roles, version and wide columns", () => {
    const node = obj({
      metadata: {
        name: "n1",
        creationTimestamp: ago(3 * D),
        labels: { "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker" },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [{ type: "InternalIP", address: "10.0.0.5" }],
        nodeInfo: { kubeletVersion: "v1.35.0", osImage: "Debian" },
      },
    });
    assert.deepEqual(printerFor("", "nodes").cells(node, NOW), [
      "n1",
      "Ready,SchedulingDisabled",
      "control-plane,worker",
      "3d",
      "v1.35.0",
      "10.0.0.5",
      "<none>",
      "Debian",
      "<unknown>",
      "<unknown>",
    ]);
  });
  test("events: LAST SEEN TYPE REASON OBJECT, then wide columns", () => {
    const printer = printerFor("", "events");
    assert.deepEqual(
      printer.columns.filter((c) => c.priority === 0).map((c) => c.name),
      ["Last Seen", "Type", "Reason", "Object", "Message"],
    );
    const event = obj({
      metadata: { name: "web.17a", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      reason: "BackOff",
      type: "Warning",
      message: " Back-off restarting failed container \n",
      firstTimestamp: ago(10 * 60 * S),
      lastTimestamp: ago(30 * S),
      count: 4,
      source: { component: "kubelet", host: "node-1" },
    });
    assert.deepEqual(printer.cells(event, NOW), [
      "30s",
      "Warning",
      "BackOff",
      "pod/web",
      "spec.containers{app}",
      "kubelet, node-1",
      "Back-off restarting failed container",
      "10m",
      4,
      "web.17a",
    ]);
  });
  test("events without timestamps use eventTime and count 1", () => {
    const event = obj({
      involvedObject: { kind: "Node" },
      eventTime: ago(2 * S),
      reportingComponent: "sched",
    });
    const cells = printerFor("", "events").cells(event, NOW);
    assert.deepEqual([cells[0], cells[3], cells[5], cells[7], cells[8]], ["2s", "node", "sched", "2s", 1]);
  });
});

describe("endpoints and endpointslices", () => {
  test("endpoints list ip:port, at most three", () => {
    const ep: KubeObject = {
      metadata: { name: "web" },
      subsets: [
        {
          addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }, { ip: "fd00::1" }],
          ports: [{ port: 80 }, { port: 443 }],
        },
      ],
    };
    assert.equal(
      printerFor("", "endpoints").cells(ep, NOW)[1],
      "10.0.0.1:80,10.0.0.2:80,[fd00::1]:80 + 3 more...",
    );
    assert.equal(printerFor("", "endpoints").cells({ metadata: { name: "e" } }, NOW)[1], "<none>");
  });
  test("endpointslices: ADDRESSTYPE PORTS ENDPOINTS", () => {
    const slice: KubeObject = {
      metadata: { name: "web-abc" },
      addressType: "IPv4",
      ports: [{ port: 80 }, { name: "metrics" }, {}],
      endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }],
    };
    assert.deepEqual(printerFor("discovery.k8s.io", "endpointslices").cells(slice, NOW).slice(0, 4), [
      "web-abc",
      "IPv4",
      "80,metrics,*",
      "10.0.0.1,10.0.0.2",
    ]);
    assert.deepEqual(
      printerFor("discovery.k8s.io", "endpointslices")
        .cells({ metadata: { name: "e" }, addressType: "IPv4" }, NOW)
        .slice(2, 4),
      ["<unset>", "<unset>"],
    );
  });
});

describe("rbac and the default printer", () => {
  test("rolebindings: ROLE as Kind/name; wide USERS GROUPS SERVICEACCOUNTS", () => {
    const printer = printerFor("rbac.authorization.k8s.io", "rolebindings");
    const binding: KubeObject = {
      metadata: { name: "rb", creationTimestamp: ago(61 * S) },
      roleRef: { kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "User", name: "alice" },
        { kind: "User", name: "bob" },
        { kind: "Group", name: "devs" },
        { kind: "ServiceAccount", name: "sa", namespace: "ns" },
      ],
    };
    assert.deepEqual(printer.cells(binding, NOW), [
      "rb",
      "ClusterRole/view",
      "61s",
      "alice, bob",
      "devs",
      "ns/sa",
    ]);
    assert.deepEqual(
      printer.columns.map((c) => [c.name, c.priority]),
      [
        ["Name", 0],
        ["Role", 0],
        ["Age", 0],
        ["Users", 1],
        ["Groups", 1],
        ["ServiceAccounts", 1],
      ],
    );
    assert.equal(
      printerFor("rbac.authorization.k8s.io", "clusterrolebindings").columns[3].description,
      "Users in the clusterRoleBinding",
    );
  });

  test("roles (and unknown kinds) get Name and Created At (RFC3339)", () => {
    const printer = printerFor("rbac.authorization.k8s.io", "roles");
    assert.deepEqual(
      printer.columns.map((c) => [c.name, c.type, c.format]),
      [
        ["Name", "string", "name"],
        ["Created At", "date", ""],
      ],
    );
    assert.deepEqual(
      printer.cells({ metadata: { name: "r", creationTimestamp: "2024-05-01T10:00:00Z" } }, NOW),
      ["r", "2024-05-01T10:00:00Z"],
    );
    assert.deepEqual(printerFor("example.com", "widgets").cells({ metadata: { name: "w" } }, NOW), [
      "w",
      "0001-01-01T00:00:00Z",
    ]);
  });
});
