// authentication.k8s.io/v1 TokenReview: virtual, create-only (handlers/reviews.ts answers it).
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const tokenReview: ResourceDef = {
  group: "authentication.k8s.io",
  version: "v1",
  resource: "tokenreviews",
  singular: "tokenreview",
  kind: "TokenReview",
  listKind: "TokenReviewList",
  namespaced: false,
  verbs: CREATE_ONLY,
  virtual: true,
};
