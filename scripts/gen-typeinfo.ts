// Generates src/server/typeinfo/generated/*.ts: what the server knows about the Kubernetes Go types
// (protobuf messages, JSON names and omitempty/pointer facts, strategic-merge patch tags, list/map
// markers, which types are kinds), derived from the upstream Go sources instead of kept by hand.
//
// Sources, read from bare git mirrors at one tag (nothing upstream is copied into the repo):
//   k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver, k8s.io/kube-aggregator, k8s.io/metrics
//   <dir>/generated.proto  message names, field numbers, wire types, cardinality, cross-package refs
//   <dir>/*.go             struct tags (json name, omitempty, protobuf number, patchStrategy,
//                          patchMergeKey), pointer fields, +listType/+listMapKey/+mapType/+structType markers,
//                          +k8s:deepcopy-gen:interfaces=...runtime.Object (a kind), MarshalJSON
//                          methods and non-struct types (a custom JSON form), +groupName
//
// Usage: node scripts/gen-typeinfo.ts [--check]
//   MIRRORS=/work/.mirror (default) holds <owner>+<repo>/repo bare mirrors; TAG=v0.33.0 (default).
//   --check: exit 1 when the committed files differ from what would be generated.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TAG = process.env.TAG ?? "v0.33.0";
const MIRRORS = process.env.MIRRORS ?? "/work/.mirror";
const OUT = join(dirname(fileURLToPath(import.meta.url)), "../src/server/typeinfo/generated");

interface Source {
  /** Short package name used in qualified message names ("core.PodSpec"). */
  short: string;
  mirror: string;
  /** Directory inside the mirror. */
  dir: string;
  /** Go import path (also gives the OpenAPI model prefix). */
  go: string;
  /** The API version, for packages that are served group versions. */
  version?: string;
}

const API = "kubernetes+api";
const MACHINERY = "kubernetes+apimachinery";
const api = (short: string, dir: string): Source => ({
  short,
  mirror: API,
  dir,
  go: `k8s.io/api/${dir}`,
  version: dir.split("/")[1],
});

// Order matters where two versions of one group both define a kind: the first is the group's
// preferred version (patchSchemaFor has no version argument by default).
const SOURCES: Source[] = [
  { short: "meta", mirror: MACHINERY, dir: "pkg/apis/meta/v1", go: "k8s.io/apimachinery/pkg/apis/meta/v1" },
  { short: "intstr", mirror: MACHINERY, dir: "pkg/util/intstr", go: "k8s.io/apimachinery/pkg/util/intstr" },
  {
    short: "resource",
    mirror: MACHINERY,
    dir: "pkg/api/resource",
    go: "k8s.io/apimachinery/pkg/api/resource",
  },
  { short: "runtime", mirror: MACHINERY, dir: "pkg/runtime", go: "k8s.io/apimachinery/pkg/runtime" },
  {
    short: "schema",
    mirror: MACHINERY,
    dir: "pkg/runtime/schema",
    go: "k8s.io/apimachinery/pkg/runtime/schema",
  },
  api("core", "core/v1"),
  api("apps", "apps/v1"),
  api("batch", "batch/v1"),
  api("autoscalingv2", "autoscaling/v2"),
  api("autoscaling", "autoscaling/v1"),
  api("policy", "policy/v1"),
  api("networking", "networking/v1"),
  api("events", "events/v1"),
  api("storage", "storage/v1"),
  api("scheduling", "scheduling/v1"),
  api("node", "node/v1"),
  api("certificates", "certificates/v1"),
  api("admissionregistration", "admissionregistration/v1"),
  api("admission", "admission/v1"),
  api("authn", "authentication/v1"),
  api("authnv1beta1", "authentication/v1beta1"), // SelfSubjectReview for kubectl 1.27 auth whoami
  api("authnv1alpha1", "authentication/v1alpha1"), // and for kubectl 1.26
  api("authz", "authorization/v1"),
  api("discovery", "discovery/v1"),
  api("rbac", "rbac/v1"),
  api("coordination", "coordination/v1"),
  api("flowcontrol", "flowcontrol/v1"),
  {
    short: "apiextensions",
    mirror: "kubernetes+apiextensions-apiserver",
    dir: "pkg/apis/apiextensions/v1",
    go: "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1",
    version: "v1",
  },
  {
    short: "apiregistration",
    mirror: "kubernetes+kube-aggregator",
    dir: "pkg/apis/apiregistration/v1",
    go: "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1",
    version: "v1",
  },
  {
    short: "metrics",
    mirror: "kubernetes+metrics",
    dir: "pkg/apis/metrics/v1beta1",
    go: "k8s.io/metrics/pkg/apis/metrics/v1beta1",
    version: "v1beta1",
  },
];

