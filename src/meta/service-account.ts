// A ServiceAccount's user name, "system:serviceaccount:<namespace>:<name>" (k8s.io/apiserver
// pkg/authentication/serviceaccount/util.go): made and split here only.
import { isDNS1123Label, isDNS1123Subdomain } from "./names.ts";

export const SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:";
/** The group every ServiceAccount is in, and the one of its namespace's ServiceAccounts. */
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

/** serviceaccount.MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/** serviceaccount.SplitUsername: namespace and name, or undefined for anything that is not a valid
 * ServiceAccount user name (exactly two parts; a DNS-1123 label namespace and a DNS-1123 subdomain name). */
export function splitServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(":");
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  const valid = isDNS1123Label(namespace).length === 0 && isDNS1123Subdomain(name).length === 0;
  return valid ? { namespace, name } : undefined;
}
