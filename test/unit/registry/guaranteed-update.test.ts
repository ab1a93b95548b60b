// ObjectService's GuaranteedUpdate, made deterministic: an admission plugin writes the same object
// while the first attempt is in flight, so storage reports a conflict and the update must start over
// from the new state (re-running the patch, admission and validation) instead of failing or losing it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject, UserInfo } from "../../../src/meta/types.ts";
import type { AdmissionPlugin } from "../../../src/server/admission/types.ts";
import { ApiStatusError } from "../../../src/server/http/errors.ts";
import { ObjectService } from "../../../src/server/registry/objects.ts";
import { RESOURCES } from "../../../src/server/registry/resources.ts";
import { Store } from "../../../src/server/storage/index.ts";

const user: UserInfo = { username: "tester", groups: [] };
const configmaps = RESOURCES.find((d) => d.resource === "configmaps")!;

async function setup(onUpdate: (store: Store) => Promise<void> | void) {
  const store = await Store.open({
    resources: {
      configmaps: {
        namespaced: true,
        fields: (o) => ({
          "metadata.name": o.metadata.name,
          "metadata.namespace": o.metadata.namespace ?? "",
        }),
      },
    },
  });
  let attempts = 0;
  const racer: AdmissionPlugin = {
    name: "Racer",
    async mutate(req) {
      if (req.operation !== "UPDATE") return;
      attempts++;
      await onUpdate(store);
    },
  };
  const objects = new ObjectService(store, [racer]);
  await objects.create(configmaps, { metadata: { name: "c" }, data: { base: "1" } }, "ns", { user });
  return { store, objects, attempts: () => attempts };
}

/** A concurrent writer's change, made once, straight to storage (no admission, no recursion). */
function concurrentWrite() {
  let done = false;
  return async (store: Store) => {
    if (done) return;
    done = true;
    const cm = store.get("configmaps", "ns", "c")!.object();
    cm.metadata.annotations = { racer: "yes" };
    (cm.data as Record<string, string>).racer = "1";
    await store.update("configmaps", cm as KubeObject);
  };
}

describe("GuaranteedUpdate", () => {
  it("a merge patch that loses a race is re-applied to the newer object", async () => {
    const { store, objects, attempts } = await setup(concurrentWrite());
    const { entry } = await objects.patch(
      configmaps,
      "ns",
      "c",
      '{"data":{"patched":"1"}}',
      "application/merge-patch+json",
      { user },
    );
    assert.equal(attempts(), 2, "admission ran again for the second attempt");
    const data = store.get("configmaps", "ns", "c")!.object().data;
    assert.deepEqual(data, { base: "1", racer: "1", patched: "1" });
    assert.equal("rv" in entry ? entry.rv : undefined, store.currentRV());
  });

  it("a PUT without resourceVersion is retried; one with the read version is a 409 after the race", async () => {
    const unconditional = await setup(concurrentWrite());
    await unconditional.objects.update(
      configmaps,
      { metadata: { name: "c" }, data: { put: "1" } },
      "ns",
      "c",
      {
        user,
      },
    );
    assert.deepEqual(unconditional.store.get("configmaps", "ns", "c")!.object().data, { put: "1" });

    const conditional = await setup(concurrentWrite());
    const rv = conditional.store.get("configmaps", "ns", "c")!.object().metadata.resourceVersion;
    await assert.rejects(
      conditional.objects.update(
        configmaps,
        { metadata: { name: "c", resourceVersion: rv }, data: { put: "1" } },
        "ns",
        "c",
        { user },
      ),
      (e: unknown) =>
        e instanceof ApiStatusError &&
        e.status.code === 409 &&
        e.status.message ===
          'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it("tryUpdate sees the fresh object on each attempt; undefined writes nothing", async () => {
    const { store, objects } = await setup(concurrentWrite());
    const seen: string[] = [];
    await objects.guaranteedUpdate(
      configmaps,
      "ns",
      "c",
      (current) => {
        seen.push(Object.keys(current.data as object).join(","));
        (current.data as Record<string, string>).counted = String(seen.length);
        return current;
      },
      { user },
    );
    assert.deepEqual(seen, ["base", "base,racer"]);
    const before = store.currentRV();
    await objects.guaranteedUpdate(configmaps, "ns", "c", () => undefined, { user });
    assert.equal(store.currentRV(), before);
  });

  it("a delete racing a write starts over and still deletes", async () => {
    const { store } = await setup(() => undefined);
    const racing = new ObjectService(store, [
      {
        name: "RacerOnDelete",
        async validate(req) {
          if (req.operation === "DELETE" && !req.oldObject?.metadata.annotations?.racer) {
            await concurrentWrite()(store);
          }
        },
      },
    ]);
    const { finished } = await racing.delete(configmaps, "ns", "c", { user });
    assert.equal(finished, true);
    assert.equal(store.get("configmaps", "ns", "c"), undefined);
  });
});
