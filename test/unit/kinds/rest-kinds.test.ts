// IPAddress, ServiceCIDR, CSIStorageCapacity, FlowSchema, PriorityLevelConfiguration and ComponentStatus:
// defaults, validation messages (kubernetes pkg/apis/*/validation, apimachinery util/validation/ip.go) and
// Table cells (pkg/printers/internalversion/printers.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  componentStatus,
  componentStatusDef,
} from "../../../src/server/registry/kinds/core/componentstatus.ts";
import {
  MANDATORY_FLOW_SCHEMA_SPECS,
  MANDATORY_PRIORITY_LEVEL_SPECS,
  mandatoryFlowSchemas,
  mandatoryPriorityLevels,
} from "../../../src/server/registry/kinds/flowcontrol/bootstrap.ts";
import { flowSchema } from "../../../src/server/registry/kinds/flowcontrol/flowschema.ts";
import { priorityLevelConfiguration } from "../../../src/server/registry/kinds/flowcontrol/prioritylevelconfiguration.ts";
import { ipAddress } from "../../../src/server/registry/kinds/networking/ipaddress.ts";
import { serviceCIDR } from "../../../src/server/registry/kinds/networking/servicecidr.ts";
import { csiStorageCapacity } from "../../../src/server/registry/kinds/storage/csistoragecapacity.ts";
import type { ResourceDef } from "../../../src/server/registry/types.ts";
import { cidrErrors, ipMessages } from "../../../src/server/registry/validation/ip.ts";
import { validateName } from "../../../src/server/registry/validation/names.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const created = { creationTimestamp: "2024-06-01T11:59:00Z" };

const errors = (def: ResourceDef, obj: KubeObject, old?: KubeObject) =>
  (def.validate?.(obj, old as never) ?? []).map((c) => `${c.field}: ${c.message}`);
const withDefaults = (def: ResourceDef, obj: KubeObject) => {
  const copy = structuredClone(obj);
  def.defaults?.(copy);
  return copy;
};
const cells = (def: ResourceDef, obj: KubeObject) => def.printer!.cells(obj, NOW);

