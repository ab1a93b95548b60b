// ObjectMeta validation (apimachinery pkg/api/validation/objectmeta.go, plus core's finalizer-name rule).

import { goQuote } from "../../../meta/go-quote.ts";
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { goStringSlice } from "../go-format.ts";
import { asMap, asMaps, asString, asStrings, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import {
  type BadValue,
  child,
  dedupe,
  forbidden,
  goSyntax,
  immutable,
  index,
  invalid,
  required,
  tooLong,
} from "./field.ts";
import { type NameValidator, nameValidatorFor, validateName } from "./names.ts";

const META = "metadata";
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

type Meta = Json;
const metaOf = (obj: KubeObject): Meta => (obj.metadata ?? {}) as Meta;

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** The kind's metadata.name rule; derived from `kind` when absent (dns1123Subdomain by default). */
  nameValidator?: NameValidator;
  kind?: string;
  /** kube-apiserver's own types add core's finalizer-name rule; apiextensions-apiserver (CRDs and custom
   * resources) runs only apimachinery's generic pass. Default true. */
  coreFinalizers?: boolean;
}

/**
 * Create-time metadata checks in upstream's order: the generic pass every resource gets (names as path
 * segments, namespace, generation, labels, annotations, ownerReferences, finalizers), then the kind's
 * name rule and core's finalizer-name rule. Expects name generation to have happened already.
 */
export function validateObjectMeta(obj: KubeObject, o: ObjectMetaOptions): FieldCause[] {
  const meta = metaOf(obj);
  const validator = o.nameValidator ?? nameValidatorFor(o.kind);
  const generic = [...nameErrors(meta, "path"), ...commonErrors(meta, o.namespaced)];
  // Core v1 Events get only the generic pass.
  const finalizers = o.coreFinalizers === false ? [] : kubeFinalizerErrors(meta);
  const kindPass = o.kind === "Event" ? [] : [...nameErrors(meta, validator), ...finalizers];
  return dedupe([...generic, ...kindPass]);
}

/**
 * Update-time metadata checks (ValidateObjectMetaAccessorUpdate): no new finalizers while deleting,
 * generation not decremented, immutable identity fields. Complements validateObjectMeta on the new object;
 * the resourceVersion precondition is the storage layer's.
 */
