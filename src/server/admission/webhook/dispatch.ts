// Admission webhooks: which webhooks a request calls (k8s.io/apiserver pkg/admission/plugin/webhook/
// generic/webhook.go ShouldCallHook), and the calls themselves with their failure handling:
// mutating/dispatcher.go (in order, JSON patches applied, IfNeeded reinvocation) and
// validating/dispatcher.go (in parallel, the first refusal in webhook order wins). Error texts are
// upstream's (webhook/errors/statuserror.go, util/webhook/error.go).
import { Agent } from "node:https";
import type { Logger } from "pino";
import { qualifiedResource, Status, type Status as StatusT } from "../../../meta/status.ts";
import type { KubeObject, StoredObject } from "../../../meta/types.ts";
import { ApiStatusError } from "../../http/errors.ts";
import { decodeForWrite } from "../../registry/decode.ts";
import { asList, asMap, asMaps, asString, deepEqual, isMap, type Json } from "../../registry/json-access.ts";
import { applyJsonPatch, type JsonPatchOperation } from "../../registry/json-patch.ts";
import type { Store } from "../../storage/index.ts";
import { type AdmissionVariable, toCel } from "../policy/cel.ts";
import type { AdmissionPlugin, AdmissionRequest } from "../types.ts";
import { type Attributes, attributesOf, isExemptConfigurationResource } from "./attributes.ts";
import { postReview, WebhookCallError } from "./client.ts";
import {
  type CompiledCondition,
  compileConditions,
  evaluateConditions,
  matchNamespaceSelector,
  matchObjectSelector,
  parseSelector,
} from "./matchers.ts";
import { type AdmissionResponse, buildReview, requestFields, verifyResponse } from "./review.ts";
import { ruleMatches } from "./rules.ts";
import { WatchedConfigs } from "./source.ts";

/** One webhook of a configuration, parsed once when the configuration changes. */
export interface Hook {
  /** Stable identity for reinvocation: configuration name and index. */
  uid: string;
  name: string;
  spec: Json;
  failurePolicy: string;
  namespaceSelector: ReturnType<typeof parseSelector>;
  objectSelector: ReturnType<typeof parseSelector>;
  conditions: CompiledCondition[];
}

const MATCH_CONDITION_VARIABLES: AdmissionVariable[] = ["object", "oldObject", "request", "authorizer"];

export function compileHooks(obj: StoredObject): Hook[] {
  return asMaps((obj as Json).webhooks).map((spec, i) => ({
    uid: `${obj.metadata.name}/${i}`,
    name: asString(spec.name),
    spec,
    failurePolicy: asString(spec.failurePolicy) || "Fail",
    namespaceSelector: parseSelector(spec.namespaceSelector),
    objectSelector: parseSelector(spec.objectSelector),
    conditions: compileConditions(spec.matchConditions, MATCH_CONDITION_VARIABLES),
  }));
}

/** ErrCallingWebhook: the call itself failed; the failure policy decides. */
class CallingError extends Error {
  readonly hook: string;
  constructor(hook: string, reason: string) {
    super(`failed calling webhook ${JSON.stringify(hook)}: ${reason}`);
    this.hook = hook;
  }
}

/** admission.NewForbidden's name: the request's, else the object's name or generateName, else "Unknown". */
export function forbiddenName(a: Attributes): string {
  if (a.name) return a.name;
  const meta = a.object?.metadata;
  return meta?.name || meta?.generateName || "Unknown";
}

/** apierrors.NewForbidden(resource, name, err). */
export function forbidden(a: Attributes, name: string, message: string): StatusT {
  const qr = qualifiedResource(a.resource.resource, a.resource.group);
  const text = name
    ? `${qr} ${JSON.stringify(name)} is forbidden: ${message}`
    : `${qr} is forbidden: ${message}`;
  return Status.forbidden(text, a.resource.resource, a.resource.group, name);
}

/** webhookerrors.ToStatusErr: a refusal as the webhook worded it, never below 400. */
export function toStatusErr(hookName: string, result: Json | undefined): StatusT {
  const r = result ?? {};
  const deniedBy = `admission webhook ${JSON.stringify(hookName)} denied the request`;
  const code = typeof r.code === "number" && r.code >= 400 ? r.code : 400;
  const message = asString(r.message)
    ? `${deniedBy}: ${asString(r.message)}`
    : asString(r.reason)
      ? `${deniedBy}: ${asString(r.reason)}`
      : `${deniedBy} without explanation`;
  const status: Json = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message };
  if (asString(r.reason)) status.reason = asString(r.reason);
  if (isMap(r.details)) status.details = r.details;
  status.code = code;
  return status as unknown as StatusT;
}

/** The CEL bindings of a request, converted once and shared by every webhook's conditions. */
function lazyBindings(a: Attributes): () => Partial<Record<AdmissionVariable, unknown>> {
  let cached: Partial<Record<AdmissionVariable, unknown>> | undefined;
  return () =>
    (cached ??= {
      object: toCel(a.object ?? null),
      oldObject: toCel(a.oldObject ?? null),
      request: toCel({ ...requestFields(a), dryRun: a.dryRun, options: a.options ?? null }),
    });
}

