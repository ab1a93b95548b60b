/** A Kubernetes protobuf body that cannot be decoded: malformed wire data, or a kind we have no schema for. */
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
  /** What is wrong, without the location. */
  readonly reason: string;
  /** Where in the object, e.g. "Pod.spec.containers[0].ports[1]"; empty when not inside a message. */
  readonly path: string;

  constructor(reason: string, path = "") {
    super(path ? `${path}: ${reason}` : reason);
    this.reason = reason;
    this.path = path;
  }
}
