// The remote command protocol's facts, ported from upstream:
//   staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go (names, channels, exit-code Status),
//   pkg/kubelet/cri/streaming/remotecommand/{httpstream,exec}.go (options, status writers),
//   staging/src/k8s.io/apiserver/pkg/util/proxy/streamtranslator.go (the v5 translator's statuses).
import {
  EXIT_CODE_CAUSE_TYPE,
  NON_ZERO_EXIT_CODE_REASON,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V4,
} from "../../meta/remotecommand.ts";

// The wire constants live in src/meta (the client speaks the same protocol).
export {
  BASE64_CHANNEL_PROTOCOL,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V5,
  STREAM_RESIZE,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
} from "../../meta/remotecommand.ts";

/** The kubelet's SPDY subprotocols, newest first (remotecommand.SupportedStreamingProtocols). */
export const SPDY_STREAM_PROTOCOLS = [
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V1,
];

/** The streams a client asked for (remotecommand.Options); tty takes stderr's place. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** metav1.Status as Go's json.Marshal writes it on the error channel (no kind/apiVersion; code omitted if 0). */
export interface ChannelStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message?: string }[] };
  code?: number;
}

export const SUCCESS: ChannelStatus = { metadata: {}, status: "Success" };

/** exec.go's NonZeroExitCode Status: kubectl exits with the cause's code. */
export function exitCodeStatus(exitCode: number, detail: string): ChannelStatus {
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${detail}`,
    reason: NON_ZERO_EXIT_CODE_REASON,
    details: { causes: [{ reason: EXIT_CODE_CAUSE_TYPE, message: String(exitCode) }] },
  };
}

/** apierrors.NewInternalError(err) as written on the error channel. */
export function internalErrorStatus(message: string): ChannelStatus {
  return {
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** A runtime-side refusal before any stream exists: the kubelet answers it as plain HTTP (code, text). */
export class StreamSetupError extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

/** NewOptions: tty drops stderr; at least one stream is required. */
export function streamOptions(opts: StreamOptions): StreamOptions {
  const stderr = opts.tty ? false : opts.stderr;
  if (!opts.stdin && !opts.stdout && !stderr)
    throw new StreamSetupError("you must specify at least 1 of stdin, stdout, stderr", 400);
  return { ...opts, stderr };
}