/** ShouldCallHook: true when the webhook wants this request; throws the Status a selector or condition fails with. */
function shouldCall(
  store: Store,
  hook: Hook,
  a: Attributes,
  bindings: () => Partial<Record<AdmissionVariable, unknown>>,
): boolean {
  const ns = matchNamespaceSelector(store, hook.namespaceSelector, a);
  if (!ns.matches && !ns.error) return false;
  const obj = matchObjectSelector(hook.objectSelector, a);
  if (!obj.matches && !obj.error) return false;
  // matchPolicy Equivalent would also try other versions of the resource; each is served in one version here.
  if (!asMaps(hook.spec.rules).some((r) => ruleMatches(r, a))) return false;
  if (ns.error) throw new ApiStatusError(ns.error);
  if (obj.error) throw new ApiStatusError(obj.error);
  if (hook.conditions.length === 0) return true;
  const result = evaluateConditions(hook.conditions, bindings(), hook.failurePolicy);
  if (result.matches) return true;
  if (result.error) throw new ApiStatusError(forbidden(a, a.name, result.error));
  return false;
}

interface CallResult {
  patched?: KubeObject;
}

/**
 * callHook / callAttrMutatingHook: one AdmissionReview round trip. Throws CallingError (policy decides),
 * or ApiStatusError (a refusal, a dry run the webhook cannot take, a patch that cannot apply).
 */
