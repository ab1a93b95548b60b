// authorization.k8s.io/v1 SelfSubjectAccessReview: virtual, create-only (handlers/reviews.ts answers it).
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const selfSubjectAccessReview: ResourceDef = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "selfsubjectaccessreviews",
  singular: "selfsubjectaccessreview",
  kind: "SelfSubjectAccessReview",
  listKind: "SelfSubjectAccessReviewList",
  namespaced: false,
  verbs: CREATE_ONLY,
  virtual: true,
};