export function validateUpdateMeta(old: KubeObject, obj: KubeObject, coreFinalizers = true): FieldCause[] {
  const was = metaOf(old);
  const now = metaOf(obj);
  const errs: FieldCause[] = [];
  if (was.deletionTimestamp != null) {
    const before = new Set(asStrings(was.finalizers));
    const added = [...new Set(asStrings(now.finalizers).filter((f) => !before.has(f)))].sort();
    if (added.length > 0) {
      errs.push(
        forbidden(
          child(META, "finalizers"),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  const generation = (m: Meta) => (typeof m.generation === "number" ? m.generation : 0);
  if (generation(now) < generation(was)) {
    errs.push(invalid(child(META, "generation"), generation(now), "must not be decremented"));
  }
  for (const field of ["name", "namespace", "uid"]) {
    if (asString(now[field]) !== asString(was[field]))
      errs.push(immutable(child(META, field), asString(now[field])));
  }
  if (goTime(now.creationTimestamp) !== goTime(was.creationTimestamp)) {
    errs.push(immutable(child(META, "creationTimestamp"), goSyntax(goTime(now.creationTimestamp))));
  }
  // *metav1.Time: nil prints as null, a set time through its String().
  const deletion = (m: Meta): BadValue =>
    m.deletionTimestamp == null ? null : goSyntax(goTime(m.deletionTimestamp));
  if (JSON.stringify(deletion(now)) !== JSON.stringify(deletion(was))) {
    errs.push(immutable(child(META, "deletionTimestamp"), deletion(now)));
  }
  if ((now.deletionGracePeriodSeconds ?? null) !== (was.deletionGracePeriodSeconds ?? null)) {
    const v = now.deletionGracePeriodSeconds;
    errs.push(immutable(child(META, "deletionGracePeriodSeconds"), typeof v === "number" ? v : null));
  }
  return coreFinalizers ? [...errs, ...kubeFinalizerErrors(now)] : errs;
}

/** metav1.Time's String(): Go's time.Time format, "2006-01-02 15:04:05 +0000 UTC" (zero time when unset). */
export function goTime(v: unknown): string {
  const ms = typeof v === "string" && v ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) return "0001-01-01 00:00:00 +0000 UTC";
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.120Z
  const fraction = iso.slice(19, 23).replace(/\.?0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`;
}

function nameErrors(meta: Meta, validator: NameValidator): FieldCause[] {
  const errs: FieldCause[] = [];
  const generateName = asString(meta.generateName);
  if (generateName) {
    for (const msg of validateName(validator, generateName, true)) {
      errs.push(invalid(child(META, "generateName"), generateName, msg));
    }
  }
  const name = asString(meta.name);
  if (!name) errs.push(required(child(META, "name"), "name or generateName is required"));
  else
    for (const msg of validateName(validator, name, false))
      errs.push(invalid(child(META, "name"), name, msg));
  return errs;
}

function commonErrors(meta: Meta, namespaced: boolean): FieldCause[] {
  const errs: FieldCause[] = [];
  const namespace = asString(meta.namespace);
  const nsPath = child(META, "namespace");
  if (namespaced) {
    if (!namespace) errs.push(required(nsPath));
    else for (const msg of isDNS1123Label(namespace)) errs.push(invalid(nsPath, namespace, msg));
  } else if (namespace) {
    errs.push(forbidden(nsPath, "not allowed on this type"));
  }
  if (typeof meta.generation === "number" && meta.generation < 0) {
    errs.push(invalid(child(META, "generation"), meta.generation, "must be greater than or equal to 0"));
  }
  errs.push(...validateLabels(meta.labels, child(META, "labels")));
  errs.push(...validateAnnotations(meta.annotations, child(META, "annotations")));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(META, "ownerReferences")));
  errs.push(...validateFinalizers(asStrings(meta.finalizers), child(META, "finalizers")));
  return errs;
}

/** v1validation.ValidateLabels: every key a qualified name, every value a label value. */
export function validateLabels(labels: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const [k, v] of Object.entries(asMap(labels))) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    for (const msg of isValidLabelValue(asString(v))) errs.push(invalid(path, asString(v), msg));
  }
  return errs;
}

/** apivalidation.ValidateAnnotations: qualified keys (case-insensitively), 256 KiB in total. */
export function validateAnnotations(annotations: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(asMap(annotations))) {
    // Annotation keys are qualified names, case-insensitively.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(asString(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** schema.FromAPIVersionAndKind's version: "v1" → v1, "apps/v1" → v1, anything unparsable → "". */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split("/");
  if (parts.length === 1) return parts[0];
  return parts.length === 2 ? parts[1] : "";
}

function ownerReferenceSyntax(ref: Record<string, unknown>): string {
  const pointer = (v: unknown) => (typeof v === "boolean" ? `(*bool)(${v})` : "(*bool)(nil)");
  return `v1.OwnerReference{APIVersion:${goQuote(asString(ref.apiVersion))}, Kind:${goQuote(asString(ref.kind))}, Name:${goQuote(asString(ref.name))}, UID:${goQuote(asString(ref.uid))}, Controller:${pointer(ref.controller)}, BlockOwnerDeletion:${pointer(ref.blockOwnerDeletion)}}`;
}

function validateOwnerReferences(value: unknown, path: string): FieldCause[] {
  const refs = asMaps(value);
  const errs: FieldCause[] = [];
  let firstController = "";
  for (const ref of refs) {
    const apiVersion = asString(ref.apiVersion);
    if (!versionOf(apiVersion))
      errs.push(invalid(child(path, "apiVersion"), apiVersion, "version must not be empty"));
    if (!asString(ref.kind)) errs.push(invalid(child(path, "kind"), asString(ref.kind), "must not be empty"));
    if (!asString(ref.name)) errs.push(invalid(child(path, "name"), asString(ref.name), "must not be empty"));
    if (!asString(ref.uid)) errs.push(invalid(child(path, "uid"), asString(ref.uid), "must not be empty"));
    if (apiVersion === "v1" && ref.kind === "Event") {
      errs.push(
        invalid(
          path,
          goSyntax(ownerReferenceSyntax(ref)),
          "/v1, Kind=Event is disallowed from being an owner",
        ),
      );
    }
    if (ref.controller === true) {
      const current = `${asString(ref.kind)}/${asString(ref.name)}`;
      if (firstController) {
        errs.push(
          invalid(
            path,
            goSyntax(`[]v1.OwnerReference{${refs.map(ownerReferenceSyntax).join(", ")}}`),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

/** apimachinery ValidateFinalizers: qualified names, and not both orphan and foregroundDeletion. */
export function validateFinalizers(finalizers: string[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg));
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    errs.push(
      invalid(
        path,
        goSyntax(goStringSlice(finalizers)),
        "finalizer orphan and foregroundDeletion cannot be both set",
      ),
    );
  }
  return errs;
}

/** core validateKubeFinalizerName: an unqualified finalizer must be a standard one. */
export function kubeFinalizerNameErrors(finalizer: string, path: string): FieldCause[] {
  if (finalizer.includes("/") || STANDARD_FINALIZERS.has(finalizer)) return [];
  return [invalid(path, finalizer, "name is neither a standard finalizer name nor is it fully qualified")];
}

function kubeFinalizerErrors(meta: Meta): FieldCause[] {
  return asStrings(meta.finalizers).flatMap((f, i) =>
    kubeFinalizerNameErrors(f, index(child(META, "finalizers"), i)),
  );
}
