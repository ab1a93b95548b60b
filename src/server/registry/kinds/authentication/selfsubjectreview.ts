// authentication.k8s.io SelfSubjectReview: virtual, create-only (handlers/reviews.ts). kubectl 1.27
// asks for it in v1alpha1/v1beta1 (GA in 1.28), so those versions are served too.
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

const selfSubjectReviewIn = (version: string): ResourceDef => ({
  group: "authentication.k8s.io",
  version,
  resource: "selfsubjectreviews",
  singular: "selfsubjectreview",
  kind: "SelfSubjectReview",
  listKind: "SelfSubjectReviewList",
  namespaced: false,
  verbs: CREATE_ONLY,
  virtual: true,
});

export const selfSubjectReview = selfSubjectReviewIn("v1");
export const selfSubjectReviewOlder = ["v1beta1", "v1alpha1"].map(selfSubjectReviewIn);
