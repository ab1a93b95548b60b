// CEL cost limits on the real server (src/server/cel/cost.ts): a CRD rule or a ValidatingAdmissionPolicy
// expression over a large list is cancelled at PerCallLimit, the rules of one object (or the validations of
// one policy binding) share RuntimeCELCostBudget, with upstream's messages, and neither holds the server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

/** A CRD whose objects carry `spec.items` (integers), with `rules` on spec. */
function crd(plural: string, kind: string, rules: { rule: string; message?: string }[]) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  ...(rules.length ? { "x-kubernetes-validations": rules } : {}),
                  properties: { items: { type: "array", items: { type: "integer" } } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

const ints = (n: number) => Array.from({ length: n }, (_, i) => i);
// `self.items.all(x, x >= 0)` costs 5 per item (cel-go: accu, x, >=; the loop condition's accu and call)
// plus 3: 190,000 items cost 950,003, under PerCallLimit; eleven such rules overrun the 10,000,000 budget.
const UNDER_CALL_LIMIT = 190_000;
const QUADRATIC = "self.items.all(x, self.items.all(y, x >= y || y >= x))";

/** Server + client CPU of one request (the test cluster runs in this process). */
async function timed<T>(f: () => Promise<T>): Promise<{ r: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const r = await f();
  const used = process.cpuUsage(before);
  return { r, cpuMs: (used.user + used.system) / 1000 };
}

describe("CEL cost limits", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c?.stop();
  });

  async function served(plural: string, kind: string, rules: { rule: string; message?: string }[]) {
    const r = await c.admin(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd(plural, kind, rules),
    );
    assert.equal(r.status, 201, r.text);
    await eventually(
      async () => (await c.admin("GET", `/apis/example.com/v1/namespaces/default/${plural}`)).status === 200,
    );
  }

  const create = (plural: string, kind: string, name: string, items: number[]) =>
    c.admin("POST", `/apis/example.com/v1/namespaces/default/${plural}`, {
      apiVersion: "example.com/v1",
      kind,
      metadata: { name },
      spec: { items },
    });

  it("cancels a CRD rule over PerCallLimit and runs no further rules", async () => {
    await served("quadratics", "Quadratic", [
      { rule: QUADRATIC },
      { rule: "self.items.size() < 0", message: "never" },
    ]);
    assert.equal(
      (await create("quadratics", "Quadratic", "small", ints(10))).status,
      422,
      "the second rule fails",
    );
    const { r, cpuMs } = await timed(() => create("quadratics", "Quadratic", "big", ints(3000)));
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.details.causes, [
      {
        reason: "FieldValueInvalid",
        message: `Invalid value: "object": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${QUADRATIC}`,
        field: "spec",
      },
    ]);
    assert.ok(cpuMs < 1500, `cancelled after ${cpuMs} ms of CPU`);
  });

  it("stops a CRD object's rules when RuntimeCELCostBudget runs out", async () => {
    const rules = Array.from({ length: 11 }, (_, i) => ({ rule: `self.items.all(x, x >= ${-i})` }));
    await served("budgets", "Budget", rules);
    assert.equal((await create("budgets", "Budget", "ten", ints(1000))).status, 201);
    const { r, cpuMs } = await timed(() => create("budgets", "Budget", "eleven", ints(UNDER_CALL_LIMIT)));
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.details.causes, [
      {
        reason: "FieldValueInvalid",
        message:
          'Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run',
        field: "spec",
      },
    ]);
    assert.ok(cpuMs < 5000, `budget spent in ${cpuMs} ms of CPU`);
  });

  describe("ValidatingAdmissionPolicy", () => {
    async function policy(name: string, expressions: string[]) {
      const p = await c.admin("POST", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", {
        metadata: { name },
        spec: {
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ["example.com"],
                apiVersions: ["v1"],
                operations: ["CREATE"],
                resources: ["lists"],
              },
            ],
          },
          matchConditions: [{ name: "targeted", expression: `object.metadata.name.startsWith('${name}-')` }],
          validations: expressions.map((expression) => ({ expression })),
        },
      });
      assert.equal(p.status, 201, p.text);
      const b = await c.admin(
        "POST",
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
        {
          metadata: { name: `${name}-binding` },
          spec: { policyName: name, validationActions: ["Deny"] },
        },
      );
      assert.equal(b.status, 201, b.text);
    }

    before(async () => {
      await served("lists", "List", []);
    });

    it("cancels an expression over PerCallLimit", async () => {
      const expression = QUADRATIC.replaceAll("self", "object.spec");
      await policy("quadratic", [expression]);
      assert.equal((await create("lists", "List", "quadratic-small", ints(10))).status, 201);
      const { r, cpuMs } = await timed(() => create("lists", "List", "quadratic-big", ints(3000)));
      assert.equal(r.status, 422, r.text);
      assert.equal(
        r.json.message,
        `lists.example.com "quadratic-big" is forbidden: ValidatingAdmissionPolicy 'quadratic' with binding 'quadratic-binding' denied request: expression '${expression}' resulted in error: operation cancelled: actual cost limit exceeded`,
      );
      assert.ok(cpuMs < 1500, `cancelled after ${cpuMs} ms of CPU`);
    });

    it("denies when one binding's validations overrun RuntimeCELCostBudget", async () => {
      await policy(
        "budget",
        Array.from({ length: 11 }, (_, i) => `object.spec.items.all(x, x >= ${-i})`),
      );
      assert.equal((await create("lists", "List", "budget-small", ints(1000))).status, 201);
      const r = await create("lists", "List", "budget-big", ints(UNDER_CALL_LIMIT));
      assert.equal(r.status, 422, r.text);
      assert.equal(
        r.json.message,
        `lists.example.com "budget-big" is forbidden: ValidatingAdmissionPolicy 'budget' with binding 'budget-binding' denied request: validation failed due to running out of cost budget, no further validation rules will be run`,
      );
    });
  });
});
