// Reading /proc/net tables for the sockets bound to a port: TCP in LISTEN only, UDP when unconnected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { boundInodes } from "../../../src/kubelet/network/port-holders.ts";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2382 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 20 4 30 10 -1
   2: 0101007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0
`;

test("TCP: listening sockets on the port, not connections", () => {
  assert.deepEqual(boundInodes(TCP, 0x2382, "TCP"), ["1111"]);
  assert.deepEqual(boundInodes(TCP, 8080, "TCP"), ["3333"]);
  assert.deepEqual(boundInodes(TCP, 1, "TCP"), []);
});

test("UDP: unconnected bound sockets", () => {
  const udp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  7: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4444 2 0000000000000000 0
`;
  assert.deepEqual(boundInodes(udp, 53, "UDP"), ["4444"]);
  assert.deepEqual(boundInodes(udp, 53, "TCP"), []);
});
