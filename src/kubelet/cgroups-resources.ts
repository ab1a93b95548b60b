// What the kubelet writes into a Pod's and a container's cgroup, ported from upstream:
// - pkg/kubelet/cm/helpers_linux.go: MilliCPUToQuota, MilliCPUToShares, ResourceConfigForPod (pod-level
//   resources and MemoryQoS are off by default in v1.33 and not ported);
// - pkg/kubelet/kuberuntime/kuberuntime_container_linux.go calculateLinuxResources: a container's shares
//   from its cpu request (its limit when only that is set), quota from its limit, memory from its limit;
//   configureContainerSwapResources NoSwap: no swap beyond the memory limit;
// - opencontainers/cgroups utils.go ConvertCPUSharesToCgroupV2Value (runc ≥ 1.3.2, crun ≥ 1.23, the
//   conversion kubernetes test/e2e expects): cpu.shares → cgroup v2 cpu.weight.
import type { Container, Pod, ResourceRequirements } from "kubernetes-types/core/v1.d.ts";
import { quantityError, quantityMilli } from "../meta/quantity.ts";

// kernel/sched/sched.h MIN_SHARES / MAX_SHARES.
export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
const MILLI_CPU_TO_CPU = 1000;
/** 100 ms, in microseconds (the CFS period the kubelet uses unless CustomCPUCFSQuotaPeriod). */
export const QUOTA_PERIOD = 100000;
/** 1 ms: the kernel's smallest quota (kernel/sched/core.c). */
export const MIN_QUOTA_PERIOD = 1000;

/** MilliCPUToQuota: CFS quota (µs per period) for a cpu limit; 0 for none. */
export function milliCPUToQuota(milliCPU: number, period: number): number {
  if (milliCPU === 0) return 0;
  const quota = Math.trunc((milliCPU * period) / MILLI_CPU_TO_CPU);
  return Math.max(quota, MIN_QUOTA_PERIOD);
}

/** MilliCPUToShares: cpu.shares for a cpu request (2 for none, as the kernel's minimum). */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.trunc((milliCPU * SHARES_PER_CPU) / MILLI_CPU_TO_CPU);
  return Math.min(Math.max(shares, MIN_SHARES), MAX_SHARES);
}

/** ConvertCPUSharesToCgroupV2Value: a quadratic in log2(shares) through (2,1), (1024,100), (262144,10000). */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= MAX_SHARES) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(10 ** exponent);
}

/** The limits of one cgroup; an absent field is left at the kernel's default (unlimited). */
export interface ResourceConfig {
  cpuShares?: number;
  /** CFS quota in µs per cpuPeriod. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Bytes (bigint: quantities reach 2^63). */
  memory?: bigint;
  /** Processes (pids.max). */
  pids?: number;
}

type ResourceList = ResourceRequirements["limits"];

/** A quantity's MilliValue(), 0 when absent or not a quantity (validation refused those already). */
function milli(list: ResourceList, name: string): bigint {
  const q = list?.[name];
  if (q === undefined || q === null) return 0n;
  const text = String(q);
  return quantityError(text) ? 0n : quantityMilli(text);
}

/** Value() (bytes, rounded up) of a quantity. */
const value = (list: ResourceList, name: string): bigint => ceilDiv(milli(list, name), 1000n);
const ceilDiv = (a: bigint, b: bigint): bigint => (a <= 0n ? 0n : (a + b - 1n) / b);
/** CPU milli-units as a number (capped: larger values mean "more than any host has" anyway). */
const cpuNumber = (m: bigint): number => Number(m > 2n ** 40n ? 2n ** 40n : m);

/** calculateLinuxResources for a container (cgroup v1 values; v2 converts when writing). */
export function containerResourceConfig(container: Container): ResourceConfig {
  const { requests, limits } = container.resources ?? {};
  const cpuLimit = cpuNumber(milli(limits, "cpu"));
  // A cpu request defaults to the limit (the API server does this for new Pods; the kubelet repeats it).
  const requested = requests?.cpu !== undefined;
  const config: ResourceConfig = {
    cpuShares: milliCPUToShares(!requested && cpuLimit > 0 ? cpuLimit : cpuNumber(milli(requests, "cpu"))),
  };
  if (cpuLimit > 0) {
    config.cpuQuota = milliCPUToQuota(cpuLimit, QUOTA_PERIOD);
    config.cpuPeriod = QUOTA_PERIOD;
  }
  const memory = value(limits, "memory");
  if (memory > 0n) config.memory = memory;
  return config;
}

