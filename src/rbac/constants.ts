// Names shared by the RBAC modules (k8s.io/api rbac/v1).
export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;
/** Members are allowed everything and exempt from escalation checks. */
export const PRIVILEGED_GROUP = "system:masters";
export { SERVICE_ACCOUNT_USER_PREFIX } from "../meta/service-account.ts";
export const ANONYMOUS_USER = "system:anonymous";
