// storage.k8s.io/v1 VolumeAttachment: validation (ValidateVolumeAttachment/Update, pkg/apis/storage/validation/
// validation.go; spec is immutable) and Table columns (printVolumeAttachment, pkg/printers/internalversion/
// printers.go). Status is its own subresource.
import { isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, deepEqual, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { forbidden, invalid, required } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { csiDriverNameErrors } from "./csi.ts";

const DOCS = {
  attacher:
    "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().",
  pv: "persistentVolumeName represents the name of the persistent volume to attach.",
  nodeName: "nodeName represents the node that the volume should be attached to.",
  attached:
    "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.",
};

export function validateVolumeAttachment(va: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(va.spec);
  const errs = csiDriverNameErrors(asString(spec.attacher), "spec.attacher");
  const source = asMap(spec.source);
  const hasPV = typeof source.persistentVolumeName === "string";
  const hasInline = isMap(source.inlineVolumeSpec);
  if (hasPV === hasInline)
    errs.push(
      invalid("spec.source", "", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"),
    );
  if (hasPV) {
    const pv = asString(source.persistentVolumeName);
    if (!pv)
      errs.push(required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"));
  }
  const nodeName = asString(spec.nodeName);
  if (!nodeName) errs.push(required("spec.nodeName"));
  else for (const msg of isDNS1123Subdomain(nodeName)) errs.push(invalid("spec.nodeName", nodeName, msg));
  const status = asMap(va.status);
  if (!status.attached && status.attachmentMetadata && Object.keys(asMap(status.attachmentMetadata)).length)
    errs.push(forbidden("status.attachmentMetadata", "should be empty if attached is false"));
  // ValidateVolumeAttachmentUpdate: the spec never changes once created.
  if (old && !deepEqual(va.spec, old.spec)) errs.push(invalid("spec", "", "field is immutable"));
  return errs;
}

export const volumeAttachment: ResourceDef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "volumeattachments",
  singular: "volumeattachment",
  kind: "VolumeAttachment",
  listKind: "VolumeAttachmentList",
  namespaced: false,
  verbs: CRUD,
  subresources: [{ name: "status", kind: "VolumeAttachment", verbs: GET_PATCH_UPDATE }],
  generation: false, // volumeattachment strategy.go never sets it
  validate: validateVolumeAttachment,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Attacher", "string", DOCS.attacher, { format: "name" }),
      column("PV", "string", DOCS.pv),
      column("Node", "string", DOCS.nodeName),
      column("Attached", "boolean", DOCS.attached),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      return [
        nameOf(obj),
        asString(spec.attacher),
        asString(asMap(spec.source).persistentVolumeName),
        asString(spec.nodeName),
        asMap(obj.status).attached === true,
        age(obj, now),
      ];
    },
  },
};