// ---------------------------------------------------------------------------------------------
// Reading the mirrors

function git(mirror: string, ...args: string[]): string {
  return execFileSync("git", ["-C", join(MIRRORS, mirror, "repo"), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

function show(src: Source, file: string): string {
  return git(src.mirror, "show", `${TAG}:${src.dir}/${file}`);
}

function goFiles(src: Source): string[] {
  return git(src.mirror, "ls-tree", "--name-only", `${TAG}:${src.dir}`)
    .split("\n")
    .filter((f) => f.endsWith(".go") && !/(_test|_fuzz|^zz_generated|^generated\.pb)\.go$|^zz_/.test(f));
}

// ---------------------------------------------------------------------------------------------
// generated.proto

interface ProtoField {
  number: number;
  name: string;
  label: "optional" | "repeated" | "map";
  /** Scalar name or fully qualified message name (".k8s.io.api.core.v1.PodSpec" → resolved later). */
  type: string;
  mapValue?: string;
}

interface ProtoFile {
  package: string;
  messages: Map<string, ProtoField[]>;
}

function parseProto(text: string): ProtoFile {
  const pkg = /^package ([\w.]+);/m.exec(text)?.[1];
  if (!pkg) throw new Error("generated.proto without a package");
  const messages = new Map<string, ProtoField[]>();
  let current: ProtoField[] | undefined;
  let depth = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    const open = /^message (\w+) \{$/.exec(line);
    if (open) {
      if (depth !== 0) throw new Error(`nested message ${open[1]} is not supported`);
      current = [];
      messages.set(open[1], current);
      depth = 1;
      continue;
    }
    if (line === "}") {
      depth--;
      if (depth === 0) current = undefined;
      continue;
    }
    if (!current) continue;
    const map = /^map<string, ([\w.]+)> (\w+) = (\d+);$/.exec(line);
    if (map) {
      current.push({ number: Number(map[3]), name: map[2], label: "map", type: "", mapValue: map[1] });
      continue;
    }
    const field = /^(optional|repeated) ([\w.]+) (\w+) = (\d+)(?: \[[^\]]*\])?;$/.exec(line);
    if (!field) throw new Error(`unparsed proto line: ${line}`);
    current.push({
      number: Number(field[4]),
      name: field[3],
      label: field[1] as "optional" | "repeated",
      type: field[2],
    });
  }
  return { package: pkg, messages };
}

// ---------------------------------------------------------------------------------------------
// Go sources: struct fields with their tags and markers

interface GoField {
  name: string;
  /** The Go type expression: "*int32", "[]Container", "metav1.ObjectMeta", "map[string]string". */
  type: string;
  json?: string;
  omitempty: boolean;
  inline: boolean;
  protobufNumber?: number;
  patchStrategy?: string;
  patchMergeKey?: string;
  markers: Map<string, string[]>;
}

interface GoType {
  name: string;
  struct: boolean;
  fields: GoField[];
  markers: Map<string, string[]>;
  customJson: boolean;
}

/** "+listType=map" lines of a comment block → marker → values (a marker may repeat: +listMapKey). */
function markersOf(comments: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of comments) {
    const m = /^\+([\w:.-]+)(?:=(.*))?$/.exec(c.trim());
    if (!m) continue;
    const values = out.get(m[1]) ?? [];
    values.push((m[2] ?? "").trim());
    out.set(m[1], values);
  }
  return out;
}

function tagValue(tag: string, key: string): string | undefined {
  return new RegExp(`(?:^|\\s)${key}:"([^"]*)"`).exec(tag)?.[1];
}

function parseGo(text: string, types: Map<string, GoType>, customJson: Set<string>): void {
  const lines = text.split("\n");
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("//")) {
      comments.push(line.replace(/^\/\/\s?/, ""));
      continue;
    }
    // gengo reads a type's markers from its comment and the block above it (after a blank line).
    if (!line) continue;
    const marshal = /^func \(\w+ \*?(\w+)\) MarshalJSON\(\)/.exec(line);
    if (marshal) customJson.add(marshal[1]);
    const struct = /^type (\w+) struct \{$/.exec(line);
    const empty = /^type (\w+) struct\s*\{\s*\}$/.exec(line);
    const other = struct || empty ? null : /^type (\w+) ([^=].*)$/.exec(line);
    if (empty) {
      types.set(empty[1], {
        name: empty[1],
        struct: true,
        fields: [],
        markers: markersOf(comments),
        customJson: false,
      });
    } else if (struct) {
      const t: GoType = {
        name: struct[1],
        struct: true,
        fields: [],
        markers: markersOf(comments),
        customJson: false,
      };
      comments = [];
      let depth = 1;
      for (i++; i < lines.length; i++) {
        const l = lines[i].trim();
        if (l.startsWith("//")) {
          comments.push(l.replace(/^\/\/\s?/, ""));
          continue;
        }
        if (l.endsWith("{")) depth++;
        if (l.startsWith("}")) depth--;
        if (depth === 0) break;
        if (depth === 1 && l) t.fields.push(parseGoField(l, comments));
        comments = [];
      }
      types.set(t.name, t);
    } else if (other && !other[2].startsWith("(")) {
      types.set(other[1], {
        name: other[1],
        struct: false,
        fields: [{ name: "", type: other[2].trim(), omitempty: false, inline: false, markers: new Map() }],
        markers: markersOf(comments),
        customJson: false,
      });
    }
    comments = [];
  }
}

