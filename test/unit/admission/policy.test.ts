// Admission CEL (compile errors, evaluation over JSON, lazy variables) and the admissionregistration
// kinds' defaults and validation messages (pkg/apis/admissionregistration/validation/validation.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  CelCompileError,
  compileExpression,
  lazyVariables,
  toCel,
} from "../../../src/server/admission/policy/cel.ts";
import { compileConditions, evaluateConditions } from "../../../src/server/admission/webhook/matchers.ts";
import { mutatingWebhookConfiguration } from "../../../src/server/registry/kinds/admissionregistration/mutatingwebhookconfiguration.ts";
import { validatingAdmissionPolicy } from "../../../src/server/registry/kinds/admissionregistration/validatingadmissionpolicy.ts";
import { validatingAdmissionPolicyBinding } from "../../../src/server/registry/kinds/admissionregistration/validatingadmissionpolicybinding.ts";
import { validatingWebhookConfiguration } from "../../../src/server/registry/kinds/admissionregistration/validatingwebhookconfiguration.ts";

const deployment = toCel({
  metadata: { name: "web", labels: { app: "web" } },
  spec: { replicas: 6, paused: false },
});

describe("admission CEL", () => {
  test("evaluates over JSON objects with integers as CEL ints", () => {
    const run = (e: string) => compileExpression(e, ["object"]).evaluate({ object: deployment });
    assert.deepEqual(run("object.spec.replicas <= 5"), { value: false });
    assert.deepEqual(run("object.spec.replicas * 2 == 12"), { value: true });
    assert.deepEqual(run("has(object.spec.strategy)"), { value: false });
    assert.deepEqual(run("object.metadata.labels.all(k, k.startsWith('a'))"), { value: true });
    assert.deepEqual(run("'replicas: ' + string(object.spec.replicas)"), { value: "replicas: 6" });
    assert.ok("error" in run("object.spec.missing == 1"));
  });

  test("reports undeclared references and syntax errors as the compiler does", () => {
    assert.throws(() => compileExpression("params.max > 1", ["object"]), {
      message: "compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')",
    });
    // Comprehension variables are declared inside their macro only.
    assert.doesNotThrow(() => compileExpression("object.items.exists(i, i > 0)", ["object"]));
    assert.throws(
      () => compileExpression("object.items.exists(i, i > 0) && i > 0", ["object"]),
      /undeclared reference to 'i'/,
    );
    assert.throws(
      () => compileExpression("object.x ==", ["object"]),
      (e: Error) => e instanceof CelCompileError && /^compilation failed: ERROR: <input>:1:/.test(e.message),
    );
  });

  test("variables are computed lazily, once, and may use earlier ones", () => {
    let evaluations = 0;
    const counted = compileExpression("object.spec.replicas + 1", ["object"]);
    const vars = lazyVariables(
      [
        {
          name: "next",
          compiled: {
            expression: counted.expression,
            evaluate: (b) => {
              evaluations++;
              return counted.evaluate(b);
            },
          },
        },
        { name: "double", compiled: compileExpression("variables.next * 2", ["variables"]) },
        { name: "broken", compiled: compileExpression("object.nope", ["object"]) },
      ],
      { object: deployment },
    );
    const check = compileExpression("variables.double == 14 && variables.next == 7", ["variables"]);
    assert.deepEqual(check.evaluate({ variables: vars }), { value: true });
    assert.equal(evaluations, 1);
    assert.ok(
      "error" in compileExpression("variables.broken == 1", ["variables"]).evaluate({ variables: vars }),
    );
  });

  test("matchConditions: any false skips, errors follow the failure policy", () => {
    const conditions = compileConditions(
      [
        { name: "a", expression: "object.spec.replicas > 1" },
        { name: "b", expression: "object.nope == 1" },
      ],
      ["object"],
    );
    assert.deepEqual(evaluateConditions(conditions, { object: deployment }, "Ignore"), { matches: false });
    const failed = evaluateConditions(conditions, { object: deployment }, "Fail");
    assert.equal(failed.matches, false);
    assert.match(
      ("error" in failed && failed.error) || "",
      /^expression 'object.nope == 1' resulted in error: /,
    );
    const falseFirst = compileConditions(
      [
        { name: "f", expression: "false" },
        { name: "b", expression: "object.nope == 1" },
      ],
      ["object"],
    );
    assert.deepEqual(evaluateConditions(falseFirst, { object: deployment }, "Fail"), { matches: false });
  });
});

const obj = (o: Record<string, unknown>) => structuredClone(o) as KubeObject;
const messages = (causes: { field: string; message: string }[]) =>
  causes.map((c) => `${c.field}: ${c.message}`);

