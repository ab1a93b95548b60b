// authorization.k8s.io/v1 SelfSubjectRulesReview: virtual, create-only (handlers/reviews.ts answers it).
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const selfSubjectRulesReview: ResourceDef = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "selfsubjectrulesreviews",
  singular: "selfsubjectrulesreview",
  kind: "SelfSubjectRulesReview",
  listKind: "SelfSubjectRulesReviewList",
  namespaced: false,
  verbs: CREATE_ONLY,
  virtual: true,
};
