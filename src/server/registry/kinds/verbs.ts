// The verb sets discovery advertises (and the handlers accept) for the usual resource shapes.
export const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
/** Virtual, create-only resources (reviews). */
export const CREATE_ONLY = ["create"];
/** A subresource read and written whole or patched (status, scale). */
export const GET_PATCH_UPDATE = ["get", "patch", "update"];
