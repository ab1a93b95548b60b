// Minting X.509 certificates. Profiles follow kubeadm and pass strict verifiers: Go crypto/x509
// (kubectl), OpenSSL with X509_STRICT (Python >= 3.13 ssl defaults) and Node's TLS.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  webcrypto,
} from "node:crypto";
import { isIP } from "node:net";
import { promisify } from "node:util";
import { loadX509, type X509Lib } from "./x509-lib.ts";

export interface CertificateSubject {
  commonName: string;
  organizations?: string[];
}

export interface KeyAndCertificate {
  certPem: string;
  keyPem: string;
}

/** What issuing needs from a CA: its certificate and private key, both PEM. */
export type CertificateAuthorityPem = KeyAndCertificate;

export interface LeafProfile {
  subject: CertificateSubject;
  usage: "serverAuth" | "clientAuth";
  /** DNS names and IP addresses for the subjectAltName (servers). */
  hosts?: string[];
  days: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Tolerates clocks a little behind ours (containers, VMs), as kubeadm's CertificateBackdate does. */
const BACKDATE_MS = 5 * 60 * 1000;
const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;

const generateKeyPairAsync = promisify(generateKeyPair);

/** ECDSA P-256: generation and signing take well under a millisecond, unlike RSA. */
export async function generateCertificateKey(): Promise<KeyObject> {
  const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: "P-256" });
  return privateKey;
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/** The SPKI of a private key, or of a public key as given (a CSR's, which the CA signs for). */
function publicKeyDer(key: KeyObject): ArrayBuffer {
  const der = (key.type === "public" ? key : createPublicKey(key)).export({ type: "spki", format: "der" });
  return new Uint8Array(der).buffer;
}

function signingKey(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, ECDSA_P256, false, ["sign"]);
}

/** Positive, non-zero leading byte: Go rejects negative serials and DER wants minimal integers. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString("hex");
}

/** Attribute order as Go's pkix.Name emits it: O before CN, one RDN per value. */
function distinguishedName(subject: CertificateSubject): Record<string, string[]>[] {
  const organizations = (subject.organizations ?? []).map((o) => ({ O: [o] }));
  return [...organizations, { CN: [subject.commonName] }];
}

function validity(days: number, now: Date): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

export async function createCertificateAuthority(
  key: KeyObject,
  commonName: string,
  days: number,
  now = new Date(),
): Promise<string> {
  const x509 = await loadX509();
  const publicKey = publicKeyDer(key);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName({ commonName }),
    issuer: distinguishedName({ commonName }),
    ...validity(days, now),
    signingAlgorithm: ECDSA_SHA256,
    publicKey,
    signingKey: await signingKey(key),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return cert.toString("pem");
}

function subjectAltNames(hosts: string[]): { type: "ip" | "dns"; value: string }[] {
  return hosts.map((value) => ({ type: isIP(value) ? "ip" : "dns", value }));
}

/** Signs a leaf certificate for `key` (private, or a requester's public key) with the CA. */
export async function issueCertificate(
  ca: CertificateAuthorityPem,
  key: KeyObject,
  profile: LeafProfile,
  now = new Date(),
): Promise<string> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const publicKey = publicKeyDer(key);
  const extensions: InstanceType<X509Lib["Extension"]>[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[profile.usage]], false),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    caKeyId
      ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
      : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (profile.hosts?.length)
    extensions.push(new x509.SubjectAlternativeNameExtension(subjectAltNames(profile.hosts)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(profile.subject),
    issuer: caCert.subjectName,
    ...validity(profile.days, now),
    signingAlgorithm: ECDSA_SHA256,
    publicKey,
    signingKey: await signingKey(createPrivateKey(ca.keyPem)),
    extensions,
  });
  return cert.toString("pem");
}

/** Fresh key plus certificate, for callers that hand both out (client certificates). */
export async function issueKeyAndCertificate(
  ca: CertificateAuthorityPem,
  profile: LeafProfile,
): Promise<KeyAndCertificate> {
  const key = await generateCertificateKey();
  return { certPem: await issueCertificate(ca, key, profile), keyPem: privateKeyPem(key) };
}
