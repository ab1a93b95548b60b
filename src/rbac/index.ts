// Public RBAC API: one implementation shared by the API server's authorizer, the client's 403
// explanations and the offline `incluster rbac` tools. Pure: no I/O.

export { goQuote, goQuoteList, goUnescape } from "../meta/go-quote.ts";
export { aggregateClusterRoles, rulesEqual } from "./aggregate.ts";
export { type AllowSpec, parseAllow } from "./allow.ts";
export { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap.ts";
export {
  ANONYMOUS_USER,
  PRIVILEGED_GROUP,
  RBAC_API_VERSION,
  RBAC_GROUP,
  SERVICE_ACCOUNT_USER_PREFIX,
} from "./constants.ts";
export { breakdownRule, compactRules, compactString, covers, ruleCovers } from "./covers.ts";
export {
  AGGREGATION_RULE_DENIED,
  aggregationRuleCheck,
  bindingAuthorized,
  type EscalationResult,
  escalationAllowed,
  escalationCheck,
  hasAggregationRule,
  isOnlyMutatingGCFields,
  policyRules,
  roleEscalationAuthorized,
} from "./escalation.ts";
export {
  appliesTo,
  authorize,
  authorizeRbac,
  type Decision,
  getRoleReferenceRules,
  isPrivileged,
  type NotFoundStyle,
  type RbacSource,
  type RuleVisitor,
  ruleAllows,
  rulesFor,
  visitRulesFor,
} from "./evaluate.ts";
export { dnsName, type FixProposal, generateRbac, proposeFix } from "./fix.ts";
export {
  type ForbiddenDetails,
  type ForbiddenInfo,
  forbiddenMessage,
  missingRolesInReason,
  newForbiddenMessage,
  parseForbidden,
} from "./forbidden.ts";
export { findResource, type ResourceInfo, resolveResource, WELL_KNOWN_RESOURCES } from "./resources.ts";
export { sourceFromObjects } from "./source.ts";