function parseGoField(line: string, comments: string[]): GoField {
  const tag = /`([^`]*)`/.exec(line)?.[1] ?? "";
  const decl = line
    .replace(/`[^`]*`.*$/, "")
    .replace(/\/\/.*$/, "")
    .trim();
  const parts = decl.split(/\s+/);
  const [name, type] =
    parts.length >= 2 ? [parts[0], parts.slice(1).join(" ")] : [decl.replace(/^\*?(\w+\.)?/, ""), decl];
  const json = tagValue(tag, "json");
  const [jsonName, ...jsonOptions] = (json ?? "").split(",");
  const protobuf = tagValue(tag, "protobuf");
  return {
    name,
    type,
    json: json === undefined ? undefined : jsonName,
    omitempty: jsonOptions.includes("omitempty"),
    inline: jsonOptions.includes("inline"),
    protobufNumber: protobuf && protobuf !== "-" ? Number(protobuf.split(",")[1]) : undefined,
    patchStrategy: tagValue(tag, "patchStrategy"),
    patchMergeKey: tagValue(tag, "patchMergeKey"),
    markers: markersOf(comments),
  };
}

// ---------------------------------------------------------------------------------------------
// Joining proto and Go into our tables

export interface PackageOut {
  src: Pick<Source, "short" | "go" | "version">;
  proto: ProtoFile;
  group?: string;
  messages: Record<string, Record<number, string>>;
  /** JSON field → patch/list facts, per message (own fields only; inline members keep theirs). */
  fields: Record<string, Record<string, FieldFacts>>;
  kinds: string[];
  customJson: string[];
  stringLists: string[];
  typeMeta: string[];
}

interface FieldFacts {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
  structType?: string;
}

const SCALARS = new Set(["string", "bytes", "bool", "int32", "int64", "double"]);

export interface ParsedPackage {
  proto: ProtoFile;
  types: Map<string, GoType>;
  /** register.go's GroupName, for API packages. */
  group?: string;
}

