// Object validation with kube-apiserver's exact messages (kubectl prints them). Every function returns
// FieldCause[] (empty = valid) whose "<field>: <message>" is upstream's field.Error text; the caller turns
// them into a 422 with Status.invalid. Per-kind validators check what is specific to the kind; combine
// them with validateObjectMeta (and validateUpdateMeta on updates), as kube-apiserver runs both.

export { validateDeployment, validateReplicaSet } from "./validation/apps.ts";
export { validateConfigMap, validateSecret } from "./validation/config.ts";
export {
  validateEndpointSlice,
  validateEvent,
  validateNamespace,
  validateNode,
  validateServiceAccount,
} from "./validation/core.ts";
export { type ObjectMetaOptions, validateObjectMeta, validateUpdateMeta } from "./validation/meta.ts";
export { type NameValidator, nameValidatorFor } from "./validation/names.ts";
export { validatePod } from "./validation/pod.ts";
export {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from "./validation/rbac.ts";
export { validateService } from "./validation/service.ts";
