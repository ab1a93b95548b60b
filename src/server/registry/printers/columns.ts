// Column definitions as printers.go declares them; descriptions are the API field docs (SwaggerDoc).
import type { TableColumn } from "../tables.ts";

export const OBJECT_META_DOCS = {
  name: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  creationTimestamp:
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

export function column(
  name: string,
  type: string,
  description: string,
  o: { format?: string; priority?: number } = {},
): TableColumn {
  return { name, type, format: o.format ?? "", description, priority: o.priority ?? 0 };
}

/** A column shown only with -o wide. */
export const wide = (name: string, type: string, description: string, format = "") =>
  column(name, type, description, { format, priority: 1 });

export const NAME_COLUMN = column("Name", "string", OBJECT_META_DOCS.name, { format: "name" });
export const AGE_COLUMN = column("Age", "string", OBJECT_META_DOCS.creationTimestamp);