async function callHook(
  agent: Agent,
  store: Store,
  hook: Hook,
  a: Attributes,
  mutating: boolean,
  warn?: (m: string) => void,
  decode: (obj: KubeObject) => KubeObject = (o) => o,
): Promise<CallResult> {
  const spec = hook.spec;
  if (a.dryRun) {
    const sideEffects = asString(spec.sideEffects);
    if (!sideEffects) throw new CallingError(hook.name, "Webhook SideEffects is nil");
    if (sideEffects !== "None" && sideEffects !== "NoneOnDryRun")
      throw new ApiStatusError(
        Status.badRequest(`admission webhook ${JSON.stringify(hook.name)} does not support dry run`),
      );
  }
  // Mutating webhooks of a create run before the object has its uid and creation time (BeforeCreate).
  let sent = a.object;
  if (mutating && a.operation === "CREATE" && sent) {
    sent = structuredClone(sent);
    const meta = sent.metadata ?? {};
    delete meta.uid;
    delete meta.creationTimestamp;
    delete meta.generation;
  }
  let review: ReturnType<typeof buildReview>;
  try {
    review = buildReview(a, asList(spec.admissionReviewVersions).map(asString), sent);
  } catch (e) {
    throw new CallingError(hook.name, `could not create admission objects: ${(e as Error).message}`);
  }
  const timeout = typeof spec.timeoutSeconds === "number" ? spec.timeoutSeconds : 10;
  let answer: unknown;
  try {
    answer = await postReview(store, asMap(spec.clientConfig), timeout, review.body, agent);
  } catch (e) {
    if (e instanceof WebhookCallError) {
      const reason = e.message.startsWith("received invalid")
        ? e.message
        : `failed to call webhook: ${e.message}`;
      throw new CallingError(hook.name, reason);
    }
    throw e;
  }
  let response: AdmissionResponse;
  try {
    response = verifyResponse(answer, review, mutating);
  } catch (e) {
    throw new CallingError(hook.name, `received invalid webhook response: ${(e as Error).message}`);
  }
  for (const w of response.warnings) warn?.(w);
  if (!response.allowed) throw new ApiStatusError(toStatusErr(hook.name, response.result));
  if (!mutating || !response.patch) return {};
  let ops: JsonPatchOperation[];
  try {
    const parsed = JSON.parse(Buffer.from(response.patch, "base64").toString());
    if (!Array.isArray(parsed))
      throw new Error("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    ops = parsed;
  } catch (e) {
    throw new CallingError(
      hook.name,
      `received undecodable patch in webhook response: ${(e as Error).message}`,
    );
  }
  if (ops.length === 0) return {};
  if (!a.object)
    throw new ApiStatusError(
      Status.internal(
        `admission webhook ${JSON.stringify(hook.name)} attempted to modify the object, which is not supported for this operation`,
      ),
    );
  if (response.patchType !== "JSONPatch")
    throw new CallingError(hook.name, `unsupported patch type ${JSON.stringify(response.patchType)}`);
  try {
    // The patched JSON is decoded into the kind's type, as upstream's serializer does (unknown fields go).
    const patched = decode(applyJsonPatch(sent as Json, ops) as KubeObject);
    if (sent !== a.object) {
      // Put back what the webhook was not shown.
      patched.metadata ??= {};
      const meta = patched.metadata;
      const orig = a.object.metadata ?? {};
      if (orig.uid !== undefined) meta.uid ??= orig.uid;
      if (orig.creationTimestamp !== undefined) meta.creationTimestamp ??= orig.creationTimestamp;
      if (orig.generation !== undefined) meta.generation ??= orig.generation;
    }
    return { patched };
  } catch (e) {
    const message = e instanceof ApiStatusError ? (e.status.message ?? "") : (e as Error).message;
    throw new ApiStatusError(Status.internal(message.replace(/^.* cannot be handled as an? \S+: /, "")));
  }
}

/** The failure policy applied to a failed call: Ignore logs and goes on, Fail answers 500. */
function onCallFailure(e: unknown, hook: Hook, log?: Logger): void {
  if (!(e instanceof CallingError)) throw e;
  if (hook.failurePolicy === "Ignore") {
    log?.warn({ webhook: hook.name, err: e.message }, "Failed calling webhook, failing open");
    return;
  }
  throw new ApiStatusError(Status.internal(e.message));
}

/** Replaces the request's object in place (objects.ts holds the reference). */
function replaceObject(target: KubeObject, next: KubeObject): void {
  for (const k of Object.keys(target)) delete (target as Json)[k];
  Object.assign(target, next);
}

export interface WebhookAdmission {
  mutating: AdmissionPlugin;
  validating: AdmissionPlugin;
  stop(): void;
}

export function webhookAdmission(store: Store, log?: Logger): WebhookAdmission {
  const agent = new Agent({ keepAlive: true });
  const mutatingConfigs = new WatchedConfigs(
    store,
    "mutatingwebhookconfigurations.admissionregistration.k8s.io",
    compileHooks,
  );
  const validatingConfigs = new WatchedConfigs(
    store,
    "validatingwebhookconfigurations.admissionregistration.k8s.io",
    compileHooks,
  );

  async function mutate(req: AdmissionRequest): Promise<void> {
    const a = attributesOf(req);
    if (isExemptConfigurationResource(a)) return;
    const hooks = mutatingConfigs.items().flat();
    if (!hooks.length) return;
    // Webhooks see the defaulted object, as upstream decodes (and defaults) before admission. A CONNECT's
    // object is its options, taken as patched.
    const connect = req.operation === "CONNECT";
    if (req.object && !connect) req.def.defaults?.(req.object);
    const decode = (o: KubeObject) =>
      connect ? o : decodeForWrite(req.def, o, { fieldValidation: "Ignore" });
    // Later webhooks' matchConditions see earlier webhooks' changes.
    let bindings = lazyBindings(a);
    const reinvocable = new Set<string>();
    let changedSinceReinvocable = false;
    const invoked: Hook[] = [];
    for (const hook of hooks) {
      if (!shouldCall(store, hook, a, bindings)) continue;
      invoked.push(hook);
      let changed = false;
      try {
        const { patched } = await callHook(agent, store, hook, a, true, req.warn, decode);
        if (patched && req.object && !deepEqual(patched, req.object)) {
          replaceObject(req.object, patched);
          bindings = lazyBindings(a);
          changed = true;
        }
      } catch (e) {
        onCallFailure(e, hook, log);
      }
      // A change after an IfNeeded webhook ran means that webhook must see the result (one more round).
      if (changed && [...reinvocable].some((uid) => uid !== hook.uid)) changedSinceReinvocable = true;
      if (asString(hook.spec.reinvocationPolicy) === "IfNeeded") reinvocable.add(hook.uid);
    }
    if (!changedSinceReinvocable) return;
    for (const hook of invoked) {
      if (!reinvocable.has(hook.uid) || !shouldCall(store, hook, a, bindings)) continue;
      try {
        const { patched } = await callHook(agent, store, hook, a, true, req.warn, decode);
        if (patched && req.object && !deepEqual(patched, req.object)) {
          replaceObject(req.object, patched);
          bindings = lazyBindings(a);
        }
      } catch (e) {
        onCallFailure(e, hook, log);
      }
    }
  }

  async function validate(req: AdmissionRequest): Promise<void> {
    const a = attributesOf(req);
    if (isExemptConfigurationResource(a)) return;
    const hooks = validatingConfigs.items().flat();
    if (!hooks.length) return;
    const bindings = lazyBindings(a);
    const relevant = hooks.filter((h) => shouldCall(store, h, a, bindings));
    const outcomes = await Promise.all(
      relevant.map(async (hook) => {
        try {
          await callHook(agent, store, hook, a, false, req.warn);
          return undefined;
        } catch (e) {
          try {
            onCallFailure(e, hook, log);
            return undefined;
          } catch (err) {
            return err;
          }
        }
      }),
    );
    const first = outcomes.find((o) => o !== undefined);
    if (first) throw first;
  }

  return {
    mutating: { name: "MutatingAdmissionWebhook", connect: true, mutate },
    validating: { name: "ValidatingAdmissionWebhook", connect: true, validate },
    stop() {
      mutatingConfigs.stop();
      validatingConfigs.stop();
      agent.destroy();
    },
  };
}
