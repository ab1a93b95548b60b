// The CNI driver against a recording plugin runner: the list's order for ADD/CHECK/DEL, each plugin's
// stdin (name, cniVersion, prevResult, runtimeConfig only for declared capabilities) and environment, the
// result chain, spec errors, and the Pod IP read from a result.
import assert from "node:assert/strict";
import { test } from "node:test";
import { claimNetwork, namesFor, releaseNetwork } from "../../../src/kubelet/network/claim.ts";
import {
  bridgeNetworkList,
  CniError,
  CniNetwork,
  type CniResult,
  type PluginRunner,
  podIPsOf,
} from "../../../src/kubelet/network/cni.ts";

const list = bridgeNetworkList({
  name: "incluster-7",
  bridge: "cni-incluster7",
  subnet: "10.244.7.0/24",
  ipamDataDir: "/data/network/ipam",
});

const result: CniResult = {
  cniVersion: "1.0.0",
  interfaces: [{ name: "cni-incluster7" }, { name: "veth1" }, { name: "eth0", sandbox: "/run/netns/x" }],
  ips: [{ interface: 2, address: "10.244.7.5/24", gateway: "10.244.7.1" }],
};

function recorder(outputs: Record<string, { code: number; stdout: string }> = {}) {
  const calls: { plugin: string; env: NodeJS.ProcessEnv; conf: Record<string, unknown> }[] = [];
  const run: PluginRunner = async (file, env, stdin) => {
    const plugin = file.split("/").pop()!;
    calls.push({ plugin, env, conf: JSON.parse(stdin) });
    const out = outputs[`${env.CNI_COMMAND} ${plugin}`];
    if (out) return { ...out, stderr: "" };
    const conf = JSON.parse(stdin) as { prevResult?: CniResult };
    return {
      code: 0,
      stdout: JSON.stringify(env.CNI_COMMAND === "ADD" ? (conf.prevResult ?? result) : {}),
      stderr: "",
    };
  };
  return { calls, run };
}

const rt = {
  containerId: "uid-1",
  netns: "/run/netns/incluster-7-uid-1",
  ifName: "eth0",
  args: [["K8S_POD_NAME", "p"]] as [string, string][],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] },
};

test("the conflist is a CNI 1.0 bridge (gateway, masquerade) + host-local + loopback + portmap", () => {
  assert.equal(list.cniVersion, "1.0.0");
  assert.deepEqual(
    list.plugins.map((p) => p.type),
    ["bridge", "loopback", "portmap"],
  );
  const bridge = list.plugins[0] as Record<string, unknown>;
  assert.equal(bridge.bridge, "cni-incluster7");
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
  assert.deepEqual(bridge.ipam, {
    type: "host-local",
    ranges: [[{ subnet: "10.244.7.0/24" }]],
    routes: [{ dst: "0.0.0.0/0" }],
    dataDir: "/data/network/ipam",
  });
});

test("ADD runs the plugins in order, chaining prevResult; runtimeConfig only where declared", async () => {
  const r = recorder();
  const got = await new CniNetwork(list, "/opt/cni:/usr/lib/cni", r.run).add(rt);
  assert.deepEqual(got, result);
  assert.deepEqual(
    r.calls.map((c) => c.plugin),
    ["bridge", "loopback", "portmap"],
  );
  assert.equal(r.calls[0].conf.prevResult, undefined);
  assert.deepEqual(r.calls[1].conf.prevResult, result);
  assert.equal(r.calls[0].conf.name, "incluster-7");
  assert.equal(r.calls[0].conf.cniVersion, "1.0.0");
  assert.equal(r.calls[0].conf.runtimeConfig, undefined);
  assert.deepEqual(r.calls[2].conf.runtimeConfig, { portMappings: rt.capabilityArgs.portMappings });
  const env = r.calls[0].env;
  assert.equal(env.CNI_COMMAND, "ADD");
  assert.equal(env.CNI_CONTAINERID, "uid-1");
  assert.equal(env.CNI_NETNS, "/run/netns/incluster-7-uid-1");
  assert.equal(env.CNI_IFNAME, "eth0");
  assert.equal(env.CNI_PATH, "/opt/cni:/usr/lib/cni");
  assert.equal(env.CNI_ARGS, "IgnoreUnknown=1;K8S_POD_NAME=p");
});

test("DEL runs in reverse with the cached result, and every plugin runs even after a failure", async () => {
  const r = recorder({ "DEL portmap": { code: 1, stdout: JSON.stringify({ code: 999, msg: "boom" }) } });
  await assert.rejects(new CniNetwork(list, "/usr/lib/cni", r.run).del(rt, result), (error: Error) => {
    assert.ok(error instanceof CniError);
    assert.equal(error.message, "CNI plugin portmap DEL failed: boom");
    return true;
  });
  assert.deepEqual(
    r.calls.map((c) => c.plugin),
    ["portmap", "loopback", "bridge"],
  );
  for (const call of r.calls) assert.deepEqual(call.conf.prevResult, result);
});

test("CHECK runs in order with the cached result", async () => {
  const r = recorder();
  await new CniNetwork(list, "/usr/lib/cni", r.run).check(rt, result);
  assert.deepEqual(
    r.calls.map((c) => [c.env.CNI_COMMAND, c.plugin, Boolean(c.conf.prevResult)]),
    [
      ["CHECK", "bridge", true],
      ["CHECK", "loopback", true],
      ["CHECK", "portmap", true],
    ],
  );
});