/** Parses one package's generated.proto and Go sources. */
export function parsePackage(protoText: string, goTexts: string[]): ParsedPackage {
  const proto = parseProto(protoText);
  const types = new Map<string, GoType>();
  const customJson = new Set<string>();
  let group: string | undefined;
  for (const text of goTexts) {
    group ??= /^const GroupName = "([\w.-]*)"$/m.exec(text)?.[1];
    parseGo(text, types, customJson);
  }
  for (const name of customJson) {
    const t = types.get(name);
    if (t) t.customJson = true;
  }
  return { proto, types, group };
}

function load(src: Source): ParsedPackage {
  return parsePackage(
    show(src, "generated.proto"),
    goFiles(src).map((file) => show(src, file)),
  );
}

function build(): PackageOut[] {
  const loaded = SOURCES.map((src) => ({ src, parsed: load(src) }));
  const shortOfProto = new Map(loaded.map((l) => [l.parsed.proto.package, l.src.short]));
  // Types marked +structType=atomic, by full proto name: a field of such a type (often in another
  // package: metav1.LabelSelector) is one leaf to server-side apply.
  const atomicStructs = new Set<string>();
  for (const { parsed } of loaded)
    for (const [name, t] of parsed.types)
      if (t.markers.get("structType")?.[0] === "atomic") atomicStructs.add(`${parsed.proto.package}.${name}`);
  return loaded.map(({ src, parsed }) => derivePackage(src, parsed, shortOfProto, atomicStructs));
}

/** Joins a package's proto messages with its Go structs into our tables. `shortOfProto` names the
 * packages other messages may refer to (proto package → short name). */
export function derivePackage(
  src: PackageOut["src"],
  { proto, types, group }: ParsedPackage,
  shortOfProto: ReadonlyMap<string, string>,
  atomicStructs: ReadonlySet<string> = new Set(),
): PackageOut {
  const ref = (type: string): string => {
    if (SCALARS.has(type)) return type;
    if (!type.startsWith(".")) {
      if (!proto.messages.has(type)) throw new Error(`${src.short}: unknown message ${type}`);
      return type;
    }
    const at = type.lastIndexOf(".");
    const pkg = type.slice(1, at);
    const short = shortOfProto.get(pkg);
    if (!short) throw new Error(`${src.short}: message ${type} is in a package not listed in SOURCES`);
    return short === src.short ? type.slice(at + 1) : `${short}.${type.slice(at + 1)}`;
  };
  const pkg: PackageOut = {
    src,
    proto,
    group,
    messages: {},
    fields: {},
    kinds: [],
    customJson: [],
    stringLists: [],
    typeMeta: [],
  };
  for (const [message, protoFields] of [...proto.messages].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const goType = types.get(message);
    // A custom JSON form (MarshalJSON) or a Go non-struct type (ExtraValue []string) carried in a
    // wrapper message: the decoder reads the proto fields as they are, a converter makes the JSON.
    // A proto field without a tagged Go field means the message is written by hand around a Go
    // type with its own JSON form (Quantity's QuantityValue embeds Quantity and its MarshalJSON).
    const custom =
      !goType?.struct ||
      goType.customJson ||
      protoFields.some((pf) => !goType.fields.some((f) => f.protobufNumber === pf.number));
    if (custom) pkg.customJson.push(message);
    // `type ExtraValue []string`: go-to-protobuf wraps the slice as {repeated string items = 1}.
    if (goType && !goType.struct && goType.fields[0].type === "[]string") pkg.stringLists.push(message);
    // `metav1.TypeMeta json:",inline"` has no protobuf tag (the envelope carries it) but its
    // apiVersion and kind are JSON fields of the struct, wherever it is nested.
    if (
      goType?.fields.some((f) => f.inline && /(^|\.)TypeMeta$/.test(f.type) && f.protobufNumber === undefined)
    ) {
      pkg.typeMeta.push(message);
    }
    const specs: Record<number, string> = {};
    const facts: Record<string, FieldFacts> = {};
    for (const pf of protoFields) {
      const type =
        pf.label === "map"
          ? `map<string,${ref(pf.mapValue!)}>`
          : `${ref(pf.type)}${pf.label === "repeated" ? "[]" : ""}`;
      if (custom) {
        // Every scalar is kept (a converter needs to see what was on the wire), except bytes: an
        // empty Raw of FieldsV1/RawExtension/JSON is Go's nil, which marshals as null.
        const keep = pf.label === "optional" && SCALARS.has(pf.type) && pf.type !== "bytes";
        specs[pf.number] = `${pf.name} ${type}${keep ? " keep" : ""}`;
        continue;
      }
      const gf = goType.fields.find((f) => f.protobufNumber === pf.number)!;
      const inline = gf.inline;
      const name = inline || !gf.json ? pf.name : gf.json;
      // keep: encoding/json writes the zero value (no omitempty) or the field is a pointer (nil
      // is the only "absent"); only scalar singular fields are ever dropped as zero.
      const scalar = pf.label === "optional" && SCALARS.has(pf.type);
      const keep = scalar && (!gf.omitempty || gf.type.startsWith("*"));
      const proto = name !== pf.name && !inline ? ` proto=${pf.name}` : "";
      specs[pf.number] = `${name} ${type}${keep ? " keep" : ""}${inline ? " inline" : ""}${proto}`;
      const full = pf.type.startsWith(".") ? pf.type.slice(1) : `${pkg.proto.package}.${pf.type}`;
      // A list of atomic structs is not atomic itself (its items are: not recorded here).
      const f = fieldFacts(gf, types, pf.label === "optional" && atomicStructs.has(full));
      if (f && !inline) facts[name] = f;
    }
    pkg.messages[message] = specs;
    if (Object.keys(facts).length > 0) pkg.fields[message] = facts;
    if (goType?.markers.get("k8s:deepcopy-gen:interfaces")?.some((v) => v.endsWith("runtime.Object"))) {
      pkg.kinds.push(message);
    }
  }
  return pkg;
}

