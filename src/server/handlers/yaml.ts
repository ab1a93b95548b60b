import { stringify } from "yaml";

export function toYaml(obj: unknown): string {
  return stringify(obj, { lineWidth: 0 });
}
