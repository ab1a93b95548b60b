import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moduleOfGroupVersion } from "../../../src/server/http/openapi/model-names.ts";
import { findType, loadModule, parseModule } from "../../../src/server/http/openapi/type-catalog.ts";
import { RESOURCES } from "../../../src/server/registry/resources.ts";

const SAMPLE = `import { ObjectMeta } from "../meta/v1";
/**
 * Widget is a sample.
 *
 * Second paragraph.
 */
export interface Widget {
    /** Standard object's metadata. */
    metadata?: ObjectMeta;
    /** Ports, as an Array. */
    ports: Array<WidgetPort>;
    /** Names. */
    names?: string[];
    /** A map. */
    labels?: {
        [name: string]: string;
    };
    readonly target?: number | string;
    kind?: "Widget";
    enabled?: boolean;
}
/** Empty. */
export interface Marker {
}
/** Time is a string. */
export type Stamp = string;
`;

describe("kubernetes-types catalog", () => {
  it("parses interfaces, members, docs, maps, arrays, unions and imports", () => {
    const mod = parseModule("example/v1", SAMPLE);
    const widget = mod.types.get("Widget")!;
    assert.equal(widget.description, "Widget is a sample.\n\nSecond paragraph.");
    const byName = Object.fromEntries(widget.members.map((m) => [m.name, m]));
    assert.deepEqual(byName.metadata.type, { kind: "ref", module: "meta/v1", name: "ObjectMeta" });
    assert.equal(byName.metadata.optional, true);
    assert.equal(byName.metadata.description, "Standard object's metadata.");
    assert.deepEqual(byName.ports.type, {
      kind: "array",
      items: { kind: "ref", module: "example/v1", name: "WidgetPort" },
    });
    assert.equal(byName.ports.optional, false);
    assert.deepEqual(byName.names.type, { kind: "array", items: { kind: "string" } });
    assert.deepEqual(byName.labels.type, { kind: "map", values: { kind: "string" } });
    assert.deepEqual(byName.target.type, { kind: "int-or-string" });
    assert.deepEqual(byName.kind.type, { kind: "string" });
    assert.deepEqual(byName.enabled.type, { kind: "boolean" });
    assert.deepEqual(mod.types.get("Marker")?.members, []);
    assert.deepEqual(mod.types.get("Stamp")?.alias, { kind: "string" });
  });

  it("loads the installed core/v1 module with every member typed", () => {
    const core = loadModule("core/v1")!;
    assert.ok(core.types.size > 150);
    for (const t of core.types.values()) {
      for (const m of t.members) assert.notEqual(m.type.kind, "unknown", `${t.name}.${m.name}`);
    }
    const containers = findType("core/v1", "PodSpec")?.members.find((m) => m.name === "containers");
    assert.deepEqual(containers?.type, {
      kind: "array",
      items: { kind: "ref", module: "core/v1", name: "Container" },
    });
    assert.equal(loadModule("nosuch/v1"), undefined);
  });

  it("describes every kind and list kind the server serves", () => {
    // kube-aggregator's APIService is not part of k8s.io/api, so kubernetes-types has no module for it;
    // kubernetes-types 1.30 predates networking.k8s.io/v1 IPAddress and ServiceCIDR (GA in 1.33). Their
    // documents use the permissive fallback schema. So do metrics-server's k8s.io/metrics types.
    const untyped = new Set([
      "apiregistration.k8s.io/APIService",
      "metrics.k8s.io/NodeMetrics",
      "metrics.k8s.io/PodMetrics",
      "networking.k8s.io/IPAddress",
      "networking.k8s.io/ServiceCIDR",
    ]);
    for (const def of RESOURCES.filter((d) => !untyped.has(`${d.group}/${d.kind}`))) {
      const module = moduleOfGroupVersion(def.group, def.version);
      assert.ok(findType(module, def.kind), `${module} ${def.kind}`);
      if (!def.virtual) assert.ok(findType(module, def.listKind), `${module} ${def.listKind}`);
    }
  });
});