/** The Go element/value type a field's markers may also sit on (`type ValidationRules []ValidationRule`). */
function namedType(goType: string, types: Map<string, GoType>): GoType | undefined {
  return types.get(goType.replace(/^\*/, ""));
}

function fieldFacts(gf: GoField, types: Map<string, GoType>, atomicStruct = false): FieldFacts | undefined {
  const named = namedType(gf.type, types);
  const marker = (m: string) => gf.markers.get(m) ?? named?.markers.get(m);
  const f: FieldFacts = {};
  if (gf.patchStrategy) f.patchStrategy = gf.patchStrategy;
  if (gf.patchMergeKey) f.patchMergeKey = gf.patchMergeKey;
  const listType = marker("listType")?.[0];
  if (listType) f.listType = listType;
  const keys = marker("listMapKey");
  if (keys?.length) f.listMapKeys = keys;
  const mapType = marker("mapType")?.[0];
  if (mapType) f.mapType = mapType;
  const structType = marker("structType")?.[0] ?? (atomicStruct ? "atomic" : undefined);
  if (structType) f.structType = structType;
  return Object.keys(f).length > 0 ? f : undefined;
}

// ---------------------------------------------------------------------------------------------
// Writing

function header(sources: string): string {
  return [
    `// GENERATED by scripts/gen-typeinfo.ts from upstream Go sources at ${TAG}: do not edit.`,
    `// Source: ${sources}`,
    "// Regenerate: node scripts/gen-typeinfo.ts (MIRRORS=<dir of bare git mirrors>, TAG=<tag>).",
    "",
  ].join("\n");
}

