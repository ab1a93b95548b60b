// dropDisabledFields for 1.33's default gates (pkg/api/pod/util.go): ContainerStopSignals is alpha and
// off, so lifecycle.stopSignal is dropped on create and on an update whose stored spec does not use it,
// in every container list, and a lifecycle left empty goes with it (dropContainerStopSignals).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  dropDisabledPodFields,
  dropDisabledTemplateFields,
} from "../../../src/server/registry/pod-disabled-fields.ts";

const pod = (containers: unknown[], initContainers: unknown[] = []): KubeObject => ({
  metadata: { name: "p" },
  spec: { containers, ...(initContainers.length ? { initContainers } : {}) },
});
const PRE_STOP = { exec: { command: ["sleep", "1"] } };

describe("dropContainerStopSignals", () => {
  test("a create drops stopSignal, and the lifecycle when nothing else is left", () => {
    const p = pod(
      [
        { name: "a", image: "i", lifecycle: { stopSignal: "SIGUSR1" } },
        { name: "b", image: "i", lifecycle: { stopSignal: "SIGQUIT", preStop: PRE_STOP } },
        { name: "c", image: "i", lifecycle: { preStop: PRE_STOP } },
      ],
      [{ name: "init", image: "i", lifecycle: { stopSignal: "SIGTERM" } }],
    );
    dropDisabledPodFields(p, undefined);
    assert.deepEqual(p.spec, {
      containers: [
        { name: "a", image: "i" },
        { name: "b", image: "i", lifecycle: { preStop: PRE_STOP } },
        { name: "c", image: "i", lifecycle: { preStop: PRE_STOP } },
      ],
      initContainers: [{ name: "init", image: "i" }],
    });
  });

  test("an update keeps stop signals when the stored spec already uses one", () => {
    const old = pod([{ name: "a", image: "i", lifecycle: { stopSignal: "SIGUSR1" } }]);
    const next = pod([
      { name: "a", image: "i", lifecycle: { stopSignal: "SIGUSR2" } },
      { name: "b", image: "i", lifecycle: { stopSignal: "SIGINT" } },
    ]);
    dropDisabledPodFields(next, old);
    assert.equal((next.spec as any).containers[0].lifecycle.stopSignal, "SIGUSR2");
    assert.equal((next.spec as any).containers[1].lifecycle.stopSignal, "SIGINT");

    const unused = pod([{ name: "a", image: "i", lifecycle: { preStop: PRE_STOP } }]);
    const added = pod([{ name: "a", image: "i", lifecycle: { preStop: PRE_STOP, stopSignal: "SIGINT" } }]);
    dropDisabledPodFields(added, unused);
    assert.deepEqual((added.spec as any).containers[0].lifecycle, { preStop: PRE_STOP });
  });

  test("a null stopSignal is no stop signal: the lifecycle stays as sent", () => {
    const p = pod([{ name: "a", image: "i", lifecycle: { stopSignal: null } }]);
    dropDisabledPodFields(p, undefined);
    assert.deepEqual((p.spec as any).containers[0].lifecycle, { stopSignal: null });
  });

  test("pod templates: a workload's template and a CronJob's job template", () => {
    const cronJob = {
      metadata: { name: "cj" },
      spec: {
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: "a", lifecycle: { stopSignal: "SIGHUP" } }] } } },
        },
      },
    } as KubeObject;
    dropDisabledTemplateFields(cronJob, undefined, ["spec", "jobTemplate", "spec", "template"]);
    assert.deepEqual((cronJob.spec as any).jobTemplate.spec.template.spec.containers, [{ name: "a" }]);
    // A template without a spec is left alone.
    const empty = { metadata: { name: "d" }, spec: {} } as KubeObject;
    dropDisabledTemplateFields(empty, undefined, ["spec", "template"]);
    assert.deepEqual(empty.spec, {});
  });
});
