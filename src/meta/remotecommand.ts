// The remote command (exec/attach) and port-forward wire constants, shared by the client and the server.
// From staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go and
// pkg/kubelet/cri/streaming/portforward/websocket.go.
export const STREAM_PROTOCOL_V1 = "channel.k8s.io";
export const STREAM_PROTOCOL_V2 = "v2.channel.k8s.io";
export const STREAM_PROTOCOL_V3 = "v3.channel.k8s.io";
export const STREAM_PROTOCOL_V4 = "v4.channel.k8s.io";
export const STREAM_PROTOCOL_V5 = "v5.channel.k8s.io";
export const BASE64_CHANNEL_PROTOCOL = "base64.channel.k8s.io";

/** Channel numbers: stdin, stdout, stderr as their file descriptors, then error and resize; 255 is CLOSE. */
export const STREAM_STDIN = 0;
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;
export const STREAM_ERROR = 3;
export const STREAM_RESIZE = 4;
export const STREAM_CLOSE = 255;

/** The error channel's Status for a command that exited non-zero, and the cause carrying its code. */
export const NON_ZERO_EXIT_CODE_REASON = "NonZeroExitCode";
export const EXIT_CODE_CAUSE_TYPE = "ExitCode";

/** The websocket port-forward subprotocol (binary): port i uses data channel 2i and error channel 2i+1. */
export const PORT_FORWARD_WEBSOCKET_V4 = STREAM_PROTOCOL_V4;
export const PORT_FORWARD_WEBSOCKET_V4_BASE64 = `v4.${BASE64_CHANNEL_PROTOCOL}`;
