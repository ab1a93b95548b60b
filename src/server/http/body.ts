// Request bodies: size-limited, depth-limited, JSON or YAML. Bad input is a 4xx, never a crash.
import type { IncomingMessage } from "node:http";
import { Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { hasFractionOrExponent, parseKeepingNumberLiterals } from "../registry/number-literals.ts";
import { yaml } from "../yaml.ts";
import { ApiStatusError, fail } from "./errors.ts";
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from "./protobuf/index.ts";

export const MAX_BODY_BYTES = 3 * 1024 * 1024; // kube-apiserver's default request size limit
const MAX_JSON_DEPTH = 1000;

export async function readBodyBytes(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new ApiStatusError(Status.requestEntityTooLarge(`limit is ${limit}`));
  if (req.readableEnded) return Buffer.alloc(0);
  // Stream events, not `for await`: an async iterator costs a promise and its setup per request body.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off("data", onData).off("end", onEnd).off("error", done).off("close", onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // As leaving a `for await` loop does: the rest of the body is not read.
        req.destroy();
        done(new ApiStatusError(Status.requestEntityTooLarge(`limit is ${limit}`)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onClose = () =>
      done(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    req.on("data", onData).on("end", onEnd).on("error", done).on("close", onClose);
    req.resume(); // flows even if something paused it, as the async iterator read it
  });
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(req, limit)).toString("utf8");
}

/** kubectl 1.32+ sends typed objects (create namespace/token/…, auth can-i/whoami) as protobuf. */
export function decodeProtobuf(body: Buffer): KubeObject {
  try {
    return decodeKubernetesProtobuf(body) as KubeObject;
  } catch (e) {
    if (e instanceof ProtobufDecodeError)
      throw fail.badRequest(`the request body is not valid protobuf: ${e.message}`);
    throw e;
  }
}

/** Rejects pathological nesting before JSON.parse can exhaust the stack. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash escape
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH)
        throw fail.badRequest(`the request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
}

export function parseDocument(text: string, type: string, keepNumberLiterals = false): unknown {
  if (!text.trim()) throw fail.badRequest("the request body is empty: send a JSON object");
  try {
    if (type === "application/yaml" || type === "application/apply-patch+yaml")
      return yaml().parse(text, { maxAliasCount: 100 });
    checkDepth(text);
    return keepNumberLiterals && hasFractionOrExponent(text)
      ? parseKeepingNumberLiterals(text)
      : JSON.parse(text);
  } catch (e) {
    if (e instanceof ApiStatusError) throw e;
    throw fail.badRequest(
      `the request body is not valid ${type.includes("yaml") ? "YAML" : "JSON"}: ${(e as Error).message}`,
    );
  }
}

export async function readObject(req: IncomingMessage): Promise<KubeObject> {
  const type = mediaType(req);
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobuf(await readBodyBytes(req));
  if (type !== "application/json" && type !== "application/yaml" && type !== "*/*") {
    throw new ApiStatusError(Status.unsupportedMediaType(type));
  }
  // An object to decode into a Go type: `1.0` for an integer field must stay visible (number-literals.ts).
  const doc = parseDocument(await readBody(req), type, true);
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw fail.badRequest("the request body must be a JSON object");
  }
  return doc as KubeObject;
}
