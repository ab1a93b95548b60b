import assert from "node:assert/strict";
import { test } from "node:test";
import { LoopbackIpPool } from "../../../src/kubelet/pod-ips.ts";

test("each Pod gets its own loopback address, stable per Pod and reused after release", () => {
  const pool = new LoopbackIpPool();
  assert.equal(pool.allocate("a"), "127.0.1.1");
  assert.equal(pool.allocate("b"), "127.0.1.2");
  assert.equal(pool.allocate("a"), "127.0.1.1");
  pool.release("a");
  assert.equal(pool.allocate("c", "127.0.1.1"), "127.0.1.1", "a previous address is kept when free");
  assert.equal(pool.allocate("d", "127.0.1.2"), "127.0.1.3", "but not when taken");
  assert.equal(pool.allocate("e", "10.0.0.1"), "127.0.1.4", "nor when outside the range");
});

test(".0 and .255 are skipped", () => {
  const pool = new LoopbackIpPool();
  const addresses = Array.from({ length: 300 }, (_, i) => pool.allocate(`pod-${i}`));
  assert.ok(addresses.every((a) => !a.endsWith(".0") && !a.endsWith(".255")));
  assert.equal(new Set(addresses).size, 300);
  assert.equal(addresses[254], "127.0.2.1");
});

test("allocation can start elsewhere in 127.0.0.0/8, never below 127.0.1.1", () => {
  assert.equal(new LoopbackIpPool("127.0.42.1").allocate("a"), "127.0.42.1");
  assert.throws(() => new LoopbackIpPool("127.0.0.5"), /must be a loopback address from 127\.0\.1\.1/);
  assert.throws(() => new LoopbackIpPool("10.0.0.1"), /must be a loopback address/);
});