/**
 * ResourceConfigForPod: the Pod's cgroup gets the sum of its containers' requests (shares) and, when every
 * container sets one, of their limits (quota, memory); init containers count as PodRequests/PodLimits do
 * (the larger of the sum and any one init container; sidecars add to the sum).
 */
export function podResourceConfig(pod: Pod, qosClass: string, pidsLimit?: number): ResourceConfig {
  const { cpuRequest, cpuLimit, memory, cpuLimitsDeclared, memoryLimitsDeclared } = podTotals(pod);
  const cpuShares = milliCPUToShares(cpuRequest);
  const cpuQuota = milliCPUToQuota(cpuLimit, QUOTA_PERIOD);
  const config: ResourceConfig = pidsLimit && pidsLimit > 0 ? { pids: pidsLimit } : {};
  if (qosClass === "BestEffort") return { ...config, cpuShares: MIN_SHARES };
  config.cpuShares = cpuShares;
  if (qosClass === "Guaranteed" || cpuLimitsDeclared) {
    if (cpuQuota > 0) {
      config.cpuQuota = cpuQuota;
      config.cpuPeriod = QUOTA_PERIOD;
    }
  }
  if ((qosClass === "Guaranteed" || memoryLimitsDeclared) && memory > 0n) config.memory = memory;
  return config;
}

/** PodRequests' cpu in millicores (what the burstable QoS cgroup sums, qos_container_manager_linux.go). */
export function podCPURequestMilli(pod: Pod): number {
  return podTotals(pod).cpuRequest;
}

/** The Pod's requests and limits as PodRequests/PodLimits add them up. */
function podTotals(pod: Pod) {
  let cpuLimitsDeclared = true;
  let memoryLimitsDeclared = true;
  const sum = { cpuRequest: 0n, cpuLimit: 0n, memoryLimit: 0n };
  const init = { cpuRequest: 0n, cpuLimit: 0n, memoryLimit: 0n };
  const inits = pod.spec?.initContainers ?? [];
  for (const c of [...(pod.spec?.containers ?? []), ...inits]) {
    const { requests, limits } = c.resources ?? {};
    if (milli(limits, "cpu") === 0n) cpuLimitsDeclared = false;
    if (milli(limits, "memory") === 0n) memoryLimitsDeclared = false;
    const into = !inits.includes(c) || c.restartPolicy === "Always" ? sum : undefined;
    const cpuRequest = milli(requests, "cpu");
    const cpuLimit = milli(limits, "cpu");
    const memoryLimit = value(limits, "memory");
    if (into) {
      into.cpuRequest += cpuRequest;
      into.cpuLimit += cpuLimit;
      into.memoryLimit += memoryLimit;
    } else {
      if (cpuRequest > init.cpuRequest) init.cpuRequest = cpuRequest;
      if (cpuLimit > init.cpuLimit) init.cpuLimit = cpuLimit;
      if (memoryLimit > init.memoryLimit) init.memoryLimit = memoryLimit;
    }
  }
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  return {
    cpuRequest: cpuNumber(max(sum.cpuRequest, init.cpuRequest)),
    cpuLimit: cpuNumber(max(sum.cpuLimit, init.cpuLimit)),
    memory: max(sum.memoryLimit, init.memoryLimit),
    cpuLimitsDeclared,
    memoryLimitsDeclared,
  };
}

/** The resource fields a container sets that only cgroups enforce (for the "not applied" condition). */
export function enforcedResourceFields(container: Container): string[] {
  const { requests, limits } = container.resources ?? {};
  const fields: string[] = [];
  if (milli(limits, "memory") > 0n) fields.push("limits.memory");
  if (milli(limits, "cpu") > 0n) fields.push("limits.cpu");
  if (milli(requests, "cpu") > 0n) fields.push("requests.cpu");
  return fields;
}
