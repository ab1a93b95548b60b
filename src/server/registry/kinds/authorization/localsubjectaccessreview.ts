// authorization.k8s.io/v1 LocalSubjectAccessReview: virtual, create-only (handlers/reviews.ts answers it).
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const localSubjectAccessReview: ResourceDef = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "localsubjectaccessreviews",
  singular: "localsubjectaccessreview",
  kind: "LocalSubjectAccessReview",
  listKind: "LocalSubjectAccessReviewList",
  namespaced: true,
  verbs: CREATE_ONLY,
  virtual: true,
};
