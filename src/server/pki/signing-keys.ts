// ServiceAccount token signing keys: generation, PEM import, kid and JWS algorithm, as kube-apiserver
// derives them (pkg/serviceaccount/jwt.go keyIDFromPublicKey, openidmetadata.go algorithmFromPublicKey).
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";

export type ServiceAccountKeyAlgorithm = "RS256" | "ES256";
export type JwsAlgorithm = "RS256" | "ES256" | "ES384" | "ES512";

export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  alg: ServiceAccountKeyAlgorithm;
  kid: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** kid = base64url_nopad(SHA-256(DER SubjectPublicKeyInfo)). */
export function keyIdFromPublicKey(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64url");
}

const EC_CURVE_ALGORITHMS: Record<string, JwsAlgorithm> = {
  prime256v1: "ES256",
  secp384r1: "ES384",
  secp521r1: "ES512",
};

/** RSA keys always sign RS256 (any size); EC keys sign by curve. */
export function jwsAlgorithmForKey(key: KeyObject): JwsAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  const curve = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const alg = curve ? EC_CURVE_ALGORITHMS[curve] : undefined;
  if (!alg) throw new Error(`unsupported service account key type ${key.asymmetricKeyType ?? "unknown"}`);
  return alg;
}

function toServiceAccountKey(privateKey: KeyObject, publicKey: KeyObject): ServiceAccountKey {
  const alg = jwsAlgorithmForKey(publicKey);
  if (alg !== "RS256" && alg !== "ES256")
    throw new Error(`service account signing key must be RSA or P-256, got ${alg}`);
  return { privateKey, publicKey, alg, kid: keyIdFromPublicKey(publicKey) };
}

/** RSA-2048 for RS256 (what kube-apiserver deployments use), P-256 for ES256. Runs on the libuv pool. */
export async function generateServiceAccountKey(alg: ServiceAccountKeyAlgorithm): Promise<ServiceAccountKey> {
  const { privateKey, publicKey } =
    alg === "RS256"
      ? await generateKeyPairAsync("rsa", { modulusLength: 2048 })
      : await generateKeyPairAsync("ec", { namedCurve: "P-256" });
  return toServiceAccountKey(privateKey, publicKey);
}

export function serviceAccountKeyFromPem(privateKeyPem: string): ServiceAccountKey {
  const privateKey = createPrivateKey(privateKeyPem);
  return toServiceAccountKey(privateKey, createPublicKey(privateKey));
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

export function publicKeyToPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}
