/** A Kubernetes protobuf body that cannot be decoded: malformed wire data, or a kind we have no schema for. */
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
}
