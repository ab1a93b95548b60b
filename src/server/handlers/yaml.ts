import { yaml } from "../yaml.ts";

export function toYaml(obj: unknown): string {
  return yaml().stringify(obj, { lineWidth: 0 });
}
