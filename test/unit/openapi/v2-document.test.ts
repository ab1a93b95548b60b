import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openapiV2, openapiV3GroupVersion } from "../../../src/server/http/openapi.ts";
import { allRefs, fixtureDefs, type Json, KIND_GVKS, resolvePointer } from "./fixtures.ts";

const defs = fixtureDefs();
const swagger = openapiV2(defs) as Json;
const definitions = swagger.definitions as Record<string, Json>;
const paths = swagger.paths as Record<string, Record<string, Json>>;
type Gvk = { group: string; version: string; kind: string };

describe("OpenAPI v2 (Swagger 2.0) document", () => {
  it("is Swagger 2.0 with upstream definition names", () => {
    assert.equal(swagger.swagger, "2.0");
    for (const name of [
      "io.k8s.api.core.v1.Pod",
      "io.k8s.api.core.v1.ServiceAccountList",
      "io.k8s.api.rbac.v1.RoleBinding",
      "io.k8s.api.discovery.v1.EndpointSlice",
      "io.k8s.api.authentication.v1.TokenReview",
      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    ]) {
      assert.ok(definitions[name], name);
    }
  });

  it("holds every path of every v3 document", () => {
    for (const gv of ["v1", "rbac.authorization.k8s.io/v1", "authorization.k8s.io/v1"]) {
      for (const path of Object.keys((openapiV3GroupVersion(defs, gv) as Json).paths as Json)) {
        assert.ok(paths[path], path);
      }
    }
  });

  it("uses #/definitions references only, all resolvable, with no v3-only constructs", () => {
    const json = JSON.stringify(swagger);
    assert.doesNotMatch(json, /#\/components\//);
    assert.doesNotMatch(json, /"oneOf"/);
    assert.doesNotMatch(json, /"requestBody"/);
    for (const ref of allRefs(swagger)) assert.ok(resolvePointer(swagger, ref), ref);
  });

  it("turns described v3 references into plain $ref with siblings", () => {
    const spec = (definitions["io.k8s.api.core.v1.Pod"].properties as Record<string, Json>).spec;
    assert.equal(spec.$ref, "#/definitions/io.k8s.api.core.v1.PodSpec");
    assert.equal(spec.allOf, undefined);
    assert.equal(typeof spec.description, "string");
  });

  it("renders IntOrString as upstream v2 does: a string of format int-or-string", () => {
    const intOrString = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
    assert.equal(intOrString.type, "string");
    assert.equal(intOrString.format, "int-or-string");
  });

  it("tags every kind and list kind, merging DeleteOptions tags across group versions", () => {
    for (const gvk of KIND_GVKS) {
      const tagged = Object.values(definitions).some((d) =>
        ((d["x-kubernetes-group-version-kind"] as Gvk[] | undefined) ?? []).some(
          (t) => t.group === gvk.group && t.version === gvk.version && t.kind === gvk.kind,
        ),
      );
      assert.ok(tagged, gvk.kind);
    }
    const tags =
      definitions["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]["x-kubernetes-group-version-kind"];
    const groups = (tags as Gvk[]).map((t) => t.group).sort();
    assert.deepEqual(groups, ["", "discovery.k8s.io", "example.incluster.dev", "rbac.authorization.k8s.io"]);
  });

  it("exposes the PATCH details kubectl 1.27/1.28 read from v2: consumes and inline fieldValidation", () => {
    const patch = paths["/api/v1/namespaces/{namespace}/pods/{name}"].patch;
    assert.ok((patch.consumes as string[]).includes("application/strategic-merge-patch+json"));
    const params = patch.parameters as Json[];
    assert.deepEqual(params[0], {
      name: "body",
      in: "body",
      required: true,
      schema: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" },
    });
    const fieldValidation = params.find((p) => p.name === "fieldValidation");
    assert.deepEqual(
      { in: fieldValidation?.in, type: fieldValidation?.type },
      { in: "query", type: "string" },
    );
    assert.deepEqual(patch["x-kubernetes-group-version-kind"], { group: "", kind: "Pod", version: "v1" });
  });

  it("declares list responses and produces per operation", () => {
    const list = paths["/api/v1/namespaces/{namespace}/pods"].get;
    assert.deepEqual(list.produces, ["application/json", "application/json;stream=watch"]);
    assert.deepEqual((list.responses as Json)["200"], {
      description: "OK",
      schema: { $ref: "#/definitions/io.k8s.api.core.v1.PodList" },
    });
    assert.deepEqual(
      (paths["/api/v1/namespaces/{namespace}/pods"].parameters as unknown as Json[]).map((p) => p.name),
      ["namespace", "pretty"],
    );
  });
});
