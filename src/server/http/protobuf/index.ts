// Decodes request bodies sent as application/vnd.kubernetes.protobuf (kubectl's typed clients send
// nothing else) into the object the same request would have carried as application/json.

import { messageForKind, messageSchemas } from "../../typeinfo/index.ts";
import { MessageDecoder } from "./decode.ts";
import { readEnvelope } from "./envelope.ts";
import { ProtobufDecodeError } from "./errors.ts";

export { ProtobufDecodeError } from "./errors.ts";

export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

let decoder: MessageDecoder | undefined; // built on first use: start-up does not parse the tables

/**
 * Decodes a Kubernetes protobuf body (magic "k8s\0" + runtime.Unknown envelope {typeMeta{apiVersion,
 * kind}, raw, contentEncoding, contentType}) into the JSON object the same request would have sent as
 * application/json (apiVersion/kind from the envelope's typeMeta). Throws ProtobufDecodeError (clear
 * message: what is wrong) for malformed input or an unknown kind.
 */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  const env = readEnvelope(body);
  if (!env.kind || !env.apiVersion) {
    throw new ProtobufDecodeError("the protobuf envelope does not name the object's apiVersion and kind");
  }
  if (env.contentEncoding) {
    throw new ProtobufDecodeError(
      `the protobuf envelope's contentEncoding "${env.contentEncoding}" is not supported`,
    );
  }
  if (env.contentType && env.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ProtobufDecodeError(
      `the protobuf envelope's contentType "${env.contentType}" is not supported`,
    );
  }
  const message = messageForKind(env.apiVersion, env.kind);
  if (!message) {
    throw new ProtobufDecodeError(
      `no protobuf schema for kind "${env.kind}" of apiVersion "${env.apiVersion}"`,
    );
  }
  decoder ??= new MessageDecoder(messageSchemas());
  const object = decoder.decode(message, env.raw, env.kind);
  return { apiVersion: env.apiVersion, kind: env.kind, ...object };
}