test("a spec error object or garbage output is a CniError naming the plugin", async () => {
  const error = recorder({
    "ADD bridge": {
      code: 1,
      stdout: JSON.stringify({ code: 11, msg: "no IP addresses available", details: "range full" }),
    },
  });
  await assert.rejects(new CniNetwork(list, "/usr/lib/cni", error.run).add(rt), {
    name: "CniError",
    message: "CNI plugin bridge ADD failed: no IP addresses available; range full",
  });
  const garbage = recorder({ "ADD bridge": { code: 0, stdout: "not json" } });
  await assert.rejects(
    new CniNetwork(list, "/usr/lib/cni", garbage.run).add(rt),
    /bridge ADD failed: its output is not JSON/,
  );
});

test("the Pod IP is the address on the interface inside the namespace", () => {
  assert.deepEqual(podIPsOf(result), ["10.244.7.5"]);
  assert.deepEqual(
    podIPsOf({ ...result, ips: [{ interface: 0, address: "10.244.7.1/24" }, ...(result.ips ?? [])] }),
    ["10.244.7.5"],
  );
});

test("node networks: distinct numbers per data dir, kept across restarts, taken over when the dir is gone", async () => {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const os = await import("node:os");
  const claims = await mkdtemp(`${os.tmpdir()}/incluster-claims-`);
  const one = await mkdtemp(`${os.tmpdir()}/incluster-one-`);
  const two = await mkdtemp(`${os.tmpdir()}/incluster-two-`);
  try {
    const [a, b] = await Promise.all([claimNetwork(one, claims), claimNetwork(two, claims)]);
    assert.notEqual(a, b);
    assert.equal(await claimNetwork(one, claims), a, "the same data dir keeps its number");
    await rm(one, { recursive: true });
    const three = await mkdtemp(`${os.tmpdir()}/incluster-three-`);
    assert.equal(await claimNetwork(three, claims), a, "a gone data dir's number is taken over");
    await releaseNetwork(b, two, claims);
    assert.equal(await claimNetwork(three, claims), a);
    await rm(three, { recursive: true });
    const names = namesFor(12);
    assert.equal(names.bridge, "cni-incluster12");
    assert.ok(names.bridge.length <= 15, "a Linux interface name has at most 15 bytes");
    assert.equal(names.subnet, "10.244.12.0/24");
    assert.equal(namesFor(3, "10.1.0.0/16").subnet, "10.1.0.0/16");
  } finally {
    await rm(claims, { recursive: true, force: true });
    await rm(one, { recursive: true, force: true });
    await rm(two, { recursive: true, force: true });
  }
});

test("leftover CNI NAT rules are removed by their network and container tag only", async () => {
  const { leftoverRemoval } = await import("../../../src/kubelet/network/cni-leftovers.ts");
  const dump = [
    "*nat",
    ":CNI-2ad884210a6dce3fe1616fb9 - [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    '-A POSTROUTING -s 10.244.0.2/32 -m comment --comment "name: \\"incluster-0\\" id: \\"uid-1\\"" -j CNI-2ad884210a6dce3fe1616fb9',
    '-A POSTROUTING -s 10.244.0.3/32 -m comment --comment "name: \\"incluster-0\\" id: \\"uid-2\\"" -j CNI-3bd884210a6dce3fe1616fb9',
    '-A POSTROUTING -s 10.245.0.3/32 -m comment --comment "name: \\"other\\" id: \\"uid-1\\"" -j CNI-4cd884210a6dce3fe1616fb9',
    '-A CNI-2ad884210a6dce3fe1616fb9 -d 10.244.0.0/24 -m comment --comment "name: \\"incluster-0\\" id: \\"uid-1\\"" -j ACCEPT',
    '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"incluster-0\\" id: \\"uid-1\\"" -m multiport --dports 8080 -j CNI-DN-7e72685b36cb06d20cbe3',
    "COMMIT",
  ].join("\n");
  assert.equal(
    leftoverRemoval(dump, "incluster-0", "uid-1"),
    [
      "*nat",
      ":CNI-2ad884210a6dce3fe1616fb9 - [0:0]",
      ":CNI-DN-7e72685b36cb06d20cbe3 - [0:0]",
      '-D POSTROUTING -s 10.244.0.2/32 -m comment --comment "name: \\"incluster-0\\" id: \\"uid-1\\"" -j CNI-2ad884210a6dce3fe1616fb9',
      '-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"incluster-0\\" id: \\"uid-1\\"" -m multiport --dports 8080 -j CNI-DN-7e72685b36cb06d20cbe3',
      "-X CNI-2ad884210a6dce3fe1616fb9",
      "-X CNI-DN-7e72685b36cb06d20cbe3",
      "COMMIT",
      "",
    ].join("\n"),
  );
  assert.match(leftoverRemoval(dump, "incluster-0"), /uid-2/, "without an id: every Pod of the network");
  assert.doesNotMatch(leftoverRemoval(dump, "incluster-0"), /other/);
  assert.equal(leftoverRemoval(dump, "incluster-9"), "");
});
