// Number literals as sent (number-literals.ts): the scan that picks bodies with a fraction or exponent,
// and the typed decoder refusing `1.0` for an integer as Go's encoding/json does, printing the literal.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DecodeError, decodeObject } from "../../../src/server/registry/decode.ts";
import {
  hasFractionOrExponent,
  numberLiteral,
  parseKeepingNumberLiterals,
} from "../../../src/server/registry/number-literals.ts";

describe("hasFractionOrExponent", () => {
  test("numbers with a fraction or exponent, not dots and e's in strings or literals", () => {
    for (const text of ['{"a":1.0}', '{"a":[1,2e3]}', '{"a": -0.5 }', '{"a":1E+2}', "[3.5]"])
      assert.equal(hasFractionOrExponent(text), true, text);
    for (const text of [
      '{"image":"nginx:1.25","ip":"10.0.0.1"}',
      '{"a":true,"b":false,"c":null,"d":-12}',
      '{"note":"1.5 is a string"}',
      '{"n":[1,2,3]}',
    ])
      assert.equal(hasFractionOrExponent(text), false, text);
  });
});

describe("parseKeepingNumberLiterals", () => {
  test("records literals JavaScript prints differently, by holder and key", () => {
    const doc = parseKeepingNumberLiterals('{"a":1.0,"b":2,"c":[3e0,4],"d":{"e":1.50,"f":0.5}}') as any;
    assert.deepEqual(doc, { a: 1, b: 2, c: [3, 4], d: { e: 1.5, f: 0.5 } });
    assert.equal(numberLiteral(doc, "a"), "1.0");
    assert.equal(numberLiteral(doc, "b"), undefined);
    assert.equal(numberLiteral(doc.c, 0), "3e0");
    assert.equal(numberLiteral(doc.c, 1), undefined);
    assert.equal(numberLiteral(doc.d, "e"), "1.50");
    assert.equal(numberLiteral(doc.d, "f"), undefined);
  });
});

describe("decoding integers written as 1.0", () => {
  const decodeError = (text: string, apiVersion: string, kind: string) => {
    try {
      decodeObject(apiVersion, kind, parseKeepingNumberLiterals(text) as Record<string, unknown>);
    } catch (e) {
      if (e instanceof DecodeError) return e.message;
      throw e;
    }
    return undefined;
  };

  test("an int32 field, a list element, an IntOrString: Go's error with the literal", () => {
    assert.equal(
      decodeError('{"spec":{"replicas":1.0}}', "apps/v1", "Deployment"),
      "json: cannot unmarshal number 1.0 into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
    assert.equal(
      decodeError('{"spec":{"replicas":1.50}}', "apps/v1", "Deployment"),
      "json: cannot unmarshal number 1.50 into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
    assert.equal(
      decodeError('{"spec":{"ports":[{"port":8e1}]}}', "v1", "Service"),
      "json: cannot unmarshal number 8e1 into Go struct field ServicePort.spec.ports.port of type int32",
    );
    assert.equal(
      decodeError('{"spec":{"ports":[{"port":80,"targetPort":80.0}]}}', "v1", "Service"),
      "json: cannot unmarshal number 80.0 into Go struct field ServicePort.spec.ports.targetPort of type int32",
    );
  });

  test("quantities parse the literal (1e3 keeps its exponent form, as Go canonicalizes it), plain integers pass", () => {
    assert.equal(decodeError('{"spec":{"replicas":3}}', "apps/v1", "Deployment"), undefined);
    const pod = decodeObject(
      "v1",
      "Pod",
      parseKeepingNumberLiterals(
        '{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":0.50,"memory":1e3}}}]}}',
      ) as Record<string, unknown>,
    );
    assert.ok(pod);
    assert.deepEqual((pod.object as any).spec.containers[0].resources.limits, {
      cpu: "500m",
      memory: "1e3",
    });
  });
});
