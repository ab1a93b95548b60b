// scheduling.k8s.io/v1 PriorityClass: defaults (SetDefaults_PriorityClass, pkg/apis/scheduling/v1/defaults.go),
// validation (ValidatePriorityClass/Update, pkg/apis/scheduling/validation/validation.go), the two system
// classes kube-apiserver creates at start (pkg/apis/scheduling/v1/helpers.go SystemPriorityClasses) and
// Table columns (printPriorityClass, pkg/printers/internalversion/printers.go).
import type { KubeObject } from "../../../../meta/types.ts";
import { asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { forbidden, immutable, notSupported, required } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";

export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** scheduling.DefaultPriorityWhenNoDefaultClassExists. */
export const DEFAULT_PRIORITY = 0;
const PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"];

/** SystemPriorityClasses(): what the scheduling storage's post-start hook ensures exists. */
export const SYSTEM_PRIORITY_CLASSES = [
  {
    metadata: { name: "system-node-critical" },
    value: 2000001000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    metadata: { name: "system-cluster-critical" },
    value: 2000000000,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

const DOCS = {
  value:
    "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
  globalDefault:
    "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
  preemptionPolicy:
    "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
};

type PriorityClassFields = { value?: unknown; globalDefault?: unknown; preemptionPolicy?: unknown };
const fieldsOf = (obj: KubeObject) => obj as KubeObject & PriorityClassFields;
const priorityValue = (obj: KubeObject) =>
  typeof fieldsOf(obj).value === "number" ? (fieldsOf(obj).value as number) : 0;

export function defaultPriorityClass(pc: KubeObject): void {
  fieldsOf(pc).preemptionPolicy ??= "PreemptLowerPriority";
}

/** IsKnownSystemPriorityClass's error, or undefined when the name/value/globalDefault are the system ones. */
function systemClassError(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: KubeObject, old?: KubeObject): FieldCause[] {
  const f = fieldsOf(pc);
  if (old) {
    const errs: FieldCause[] = [];
    if (priorityValue(pc) !== priorityValue(old))
      errs.push(forbidden("value", "may not be changed in an update."));
    const before = fieldsOf(old).preemptionPolicy;
    if (f.preemptionPolicy !== before) errs.push(immutable("preemptionPolicy", asString(f.preemptionPolicy)));
    return errs;
  }
  const errs: FieldCause[] = [];
  const name = pc.metadata?.name ?? "";
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const err = systemClassError(name, priorityValue(pc), f.globalDefault === true);
    if (err)
      errs.push(
        forbidden(
          "metadata.name",
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${err}`,
        ),
      );
  } else if (priorityValue(pc) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden(
        "value",
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  if (f.preemptionPolicy != null) {
    const policy = asString(f.preemptionPolicy);
    if (policy === "") errs.push(required("preemptionPolicy"));
    else if (!PREEMPTION_POLICIES.includes(policy))
      errs.push(notSupported("preemptionPolicy", policy, PREEMPTION_POLICIES));
  }
  return errs;
}

export const priorityClass: ResourceDef = {
  group: "scheduling.k8s.io",
  version: "v1",
  resource: "priorityclasses",
  singular: "priorityclass",
  kind: "PriorityClass",
  listKind: "PriorityClassList",
  namespaced: false,
  shortNames: ["pc"],
  verbs: CRUD,
  defaults: defaultPriorityClass,
  validate: validatePriorityClass,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Value", "integer", DOCS.value),
      column("Global-Default", "boolean", DOCS.globalDefault),
      AGE_COLUMN,
      column("PreemptionPolicy", "string", DOCS.preemptionPolicy),
    ],
    cells: (obj, now) => [
      nameOf(obj),
      priorityValue(obj),
      fieldsOf(obj).globalDefault === true,
      age(obj, now),
      asString(fieldsOf(obj).preemptionPolicy) || "<unset>",
    ],
  },
};
