// The Priority admission plugin (kubernetes plugin/pkg/admission/priority/admission.go): a new Pod's
// spec.priorityClassName (or the global default class) resolves into spec.priority and
// spec.preemptionPolicy; an update keeps what create resolved; only one PriorityClass may be the default.
import { goQuote, qualifiedResource, Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { asMap, asString } from "../registry/json-access.ts";
import { DEFAULT_PRIORITY } from "../registry/kinds/scheduling/priorityclass.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const PRIORITY_CLASSES = "priorityclasses.scheduling.k8s.io";

interface PriorityClassView {
  name: string;
  value: number;
  globalDefault: boolean;
  preemptionPolicy?: string;
}

function priorityClasses(req: AdmissionRequest): PriorityClassView[] {
  return req.store.list(PRIORITY_CLASSES, {}).items.map((e) => {
    const o = e.object() as KubeObject & Record<string, unknown>;
    return {
      name: e.name,
      value: typeof o.value === "number" ? o.value : 0,
      globalDefault: o.globalDefault === true,
      ...(typeof o.preemptionPolicy === "string" ? { preemptionPolicy: o.preemptionPolicy } : {}),
    };
  });
}

/** getDefaultPriorityClass: of the classes marked globalDefault, the one with the lowest value. */
function defaultClass(req: AdmissionRequest): PriorityClassView | undefined {
  return priorityClasses(req)
    .filter((c) => c.globalDefault)
    .sort((a, b) => a.value - b.value)[0];
}

/** admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`, 403 Forbidden. */
function forbidden(req: AdmissionRequest, why: string): ApiStatusError {
  const what = qualifiedResource(req.def.resource, req.def.group);
  return new ApiStatusError(
    Status.forbidden(
      `${req.name ? `${what} ${goQuote(req.name)}` : what} is forbidden: ${why}`,
      req.def.resource,
      req.def.group,
      req.name,
    ),
  );
}

function admitPod(req: AdmissionRequest): void {
  const spec = asMap(req.object?.spec) as Record<string, unknown>;
  if (!req.object || typeof req.object.spec !== "object") return;
  if (req.operation === "UPDATE") {
    const old = asMap(req.oldObject?.spec);
    if (spec.priority == null && old.priority != null) spec.priority = old.priority;
    if (spec.preemptionPolicy == null && old.preemptionPolicy != null)
      spec.preemptionPolicy = old.preemptionPolicy;
    return;
  }
  let priority: number;
  let policy: string | undefined;
  const className = asString(spec.priorityClassName);
  if (!className) {
    const dpc = defaultClass(req);
    priority = dpc?.value ?? DEFAULT_PRIORITY;
    policy = dpc ? dpc.preemptionPolicy : "PreemptLowerPriority";
    if (dpc) spec.priorityClassName = dpc.name;
  } else {
    const pc = priorityClasses(req).find((c) => c.name === className);
    if (!pc) throw forbidden(req, `no PriorityClass with name ${className} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy;
  }
  if (typeof spec.priority === "number" && spec.priority !== priority)
    throw forbidden(
      req,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  spec.priority = priority;
  if (policy !== undefined) {
    if (typeof spec.preemptionPolicy === "string" && spec.preemptionPolicy !== policy)
      throw forbidden(
        req,
        `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
      );
    spec.preemptionPolicy = policy;
  }
}

function validatePriorityClass(req: AdmissionRequest): void {
  const pc = req.object as (KubeObject & Record<string, unknown>) | undefined;
  if (pc?.globalDefault !== true) return;
  const dpc = defaultClass(req);
  if (!dpc) return;
  if (req.operation === "CREATE" || dpc.name !== req.name)
    throw forbidden(
      req,
      `PriorityClass ${dpc.name} is already marked as default. Only one default can exist`,
    );
}

const isPods = (req: AdmissionRequest) =>
  req.def.group === "" && req.def.resource === "pods" && req.subresource === "";
const isPriorityClasses = (req: AdmissionRequest) =>
  req.def.group === "scheduling.k8s.io" && req.def.resource === "priorityclasses";

export const priorityAdmission: AdmissionPlugin = {
  name: "Priority",
  mutate(req) {
    if (isPods(req) && (req.operation === "CREATE" || req.operation === "UPDATE")) admitPod(req);
  },
  validate(req) {
    if (isPriorityClasses(req) && (req.operation === "CREATE" || req.operation === "UPDATE"))
      validatePriorityClass(req);
  },
};
