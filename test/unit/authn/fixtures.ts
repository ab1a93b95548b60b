// Shared setup for the ServiceAccount token tests: signing keys, a config and an in-memory object store.

import type {
  ObjectState,
  ServiceAccountTokenConfig,
  TokenObjectLookup,
} from "../../../src/server/authn/serviceaccount-tokens.ts";
import type { TokenRequestLookup } from "../../../src/server/authn/token-request.ts";
import {
  generateServiceAccountKey,
  type ServiceAccountKeyAlgorithm,
} from "../../../src/server/pki/signing-keys.ts";

export const ISSUER = "https://kubernetes.default.svc.cluster.local";
/** 2023-11-15T19:43:33Z, the iat of the reference example token. */
export const T0 = new Date(1700077413_000);

export async function tokenConfig(
  alg: ServiceAccountKeyAlgorithm = "RS256",
): Promise<ServiceAccountTokenConfig> {
  return { issuer: ISSUER, signingKey: await generateServiceAccountKey(alg) };
}

export function secondsAfter(base: Date, seconds: number): Date {
  return new Date(base.getTime() + seconds * 1000);
}

export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index], "base64url").toString("utf8"));
}

export function payloadJson(token: string): string {
  return Buffer.from(token.split(".")[1], "base64url").toString("utf8");
}

type Pod = ObjectState & { serviceAccountName?: string; nodeName?: string };
type Secret = ObjectState & { token?: string };

/** Both lookup interfaces over plain maps keyed "namespace/name" (nodes by name). */
export class FakeObjects implements TokenObjectLookup, TokenRequestLookup {
  readonly serviceAccounts = new Map<string, ObjectState>();
  readonly secrets = new Map<string, Secret>();
  readonly pods = new Map<string, Pod>();
  readonly nodes = new Map<string, ObjectState>();

  serviceAccount(namespace: string, name: string): ObjectState | undefined {
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }
  secret(namespace: string, name: string): Secret | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }
  pod(namespace: string, name: string): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }
  node(name: string): ObjectState | undefined {
    return this.nodes.get(name);
  }
}

export const SA = { namespace: "kube-system", name: "coredns", uid: "a087d5a0-e1dd-43ec-93ac-f13d89cd13af" };
export const POD = {
  name: "coredns-69cbfb9798-jv9gn",
  uid: "778a530c-b3f4-47c0-9cd5-ab018fb64f33",
  nodeName: "127.0.0.1",
};
export const NODE = { name: "127.0.0.1", uid: "58456cb0-dd00-45ed-b797-5578fdceaced" };

/** The reference example's cluster: SA coredns, its pod on node 127.0.0.1. */
export function exampleObjects(): FakeObjects {
  const objects = new FakeObjects();
  objects.serviceAccounts.set(`${SA.namespace}/${SA.name}`, { uid: SA.uid });
  objects.pods.set(`${SA.namespace}/${POD.name}`, {
    uid: POD.uid,
    serviceAccountName: SA.name,
    nodeName: POD.nodeName,
  });
  objects.nodes.set(NODE.name, { uid: NODE.uid });
  return objects;
}