describe("admissionregistration kinds", () => {
  const hook = {
    name: "a.b.c",
    clientConfig: { service: { namespace: "ns", name: "svc" } },
    rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
  };

  test("webhooks are defaulted as defaults.go", () => {
    const m = obj({ webhooks: [hook] });
    mutatingWebhookConfiguration.defaults?.(m);
    const h = (m.webhooks as Record<string, any>[])[0];
    assert.deepEqual(
      [
        h.failurePolicy,
        h.matchPolicy,
        h.timeoutSeconds,
        h.reinvocationPolicy,
        h.clientConfig.service.port,
        h.rules[0].scope,
      ],
      ["Fail", "Equivalent", 10, "Never", 443, "*"],
    );
    assert.deepEqual([h.namespaceSelector, h.objectSelector], [{}, {}]);
    const v = obj({ webhooks: [hook] });
    validatingWebhookConfiguration.defaults?.(v);
    assert.equal((v.webhooks as Record<string, any>[])[0].reinvocationPolicy, undefined);
    assert.deepEqual(validatingWebhookConfiguration.validate?.(v), []);
  });

  test("rules, service and duplicate names are validated with upstream's messages", () => {
    const bad = obj({
      webhooks: [
        {
          ...hook,
          rules: [
            {
              operations: ["*", "CREATE"],
              apiGroups: ["*", "apps"],
              apiVersions: [""],
              resources: ["*/*", "pods"],
              scope: "Everywhere",
            },
          ],
          clientConfig: { service: { namespace: "", name: "svc", port: 0, path: "foo//Bar" } },
          sideEffects: "Some",
          timeoutSeconds: 31,
        },
        { ...hook, admissionReviewVersions: [] },
      ],
    });
    assert.deepEqual(messages(validatingWebhookConfiguration.validate?.(bad) ?? []), [
      `webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if '*' is present, must not specify other operations`,
      `webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if '*' is present, must not specify other API groups`,
      "webhooks[0].rules[0].apiVersions[0]: Required value",
      `webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if '*/*' is present, must not specify other resources`,
      `webhooks[0].rules[0].scope: Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"`,
      `webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"`,
      "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
      "webhooks[0].clientConfig.service.namespace: Required value",
      "webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
      `webhooks[0].clientConfig.service.path: Invalid value: "foo//Bar": must start with a '/'`,
      // Upstream drops the first character whether or not it is the leading "/".
      `webhooks[0].clientConfig.service.path: Invalid value: "foo//Bar": segment[1] may not be empty`,
      `webhooks[0].clientConfig.service.path: Invalid value: "foo//Bar": segment[2]: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      "webhooks[1].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
      `webhooks[1].name: Duplicate value: "a.b.c"`,
    ]);
  });

  test("a policy's expressions must compile; a binding needs its actions and a valid paramRef", () => {
    const policy = obj({
      metadata: { name: "p" },
      spec: {
        matchConstraints: {
          resourceRules: [
            { operations: ["CREATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] },
          ],
        },
        variables: [{ name: "in", expression: "1" }],
        validations: [
          { expression: "object.spec.replicas <= variables.max", message: "a\nb", reason: "Teapot" },
        ],
      },
    });
    validatingAdmissionPolicy.defaults?.(policy);
    assert.deepEqual(messages(validatingAdmissionPolicy.validate?.(policy) ?? []), [
      `spec.variables[0].name: Invalid value: "in": name is not a valid CEL identifier`,
      `spec.validations[0].message: Invalid value: "a\\nb": message must not contain line breaks`,
      `spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge"`,
    ]);
    const binding = obj({
      spec: {
        policyName: "p",
        paramRef: { name: "x", selector: {} },
        validationActions: ["Deny", "Warn"],
      },
    });
    assert.deepEqual(messages(validatingAdmissionPolicyBinding.validate?.(binding) ?? []), [
      "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
      "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
      "spec.paramRef.parameterNotFoundAction: Required value",
      `spec.validationActions: Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)`,
    ]);
  });

  test("printers count webhooks and validations and show param references", () => {
    const now = Date.now();
    const cells = validatingAdmissionPolicyBinding.printer?.cells(
      obj({ metadata: { name: "b" }, spec: { policyName: "p", paramRef: { name: "limits" } } }),
      now,
    );
    assert.deepEqual(cells?.slice(0, 3), ["b", "p", "*/limits"]);
    const vap = validatingAdmissionPolicy.printer?.cells(
      obj({
        metadata: { name: "p" },
        spec: { paramKind: { apiVersion: "v1", kind: "ConfigMap" }, validations: [{}, {}] },
      }),
      now,
    );
    assert.deepEqual(vap?.slice(0, 3), ["p", 2, "v1/ConfigMap"]);
  });
});
