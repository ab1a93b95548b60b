export type { CertificateSubject, KeyAndCertificate } from "./certificates.ts";
export { type AdminKubeconfigOptions, adminKubeconfig } from "./kubeconfig.ts";
export { ADMIN_SUBJECT, DEFAULT_SERVING_HOSTS, loadOrCreatePki, type Pki, type PkiOptions } from "./pki.ts";
export {
  type JwsAlgorithm,
  jwsAlgorithmForKey,
  keyIdFromPublicKey,
  type ServiceAccountKey,
  type ServiceAccountKeyAlgorithm,
} from "./signing-keys.ts";
