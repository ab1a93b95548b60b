// authorization.k8s.io/v1 SubjectAccessReview: virtual, create-only (handlers/reviews.ts answers it).
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const subjectAccessReview: ResourceDef = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "subjectaccessreviews",
  singular: "subjectaccessreview",
  kind: "SubjectAccessReview",
  listKind: "SubjectAccessReviewList",
  namespaced: false,
  verbs: CREATE_ONLY,
  virtual: true,
};
