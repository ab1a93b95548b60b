// ResourceQuota usage arithmetic (pkg/quota/v1/evaluator/core) and the LimitRanger plugin's defaulting and
// refusals (plugin/pkg/admission/limitranger), over a stand-in store holding one LimitRange.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { limitRanger } from "../../../src/server/admission/limit-ranger.ts";
import {
  objectUsage,
  podUsage,
  prettyPrint,
  quantityOf,
  resourceOfQuotaName,
} from "../../../src/server/admission/resource-usage.ts";
import type { AdmissionRequest } from "../../../src/server/admission/types.ts";
import { statusOf } from "../../../src/server/http/errors.ts";
import { limitRange } from "../../../src/server/registry/kinds/core/limitrange.ts";
import type { ResourceDef } from "../../../src/server/registry/types.ts";

const container = (name: string, resources: object = {}) => ({ name, image: "i", resources });

describe("quota usage", () => {
  test("a pod: count, requests summed over containers, an init container counted when larger", () => {
    const pod: KubeObject = {
      spec: {
        containers: [
          container("a", { requests: { cpu: "250m", memory: "64Mi" }, limits: { memory: "128Mi" } }),
          container("b", { requests: { cpu: "250m", memory: "64Mi" } }),
        ],
        initContainers: [container("init", { requests: { cpu: "1" } })],
      },
    };
    const u = podUsage(pod);
    assert.equal(
      prettyPrint(u, u.milli.keys()),
      "count/pods=1,cpu=1,limits.memory=128Mi,memory=128Mi,pods=1,requests.cpu=1,requests.memory=128Mi",
    );
    assert.equal(podUsage({ ...pod, status: { phase: "Succeeded" } }).milli.size, 0);
  });

  test("other objects: count/<resource>, the legacy names, services and claims' extras", () => {
    const svc = objectUsage("services", { spec: { type: "NodePort", ports: [{ port: 1 }, { port: 2 }] } });
    assert.equal(prettyPrint(svc, svc.milli.keys()), "count/services=1,services=1,services.nodeports=2");
    const pvc = objectUsage("persistentvolumeclaims", {
      spec: { resources: { requests: { storage: "5Gi" } } },
    });
    assert.equal(quantityOf(pvc, "requests.storage"), "5Gi");
    const job = objectUsage("jobs.batch", {});
    assert.deepEqual([...job.milli.keys()], ["count/jobs.batch"]);
    assert.equal(resourceOfQuotaName("limits.cpu"), "pods");
    assert.equal(resourceOfQuotaName("count/deployments.apps"), "deployments.apps");
    assert.equal(resourceOfQuotaName("requests.nvidia.com/gpu"), "pods");
    assert.equal(resourceOfQuotaName("widgets"), undefined);
  });
});

describe("LimitRanger", () => {
  const range = (...limits: object[]) => {
    const lr: KubeObject = { metadata: { name: "lr", namespace: "ns" }, spec: { limits } };
    limitRange.defaults!(lr);
    return lr;
  };
  const podDef = { group: "", resource: "pods", kind: "Pod" } as ResourceDef;
  const request = (lr: KubeObject, pod: KubeObject): AdmissionRequest =>
    ({
      operation: "CREATE",
      def: podDef,
      subresource: "",
      namespace: "ns",
      name: "p",
      object: pod,
      user: { username: "u", groups: [] },
      store: { list: () => ({ items: [{ object: () => structuredClone(lr) }] }) },
    }) as unknown as AdmissionRequest;
  const admit = async (lr: KubeObject, pod: KubeObject) => {
    const req = request(lr, pod);
    await limitRanger.mutate!(req);
    try {
      await limitRanger.validate!(req);
      return { pod: req.object!, error: undefined };
    } catch (e) {
      return { pod: req.object!, error: statusOf(e) };
    }
  };

  test("defaults only what a container lacks, and says so in the annotation", async () => {
    const lr = range({
      type: "Container",
      default: { cpu: "1", memory: "1Gi" },
      defaultRequest: { cpu: "100m" },
    });
    const { pod, error } = await admit(lr, {
      metadata: { name: "p" },
      spec: { containers: [container("app", { limits: { cpu: "2" } })], initContainers: [container("init")] },
    });
    assert.equal(error, undefined);
    const spec = pod.spec as any;
    assert.deepEqual(spec.containers[0].resources, {
      limits: { cpu: "2", memory: "1Gi" },
      requests: { cpu: "2", memory: "1Gi" },
    });
    assert.deepEqual(spec.initContainers[0].resources, {
      limits: { cpu: "1", memory: "1Gi" },
      requests: { cpu: "100m", memory: "1Gi" },
    });
    assert.equal(
      pod.metadata?.annotations?.["kubernetes.io/limit-ranger"],
      "LimitRanger plugin set: memory request for container app; memory limit for container app; cpu, memory request for init container init; cpu, memory limit for init container init",
    );
  });

  test("requests default to limits first (SetDefaults_Pod), so defaultRequest does not replace them", async () => {
    const lr = range({ type: "Container", defaultRequest: { cpu: "100m" } });
    const { pod } = await admit(lr, {
      metadata: { name: "p" },
      spec: { containers: [container("app", { limits: { cpu: "2" } })] },
    });
    assert.deepEqual((pod.spec as any).containers[0].resources, {
      limits: { cpu: "2" },
      requests: { cpu: "2" },
    });
    assert.equal(pod.metadata?.annotations, undefined);
  });

  test("refusals: upstream's minConstraint / maxConstraint / ratio texts, aggregated", async () => {
    const lr = range(
      { type: "Container", min: { memory: "64Mi" }, maxLimitRequestRatio: { cpu: "2" } },
      { type: "Pod", max: { cpu: "1" } },
    );
    const { error } = await admit(lr, {
      metadata: { name: "p" },
      spec: {
        containers: [
          container("a", { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "800m" } }),
          container("b", { requests: { cpu: "300m", memory: "64Mi" }, limits: { cpu: "300m" } }),
        ],
      },
    });
    assert.equal(error?.code, 403);
    assert.equal(
      error?.message,
      'pods "p" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Container is 2, but provided ratio is 8.000000, maximum cpu usage per Pod is 1, but limit is 1100m]',
    );
    const none = await admit(range({ type: "Container", max: { cpu: "1" } }), {
      metadata: { name: "p" },
      spec: { containers: [container("a", { limits: { cpu: "500m" } })] },
    });
    assert.equal(none.error, undefined, "max alone defaults the limit to max, so nothing is missing");
  });
});