function render(p: PackageOut): string {
  const { src } = p;
  const lines = [header(`${src.go} (generated.proto + *.go struct tags and markers)`)];
  lines.push(`import type { GeneratedPackage } from "../package.ts";`, "");
  lines.push(`export const PACKAGE: GeneratedPackage = {`);
  lines.push(`  package: ${JSON.stringify(src.short)},`);
  lines.push(`  proto: ${JSON.stringify(p.proto.package)},`);
  lines.push(`  go: ${JSON.stringify(src.go)},`);
  if (p.group !== undefined && src.version) {
    lines.push(`  groupVersion: ${JSON.stringify(p.group ? `${p.group}/${src.version}` : src.version)},`);
  }
  lines.push(`  kinds: ${JSON.stringify(p.kinds)},`);
  lines.push(`  customJson: ${JSON.stringify(p.customJson)},`);
  lines.push(`  stringLists: ${JSON.stringify(p.stringLists)},`);
  lines.push(`  typeMeta: ${JSON.stringify(p.typeMeta)},`);
  // Tables as text, one message per line: Node strips the types of a string in no time, where an
  // object literal of this size costs tens of milliseconds at every start (parsed on first use).
  const messageLines = Object.entries(p.messages).map(
    ([m, fields]) =>
      `${m}|${Object.entries(fields)
        .map(([n, spec]) => `${n}=${spec}`)
        .join("|")}`,
  );
  lines.push(`  messages: ${textBlock(messageLines)},`);
  const factLines = Object.entries(p.fields).map(([m, facts]) => `${m}|${JSON.stringify(facts)}`);
  lines.push(`  fields: ${textBlock(factLines)},`);
  lines.push(`};`, "");
  return lines.join("\n");
}

function textBlock(lines: string[]): string {
  for (const l of lines) if (/`|\\|\$\{/.test(l)) throw new Error(`cannot write ${l} in a template literal`);
  return lines.length === 0 ? '""' : `\`\n${lines.join("\n")}\n\``;
}

function renderIndex(pkgs: PackageOut[]): string {
  const lines = [
    header(
      pkgs
        .map((p) => p.src.go.split("/").slice(0, 2).join("/"))
        .filter((v, i, a) => a.indexOf(v) === i)
        .join(", "),
    ),
  ];
  lines.push(`import type { GeneratedPackage } from "../package.ts";`);
  for (const short of pkgs.map((p) => p.src.short).sort()) {
    lines.push(`import { PACKAGE as ${ident(short)} } from "./${short}.ts";`);
  }
  lines.push("");
  lines.push(`export const UPSTREAM_TAG = ${JSON.stringify(TAG)};`, "");
  lines.push(
    `export const PACKAGES: readonly GeneratedPackage[] = [${pkgs.map((p) => ident(p.src.short)).join(", ")}];`,
    "",
  );
  return lines.join("\n");
}

function ident(short: string): string {
  return short.toUpperCase();
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Writes the files into `dir` and formats them as the repository's biome.json says. */
function writeFormatted(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  execFileSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", dir], {
    cwd: ROOT,
    stdio: "ignore",
  });
}

/** Whether `a` and `b` hold the same files with the same contents (names of differing files logged). */
function sameFiles(a: string, b: string): boolean {
  const read = (dir: string, name: string) => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch {
      return undefined;
    }
  };
  let same = true;
  for (const name of new Set([...readdirSync(a), ...readdirSync(b)])) {
    if (read(a, name) !== read(b, name)) {
      console.error(`stale: src/server/typeinfo/generated/${name}`);
      same = false;
    }
  }
  return same;
}

function main(): void {
  const pkgs = build();
  const files = new Map<string, string>(pkgs.map((p) => [`${p.src.short}.ts`, render(p)]));
  files.set("index.ts", renderIndex(pkgs));
  if (process.argv.includes("--check")) {
    const fresh = `${OUT}.check`;
    writeFormatted(fresh, files);
    const same = sameFiles(fresh, OUT);
    rmSync(fresh, { recursive: true, force: true });
    process.exit(same ? 0 : 1);
  }
  writeFormatted(OUT, files);
  const total = readdirSync(OUT).reduce((n, f) => n + readFileSync(join(OUT, f)).length, 0);
  console.log(`wrote ${files.size} files (${total} bytes) to ${OUT}`);
}

// Run as a script, not when a test imports the parsing and joining above.
if (process.argv[1] === fileURLToPath(import.meta.url)) main();