describe("IsValidIP / IsValidCIDR (strict)", () => {
  test("IP messages", () => {
    assert.deepEqual(ipMessages("10.1.2.3"), []);
    assert.deepEqual(ipMessages("2001:db8::1"), []);
    assert.deepEqual(ipMessages("010.1.2.3"), ["must not have leading 0s"]);
    assert.deepEqual(ipMessages("::ffff:10.1.2.3"), ["must not be an IPv4-mapped IPv6 address"]);
    assert.deepEqual(ipMessages("2001:0db8:0:0::1"), ['must be in canonical form ("2001:db8::1")']);
    assert.deepEqual(ipMessages("fe80::1%eth0"), [
      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    ]);
    assert.deepEqual(ipMessages("web"), ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]);
  });

  test("CIDR messages", () => {
    const msg = (v: string) => cidrErrors("f", v).map((c) => c.message);
    assert.deepEqual(msg("10.96.0.0/12"), []);
    assert.deepEqual(msg("2001:db8::/64"), []);
    assert.deepEqual(msg("10.96.0.1/12"), [
      'Invalid value: "10.96.0.1/12": must not have bits set beyond the prefix length',
    ]);
    assert.deepEqual(msg("10.96.0.0/012"), [
      'Invalid value: "10.96.0.0/012": must not have leading 0s in IP or prefix length',
    ]);
    assert.deepEqual(msg("2001:DB8::/64"), [
      'Invalid value: "2001:DB8::/64": must be in canonical form ("2001:db8::/64")',
    ]);
    assert.deepEqual(msg("10.0.0.0/33"), [
      'Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });

  test("IPAddress names are validated as IPs", () => {
    assert.deepEqual(validateName("ip", "10.0.0.1", false), []);
    assert.deepEqual(validateName("ip", "2001:DB8::1", false), ['must be in canonical form ("2001:db8::1")']);
  });
});

describe("IPAddress", () => {
  const ip = (spec: object): KubeObject => ({ metadata: { name: "10.96.0.10", ...created }, spec });
  const ref = { group: "", resource: "services", namespace: "kube-system", name: "kube-dns" };

  test("validation (ValidateIPAddress / Update)", () => {
    assert.deepEqual(errors(ipAddress, ip({ parentRef: ref })), []);
    assert.deepEqual(errors(ipAddress, ip({})), ["spec.parentRef: Required value"]);
    assert.deepEqual(errors(ipAddress, ip({ parentRef: { group: "Bad_Group", resource: "a/b" } })), [
      "spec.parentRef.group: Invalid value: \"Bad_Group\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.parentRef.resource: Invalid value: \"a/b\": may not contain '/'",
      "spec.parentRef.name: Required value",
    ]);
    assert.deepEqual(
      errors(ipAddress, ip({ parentRef: { ...ref, name: "other" } }), ip({ parentRef: ref })),
      [
        'spec.parentRef: Invalid value: networking.ParentReference{Group:"", Resource:"services", Namespace:"kube-system", Name:"other"}: field is immutable',
      ],
    );
  });

  test("printer: NAME, PARENTREF", () => {
    assert.deepEqual(
      ipAddress.printer!.columns.map((c) => c.name),
      ["Name", "ParentRef"],
    );
    assert.deepEqual(cells(ipAddress, ip({ parentRef: ref })), [
      "10.96.0.10",
      "services/kube-system/kube-dns",
    ]);
    assert.deepEqual(
      cells(
        ipAddress,
        ip({ parentRef: { group: "gateway.networking.k8s.io", resource: "Gateways", name: "g" } }),
      ),
      ["10.96.0.10", "gateways.gateway.networking.k8s.io/g"],
    );
  });
});

describe("ServiceCIDR", () => {
  const cidr = (cidrs: string[]): KubeObject => ({ metadata: { name: "s", ...created }, spec: { cidrs } });

  test("validation (ValidateServiceCIDR / Update)", () => {
    assert.deepEqual(errors(serviceCIDR, cidr(["10.96.0.0/12", "fd00::/108"])), []);
    assert.deepEqual(errors(serviceCIDR, cidr([])), [
      "spec.cidrs: Required value: at least one CIDR required",
    ]);
    assert.deepEqual(errors(serviceCIDR, cidr(["10.0.0.0/8", "10.1.0.0/16", "fd00::/64"])), [
      'spec.cidrs: Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"10.0.0.0/8", "10.1.0.0/16", "fd00::/64"}}: may only hold up to 2 values',
    ]);
    assert.deepEqual(errors(serviceCIDR, cidr(["fd00::/64", "fd01::/64"])), [
      'spec.cidrs: Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"fd00::/64", "fd01::/64"}}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64',
    ]);
    assert.deepEqual(errors(serviceCIDR, cidr(["10.0.0.0/8"]), cidr(["10.96.0.0/12"])), [
      'spec.cidrs: Invalid value: []string{"10.0.0.0/8"}: field is immutable',
    ]);
  });

  test("printer: NAME, CIDRS, AGE", () => {
    assert.deepEqual(cells(serviceCIDR, cidr(["10.96.0.0/12", "fd00::/108"])), [
      "s",
      "10.96.0.0/12,fd00::/108",
      "60s",
    ]);
  });
});

describe("CSIStorageCapacity", () => {
  const cap = (o: object): KubeObject => ({
    metadata: { name: "c", namespace: "n", ...created },
    storageClassName: "fast",
    ...o,
  });

  test("validation (ValidateCSIStorageCapacity / Update)", () => {
    assert.deepEqual(errors(csiStorageCapacity, cap({ capacity: "10Gi" })), []);
    assert.deepEqual(errors(csiStorageCapacity, cap({ capacity: "-1" })), [
      'capacity: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    assert.deepEqual(
      errors(csiStorageCapacity, cap({ nodeTopology: { matchExpressions: [{ key: "k", operator: "In" }] } })),
      [
        "nodeTopology.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    );
    assert.deepEqual(
      errors(csiStorageCapacity, cap({ nodeTopology: { matchLabels: { a: "b" } } }), cap({})),
      [
        'nodeTopology: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      ],
    );
  });

  test("printer: NAME, STORAGECLASSNAME, CAPACITY", () => {
    assert.deepEqual(cells(csiStorageCapacity, cap({ capacity: "1024Mi" })), ["c", "fast", "1Gi"]);
    assert.deepEqual(cells(csiStorageCapacity, cap({})), ["c", "fast", "<unset>"]);
  });
});

describe("FlowSchema", () => {
  const fs = (name: string, spec: object): KubeObject => ({ metadata: { name, ...created }, spec });
  const rule = {
    subjects: [{ kind: "Group", group: { name: "devs" } }],
    resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], namespaces: ["*"] }],
  };

  test("defaults: matchingPrecedence 1000", () => {
    assert.equal(
      (withDefaults(flowSchema, fs("a", {})).spec as { matchingPrecedence: number }).matchingPrecedence,
      1000,
    );
  });

  test("validation (ValidateFlowSchema)", () => {
    const good = { priorityLevelConfiguration: { name: "workload" }, matchingPrecedence: 500, rules: [rule] };
    assert.deepEqual(errors(flowSchema, fs("ok", good)), []);
    assert.deepEqual(
      errors(
        flowSchema,
        fs("bad", {
          ...good,
          matchingPrecedence: 20000,
          distinguisherMethod: { type: "ByColour" },
          rules: [
            {
              subjects: [{ kind: "Robot" }, { kind: "User", user: { name: "u" }, group: { name: "g" } }],
              nonResourceRules: [{ verbs: ["fly"], nonResourceURLs: ["healthz", "/a/*/b"] }],
              resourceRules: [
                { verbs: ["get"], apiGroups: ["*", "apps"], resources: ["pods"], namespaces: ["Bad"] },
              ],
            },
          ],
        }),
      ),
      [
        "spec.matchingPrecedence: Invalid value: 20000: must not be greater than 10000",
        'spec.distinguisherMethod.type: Unsupported value: flowcontrol.FlowDistinguisherMethod{Type:"ByColour"}: supported values: "ByNamespace", "ByUser"',
        'spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
        "spec.rules[0].subjects[1].group: Forbidden: group is forbidden when subject kind is not 'Group'",
        `spec.rules[0].resourceRules[0].apiGroups: Invalid value: []string{"*", "apps"}: if '*' is present, must not specify other api groups`,
        `spec.rules[0].resourceRules[0].namespaces[0]: Invalid value: "Bad": each member of this list must be '*' or a DNS-1123 label; a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        `spec.rules[0].nonResourceRules[0].verbs: Unsupported value: []string{"fly"}: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"`,
        'spec.rules[0].nonResourceRules[0].nonResourceURLs[0]: Invalid value: "healthz": must start with slash',
        'spec.rules[0].nonResourceRules[0].nonResourceURLs[1]: Invalid value: "/a/*/b": wildcard can only do suffix matching',
      ],
    );
  });

  test("the mandatory schemas validate as shipped and refuse other specs", () => {
    for (const obj of mandatoryFlowSchemas())
      assert.deepEqual(errors(flowSchema, withDefaults(flowSchema, obj)), [], obj.metadata?.name);
    const changed = {
      ...structuredClone(MANDATORY_FLOW_SCHEMA_SPECS["catch-all"]!),
      matchingPrecedence: 9000,
    };
    assert.deepEqual(errors(flowSchema, fs("catch-all", changed)).slice(-1), [
      "spec: Invalid value: flowcontrol.FlowSchemaSpec{…}: spec of 'catch-all' must equal the fixed value",
    ]);
  });

  test("printer: MissingPL from the Dangling condition, '?' without one", () => {
    const obj = fs("exempt", MANDATORY_FLOW_SCHEMA_SPECS.exempt!);
    assert.deepEqual(cells(flowSchema, obj), ["exempt", "exempt", 1, "<none>", "60s", "?"]);
    obj.status = { conditions: [{ type: "Dangling", status: "False" }] };
    assert.equal(cells(flowSchema, obj)[5], "False");
  });

  test("list rows print in matching order: precedence, then name", () => {
    const list = [
      fs("z", { matchingPrecedence: 500 }),
      fs("b", { matchingPrecedence: 900 }),
      fs("a", { matchingPrecedence: 900 }),
    ];
    assert.deepEqual(
      flowSchema.printer!.order!(list).map((o) => o.metadata?.name),
      ["z", "a", "b"],
    );
  });
});

describe("PriorityLevelConfiguration", () => {
  const pl = (name: string, spec: object): KubeObject => ({ metadata: { name, ...created }, spec });

  test("defaults (SetDefaults_LimitedPriorityLevelConfiguration, _QueuingConfiguration, _Exempt…)", () => {
    const limited = withDefaults(
      priorityLevelConfiguration,
      pl("l", { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: { queues: 16 } } } }),
    );
    assert.deepEqual((limited.spec as { limited: unknown }).limited, {
      limitResponse: { type: "Queue", queuing: { queues: 16, handSize: 8, queueLengthLimit: 50 } },
      nominalConcurrencyShares: 30,
      lendablePercent: 0,
    });
    const exempt = withDefaults(priorityLevelConfiguration, pl("exempt", { type: "Exempt", exempt: {} }));
    assert.deepEqual((exempt.spec as { exempt: unknown }).exempt, {
      nominalConcurrencyShares: 0,
      lendablePercent: 0,
    });
  });

  test("validation (ValidatePriorityLevelConfiguration)", () => {
    assert.deepEqual(errors(priorityLevelConfiguration, pl("x", { type: "Exempt" })), [
      "spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and only if name is 'exempt'",
    ]);
    assert.deepEqual(errors(priorityLevelConfiguration, pl("x", { type: "Limited" })), [
      "spec.limited: Required value: must not be empty when type is Limited",
    ]);
    assert.deepEqual(errors(priorityLevelConfiguration, pl("x", { type: "Sometimes" })), [
      'spec.type: Unsupported value: "Sometimes": supported values: "Exempt", "Limited"',
    ]);
    const limited = (o: object, q?: object) =>
      pl("x", {
        type: "Limited",
        limited: {
          nominalConcurrencyShares: 1,
          lendablePercent: 0,
          ...o,
          limitResponse: q ?? { type: "Reject" },
        },
      });
    assert.deepEqual(
      errors(
        priorityLevelConfiguration,
        limited({ nominalConcurrencyShares: -1, lendablePercent: 101, borrowingLimitPercent: -5 }),
      ),
      [
        "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
        "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
        "spec.limited.borrowingLimitPercent: Invalid value: -5: if specified, must be a non-negative integer",
      ],
    );
    assert.deepEqual(errors(priorityLevelConfiguration, limited({}, { type: "Reject", queuing: {} })), [
      "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited",
    ]);
    assert.deepEqual(
      errors(
        priorityLevelConfiguration,
        limited({}, { type: "Queue", queuing: { queues: 1 << 20, handSize: 5, queueLengthLimit: 0 } }),
      ),
      [
        "spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: 0: must be positive",
        "spec.limited.limitResponse.queuing.handSize: Invalid value: 5: required entropy bits of deckSize 1048576 and handSize 5 should not be greater than 60",
      ],
    );
  });

  test("the mandatory levels validate as shipped; exempt may tune only spec.exempt", () => {
    for (const obj of mandatoryPriorityLevels())
      assert.deepEqual(
        errors(priorityLevelConfiguration, withDefaults(priorityLevelConfiguration, obj)),
        [],
        obj.metadata?.name,
      );
    const tuned = structuredClone(MANDATORY_PRIORITY_LEVEL_SPECS.exempt!);
    (tuned.exempt as { nominalConcurrencyShares: number }).nominalConcurrencyShares = 9;
    assert.deepEqual(errors(priorityLevelConfiguration, pl("exempt", tuned)), []);
    const catchAll = structuredClone(MANDATORY_PRIORITY_LEVEL_SPECS["catch-all"]!);
    (catchAll.limited as { lendablePercent: number }).lendablePercent = 10;
    assert.deepEqual(errors(priorityLevelConfiguration, pl("catch-all", catchAll)), [
      "spec: Invalid value: flowcontrol.PriorityLevelConfigurationSpec{…}: spec of 'catch-all' must equal the fixed value",
    ]);
  });

  test("printer: queuing columns, <none> where absent", () => {
    assert.deepEqual(
      cells(priorityLevelConfiguration, pl("exempt", MANDATORY_PRIORITY_LEVEL_SPECS.exempt!)),
      ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "60s"],
    );
    assert.deepEqual(
      cells(
        priorityLevelConfiguration,
        pl("w", {
          type: "Limited",
          limited: {
            nominalConcurrencyShares: 40,
            limitResponse: { type: "Queue", queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
          },
        }),
      ),
      ["w", "Limited", 40, 128, 6, 50, "60s"],
    );
  });
});

describe("ComponentStatus", () => {
  test("printer: Healthy / Unhealthy / Unknown", () => {
    assert.deepEqual(cells(componentStatusDef, componentStatus("etcd-0")), ["etcd-0", "Healthy", "ok", ""]);
    const sick: KubeObject = {
      metadata: { name: "s" },
      conditions: [{ type: "Healthy", status: "False", message: "m", error: "boom" }],
    };
    assert.deepEqual(cells(componentStatusDef, sick), ["s", "Unhealthy", "m", "boom"]);
    assert.deepEqual(cells(componentStatusDef, { metadata: { name: "u" } }), ["u", "Unknown", "", ""]);
  });
});
