// What the server knows about the Kubernetes Go types, in one place: the tables generated from
// k8s.io/api, apimachinery, apiextensions-apiserver and kube-aggregator (scripts/gen-typeinfo.ts),
// and the lookups built on them. The protobuf decoder, typed JSON decoding, strategic-merge patch
// metadata and the OpenAPI extensions all read these; nothing about a Go type is kept by hand.
import {
  buildSchemas,
  type FieldSpec,
  type MessageSchema,
  type PackageTable,
} from "../http/protobuf/schema.ts";
import { PACKAGES, UPSTREAM_TAG } from "./generated/index.ts";
import type { FieldFacts, GeneratedPackage } from "./package.ts";

export type { FieldFacts, GeneratedPackage } from "./package.ts";
export { PACKAGES, UPSTREAM_TAG };

const packageOf = new Map(PACKAGES.map((p) => [p.package, p]));

/** "Name|a|b" lines → name → the rest split at "|". */
function lines(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [name, ...rest] = line.split("|");
    out.set(name, rest.filter(Boolean)); // "Name|": a message without fields
  }
  return out;
}

function table(p: GeneratedPackage): PackageTable {
  const messages: PackageTable["messages"] = {};
  for (const [name, specs] of lines(p.messages)) {
    messages[name] = Object.fromEntries(
      specs.map((s) => [Number(s.slice(0, s.indexOf("="))), s.slice(s.indexOf("=") + 1)]),
    );
  }
  return { package: p.package, messages };
}

let tables: readonly PackageTable[] | undefined;

/** The message tables in the protobuf decoder's PackageTable form. */
function packageTables(): readonly PackageTable[] {
  tables ??= PACKAGES.map(table);
  return tables;
}

let schemas: ReadonlyMap<string, MessageSchema> | undefined;

/** Every message, parsed on first use (a malformed table fails the first caller, and every test). */
export function messageSchemas(): ReadonlyMap<string, MessageSchema> {
  schemas ??= buildSchemas(packageTables());
  return schemas;
}

const factsOfPackage = new Map<string, Map<string, Record<string, FieldFacts>>>();

function ownFacts(p: GeneratedPackage, name: string): Readonly<Record<string, FieldFacts>> | undefined {
  let facts = factsOfPackage.get(p.package);
  if (!facts) {
    facts = new Map([...lines(p.fields)].map(([m, [json]]) => [m, JSON.parse(json)]));
    factsOfPackage.set(p.package, facts);
  }
  return facts.get(name);
}

let kinds: Map<string, Map<string, string>> | undefined;

/** apiVersion → kind → qualified message, for every package that is a served group version. */
function kindTable(): Map<string, Map<string, string>> {
  if (!kinds) {
    kinds = new Map();
    for (const p of PACKAGES) {
      if (p.groupVersion === undefined) continue;
      kinds.set(p.groupVersion, new Map(p.kinds.map((k) => [k, `${p.package}.${k}`])));
    }
  }
  return kinds;
}

/** The message of a kind (list kinds included), or undefined when no served group version has it. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  // metav1.DeleteOptions is registered in every group version under the group's apiVersion.
  if (kind === "DeleteOptions") return "meta.DeleteOptions";
  return kindTable().get(apiVersion)?.get(kind);
}

/** The message of a group's kind: the given version, else the first (preferred) version having it. */
export function messageForGroupKind(group: string, kind: string, version?: string): string | undefined {
  for (const gv of kindTable().keys()) {
    const [g, v] = gv.includes("/") ? gv.split("/") : ["", gv];
    if (g !== group || (version !== undefined && v !== version)) continue;
    const message = kindTable().get(gv)?.get(kind);
    if (message) return message;
  }
  return undefined;
}

function split(message: string): [GeneratedPackage | undefined, string] {
  const dot = message.indexOf(".");
  return [packageOf.get(message.slice(0, dot)), message.slice(dot + 1)];
}

/** reflect.Type.String() of a message's Go type: "v1.PodSpec", "v2.MetricSpec", "resource.Quantity". */
export function goTypeName(message: string): string {
  const [pkg, name] = split(message);
  return `${pkg ? pkg.go.slice(pkg.go.lastIndexOf("/") + 1) : "?"}.${name}`;
}

/** Whether a message's JSON form is not its fields (MarshalJSON, or a Go non-struct type). */
export function hasCustomJson(message: string): boolean {
  const [pkg, name] = split(message);
  return pkg?.customJson.includes(name) ?? false;
}

/** Whether a message is a Go `[]string` type carried in a wrapper message (authentication's ExtraValue). */
export function isStringList(message: string): boolean {
  const [pkg, name] = split(message);
  return pkg?.stringLists.includes(name) ?? false;
}

/** The OpenAPI model prefix of a Go package: "k8s.io/api/core/v1" → "io.k8s.api.core.v1". */
function modelPrefix(go: string): string {
  const [domain, ...rest] = go.split("/");
  return [...domain.split(".").reverse(), ...rest].join(".");
}

const packageOfModelPrefix = new Map(PACKAGES.map((p) => [modelPrefix(p.go), p]));

/** The message an upstream OpenAPI model name stands for, if the tables have it. */
export function messageOfModel(model: string): string | undefined {
  const dot = model.lastIndexOf(".");
  const pkg = packageOfModelPrefix.get(model.slice(0, dot));
  const name = model.slice(dot + 1);
  return pkg && messageSchemas().has(`${pkg.package}.${name}`) ? `${pkg.package}.${name}` : undefined;
}

const flattened = new Map<string, Map<string, FieldSpec>>();

/** metav1.TypeMeta's members: JSON fields without a protobuf number (the envelope carries them). */
const TYPE_META: FieldSpec[] = ["apiVersion", "kind"].map((name) => ({
  number: 0,
  name,
  type: { scalar: "string" },
  repeated: false,
  keep: false,
  inline: false,
}));

/** A message's fields by JSON name, inline members' fields included (as Go's encoding/json sees them). */
export function jsonFields(message: string): ReadonlyMap<string, FieldSpec> {
  let fields = flattened.get(message);
  if (!fields) {
    const [pkg, name] = split(message);
    fields = new Map(pkg?.typeMeta.includes(name) ? TYPE_META.map((f) => [f.name, f]) : []);
    for (const f of messageSchemas().get(message)?.fields.values() ?? []) {
      if (f.inline && "message" in f.type) for (const [k, v] of jsonFields(f.type.message)) fields.set(k, v);
      else fields.set(f.name, f);
    }
    flattened.set(message, fields);
  }
  return fields;
}

const NO_FACTS: Readonly<Record<string, FieldFacts>> = Object.freeze({});
const factsCache = new Map<string, Readonly<Record<string, FieldFacts>>>();

/** JSON field → patch/list facts of a message, inline members' fields included. */
export function fieldFacts(message: string): Readonly<Record<string, FieldFacts>> {
  const cached = factsCache.get(message);
  if (cached) return cached;
  const [pkg, name] = split(message);
  const own = (pkg && ownFacts(pkg, name)) ?? NO_FACTS;
  const inline = [...(messageSchemas().get(message)?.fields.values() ?? [])].flatMap((f) =>
    f.inline && "message" in f.type ? [f.type.message] : [],
  );
  const facts = inline.length === 0 ? own : Object.assign({}, ...inline.map(fieldFacts), own);
  factsCache.set(message, facts);
  return facts;
}
