// The API server's PKI: a CA, the serving certificate, the admin client certificate and the
// ServiceAccount signing key. Persisted under <dataDir>/pki and reused on restart, because a new CA
// would break every kubeconfig and a new signing key every issued token.
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import {
  type CertificateSubject,
  createCertificateAuthority,
  generateCertificateKey,
  issueCertificate,
  issueKeyAndCertificate,
  type KeyAndCertificate,
  type LeafProfile,
  privateKeyPem,
} from "./certificates.ts";
import { type PkiFileContents, readPkiFiles, writePkiFiles } from "./pki-files.ts";
import {
  generateServiceAccountKey,
  privateKeyToPem,
  publicKeyToPem,
  type ServiceAccountKey,
  type ServiceAccountKeyAlgorithm,
  serviceAccountKeyFromPem,
} from "./signing-keys.ts";

export interface Pki {
  caCertPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  serviceAccountKey: ServiceAccountKey;
  issueClientCert(subject: CertificateSubject, days?: number): Promise<KeyAndCertificate>;
  /** A client certificate for a key the requester holds (CertificateSigningRequests' signer). */
  signClientCert(publicKey: KeyObject, subject: CertificateSubject, days: number): Promise<string>;
}

export interface PkiOptions {
  /** Persist to and reuse from `<dataDir>/pki`; in memory only when absent. */
  dataDir?: string;
  /** Signing algorithm for new SA keys (default RS256). A persisted key of another type is replaced. */
  saKeyAlgorithm?: ServiceAccountKeyAlgorithm;
  /** Extra DNS names / IPs for the serving certificate. */
  extraHosts?: string[];
}

/** Names clients use for the API server: loopback, and the in-cluster Service DNS names. */
export const DEFAULT_SERVING_HOSTS = [
  "localhost",
  "127.0.0.1",
  "::1",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
  // The `kubernetes` Service's ClusterIP (the first of 10.96.0.0/12), as kube-apiserver adds it: Pods
  // with their own network reach the server there (KUBERNETES_SERVICE_HOST).
  "10.96.0.1",
];

export const ADMIN_SUBJECT: CertificateSubject = {
  commonName: "kubernetes-admin",
  organizations: ["system:masters"],
};
const CA_COMMON_NAME = "incluster-ca";
const SERVING_SUBJECT: CertificateSubject = { commonName: "kube-apiserver" };
const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Leaf certificates this close to expiry are re-issued at startup. */
const RENEW_WITHIN_MS = 30 * 24 * 60 * 60 * 1000;

function servingProfile(extraHosts: string[] = []): LeafProfile {
  const hosts = [...new Set([...DEFAULT_SERVING_HOSTS, ...extraHosts])];
  return { subject: SERVING_SUBJECT, usage: "serverAuth", hosts, days: LEAF_DAYS };
}

function clientProfile(subject: CertificateSubject, days = LEAF_DAYS): LeafProfile {
  return { subject, usage: "clientAuth", days };
}

async function loadOrCreateCa(stored: PkiFileContents, dir: string | undefined): Promise<KeyAndCertificate> {
  if (stored.caCert && stored.caKey) return { certPem: stored.caCert, keyPem: stored.caKey };
  if (stored.caCert || stored.caKey) {
    // Never silently replace half a CA: that would invalidate every kubeconfig handed out.
    throw new Error(`incomplete PKI in ${dir}: ca.crt and ca.key must both exist`);
  }
  const key = await generateCertificateKey();
  return {
    certPem: await createCertificateAuthority(key, CA_COMMON_NAME, CA_DAYS),
    keyPem: privateKeyPem(key),
  };
}

function coversHosts(cert: X509Certificate, hosts: string[]): boolean {
  return hosts.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined);
}

/**
 * A stored leaf is kept if the current CA signed it, it matches its key, it is not about to expire
 * and it names every required host.
 */
function isReusable(
  stored: KeyAndCertificate,
  ca: X509Certificate,
  profile: LeafProfile,
  now: Date,
): boolean {
  try {
    const cert = new X509Certificate(stored.certPem);
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(stored.keyPem)) &&
      Date.parse(cert.validTo) - now.getTime() > RENEW_WITHIN_MS &&
      coversHosts(cert, profile.hosts ?? [])
    );
  } catch {
    return false; // unreadable files are re-issued
  }
}

async function loadOrIssueLeaf(
  ca: KeyAndCertificate,
  stored: Partial<KeyAndCertificate>,
  profile: LeafProfile,
  now: Date,
): Promise<KeyAndCertificate & { reused: boolean }> {
  const { certPem, keyPem } = stored;
  if (certPem && keyPem && isReusable({ certPem, keyPem }, new X509Certificate(ca.certPem), profile, now)) {
    return { certPem, keyPem, reused: true };
  }
  return { ...(await issueKeyAndCertificate(ca, profile)), reused: false };
}

async function loadOrCreateServiceAccountKey(
  storedPem: string | undefined,
  requested: ServiceAccountKeyAlgorithm | undefined,
): Promise<{ key: ServiceAccountKey; reused: boolean }> {
  if (storedPem) {
    const key = serviceAccountKeyFromPem(storedPem);
    if (!requested || key.alg === requested) return { key, reused: true };
  }
  return { key: await generateServiceAccountKey(requested ?? "RS256"), reused: false };
}

export async function loadOrCreatePki(opts: PkiOptions = {}): Promise<Pki> {
  const dir = opts.dataDir ? join(opts.dataDir, "pki") : undefined;
  const stored = dir ? await readPkiFiles(dir) : {};
  const now = new Date();
  // Start the RSA key (the slow part, on the libuv pool) before the CA work on the main thread.
  const saKeyPromise = loadOrCreateServiceAccountKey(stored.serviceAccountKey, opts.saKeyAlgorithm);
  saKeyPromise.catch(() => {}); // awaited below; keeps a CA error from leaving an unhandled rejection
  const ca = await loadOrCreateCa(stored, dir);
  const [serving, admin, sa] = await Promise.all([
    loadOrIssueLeaf(
      ca,
      { certPem: stored.servingCert, keyPem: stored.servingKey },
      servingProfile(opts.extraHosts),
      now,
    ),
    loadOrIssueLeaf(
      ca,
      { certPem: stored.adminCert, keyPem: stored.adminKey },
      clientProfile(ADMIN_SUBJECT),
      now,
    ),
    saKeyPromise,
  ]);

  if (dir) {
    const changed: PkiFileContents = {};
    if (!stored.caCert) Object.assign(changed, { caCert: ca.certPem, caKey: ca.keyPem });
    if (!serving.reused) Object.assign(changed, { servingCert: serving.certPem, servingKey: serving.keyPem });
    if (!admin.reused) Object.assign(changed, { adminCert: admin.certPem, adminKey: admin.keyPem });
    if (!sa.reused || !stored.serviceAccountPublicKey) {
      Object.assign(changed, {
        serviceAccountKey: privateKeyToPem(sa.key.privateKey),
        serviceAccountPublicKey: publicKeyToPem(sa.key.publicKey),
      });
    }
    await writePkiFiles(dir, changed);
  }

  return {
    caCertPem: ca.certPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    serviceAccountKey: sa.key,
    issueClientCert: (subject, days) => issueKeyAndCertificate(ca, clientProfile(subject, days)),
    signClientCert: (publicKey, subject, days) =>
      issueCertificate(ca, publicKey, clientProfile(subject, days)),
  };
}
