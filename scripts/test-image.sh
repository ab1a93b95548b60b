#!/usr/bin/env bash
# Builds the unchanged Dockerfile for real and runs the image the way a kubelet would (npm run test:image).
#
# This machine (and CI) reaches only the npm registry and Debian's apt mirrors: no base image can be pulled
# and there is no Docker engine. So the two base images the Dockerfile names are built here as stand-ins,
# from Debian packages (mmdebstrap, using this machine's own apt sources) and Node from the npm registry,
# and tagged with the Dockerfile's real names:
#   node:24-bookworm-slim                       Debian minbase + /usr/local/bin/node (npm package
#                                               node-linux-<arch>) + npm (npm package npm@11), as upstream
#   gcr.io/distroless/nodejs24-debian12:nonroot Debian's libc6/libstdc++6/libssl3/base-files/netbase only
#                                               extracted (no maintainer scripts, so no shell, no awk, no
#                                               dpkg/apt), /nodejs/bin/node, user nonroot = 65532
# Then `podman build --isolation chroot --pull=never` builds the Dockerfile (RUN steps share the host
# network), the image's root filesystem is exported, checked (no shell, package manager or dev dependency,
# user 65532) and run with unshare + nsenter: read-only root, user 65532, no new privileges, a ServiceAccount
# directory bind-mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount and
# KUBERNETES_SERVICE_HOST/PORT pointing at a local incluster API server on loopback
# (test/image/cluster-fixture.ts); then once more with `podman run` under runc (crun cannot run here).
#
# Needs root (podman, mmdebstrap, mounts) and Debian/Ubuntu (apt). Everything happens in a private podman
# storage under the work directory, removed at the end unless IMAGE_TEST_KEEP=1.
#   IMAGE_TEST_DIR=/var/tmp/x   work directory, new or empty (default: a new one under /var/tmp)
#   IMAGE_TEST_KEEP=1           keep the work directory, its podman storage and the exported root filesystem
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
image=ghcr.io/incluster/incluster:latest
namespace_dir=/var/run/secrets/kubernetes.io/serviceaccount
started=$SECONDS

step() { printf '\n==> [%3ds] %s\n' $((SECONDS - started)) "$*"; }
ok() { printf '    ok  %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root: podman build, mmdebstrap and the bind mounts need it (sudo npm run test:image)"
command -v apt-get >/dev/null || fail "needs apt-get (Debian or Ubuntu): the base image stand-ins are built from Debian packages"
node=$repo/node_modules/.bin/node
[ -x "$node" ] || fail "no $node: run npm ci first"

case $(uname -m) in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) fail "unsupported machine $(uname -m): Node's npm binaries exist for x86_64 and aarch64" ;;
esac

# ---------------------------------------------------------------------------------------------------------
step "tools: podman, runc, mmdebstrap (apt, only what is missing)"
missing=()
for pkg in podman runc mmdebstrap; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "    installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
podman --version
mmdebstrap --version

if [ -n "${IMAGE_TEST_DIR:-}" ]; then
  # It is deleted at the end: never take over a directory that holds something.
  [ ! -e "$IMAGE_TEST_DIR" ] || [ -z "$(ls -A "$IMAGE_TEST_DIR")" ] ||
    fail "IMAGE_TEST_DIR=$IMAGE_TEST_DIR is not empty; give a new or empty directory (it is deleted at the end)"
  work=$IMAGE_TEST_DIR
else
  work=$(mktemp -d /var/tmp/incluster-image-test.XXXXXX)
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
# A private podman storage: the build can only see the stand-ins made here, and nothing is left behind.
pm() { podman --root "$work/storage" --runroot "$work/run" --storage-driver overlay "$@"; }
fixture_pid=
cleanup() {
  local rc=$?
  [ $rc -eq 0 ] || printf '\ntest-image: FAILED (exit %s) after %ds\n' $rc $((SECONDS - started)) >&2
  if [ -n "$fixture_pid" ]; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
  fi
  if [ "${IMAGE_TEST_KEEP:-}" = 1 ]; then
    echo "kept $work (podman --root $work/storage --runroot $work/run images)"
  else
    pm unmount --all >/dev/null 2>&1 || true
    pm rm --all --force >/dev/null 2>&1 || true
    # Nothing of the private storage may stay mounted before it is deleted.
    findmnt -rn -o TARGET | grep -F "$work/" | sort -r | xargs -r umount -l 2>/dev/null || true
    rm -rf "$work" || echo "test-image: could not remove $work" >&2
  fi
}
trap cleanup EXIT
echo "    work directory $work"

# ---------------------------------------------------------------------------------------------------------
step "Node and npm from the npm registry"
node_version=$("$node" -p 'require(process.argv[1]).packages["node_modules/node"].version' "$repo/package-lock.json")
case $node_version in 24.*) ;; *) fail "package-lock.json pins node $node_version; the Dockerfile's images are Node 24" ;; esac
mkdir -p "$work/npm"
# Node 24 bundles npm 11; the build stand-in gets the same major from the registry.
packed=$(cd "$work/npm" && npm pack --silent "node-linux-$node_arch@$node_version" npm@11)
node_tgz=$work/npm/$(echo "$packed" | sed -n 1p)
npm_tgz=$work/npm/$(echo "$packed" | sed -n 2p)
[ -f "$node_tgz" ] && [ -f "$npm_tgz" ] || fail "npm pack did not produce the Node and npm tarballs (got: $packed)"
echo "    $(basename "$node_tgz"), $(basename "$npm_tgz")"

# mmdebstrap gets this machine's own apt sources (no hard-coded mirror), one file per argument.
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
[ "$suite" = bookworm ] || echo "    note: this machine is Debian $suite; the stand-ins are named for bookworm (Debian 12)"
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -qvE '^[[:space:]]*(#|$)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || fail "no apt sources in /etc/apt/sources.list*"

# Stand-ins are imported from a directory tree: numeric owners, nothing from the host's /dev.
import_rootfs() { # dir name --change…
  local dir=$1 name=$2
  shift 2
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" --numeric-owner -cf - . | pm import --quiet "${changes[@]}" - "$name" >/dev/null
  echo "    tagged $name ($(du -sh --apparent-size "$dir" | cut -f1))"
}

# ---------------------------------------------------------------------------------------------------------
step "build stand-in: node:24-bookworm-slim (mmdebstrap minbase + Node $node_version + npm)"
build_root=$work/rootfs-build
mmdebstrap --quiet --variant=minbase --format=directory "$suite" "$build_root" "${sources[@]}"
rm -f "$build_root/etc/resolv.conf" "$build_root/etc/hostname" # the build provides its own
tar -xzf "$node_tgz" -C "$build_root/usr/local" --strip-components=1 package/bin/node
mkdir -p "$build_root/usr/local/lib/node_modules/npm"
tar -xzf "$npm_tgz" -C "$build_root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$build_root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$build_root/usr/local/bin/npx"
build_env=(
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "ENV NODE_VERSION=$node_version"
)
# Where this machine's TLS egress is intercepted, Node is told about the extra CA through
# NODE_EXTRA_CA_CERTS; `RUN npm ci` needs the same trust, as a company's own base image would carry it.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$build_root/etc/ssl/certs"
  cp "$NODE_EXTRA_CA_CERTS" "$build_root/etc/ssl/certs/host-extra-ca.crt"
  build_env+=("ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-extra-ca.crt")
  echo "    carries this machine's NODE_EXTRA_CA_CERTS ($NODE_EXTRA_CA_CERTS) for the registry's TLS"
fi
import_rootfs "$build_root" docker.io/library/node:24-bookworm-slim "${build_env[@]}" 'CMD ["node"]'
rm -rf "$build_root"

# ---------------------------------------------------------------------------------------------------------
step "runtime stand-in: gcr.io/distroless/nodejs24-debian12:nonroot (extracted packages + /nodejs/bin/node)"
runtime_root=$work/rootfs-runtime
mmdebstrap --quiet --variant=extract --format=directory --skip=output/dev \
  --include=base-files,netbase,libc6,libgcc-s1,libstdc++6,libssl3 "$suite" "$runtime_root" "${sources[@]}"
# Distroless keeps the packages' files and nothing else: no apt/dpkg state, no awk (base-files pre-depends
# on it for its maintainer script), no resolv.conf/hostname (the runtime mounts those).
rm -rf "$runtime_root"/etc/{apt,resolv.conf,hostname} "$runtime_root"/var/{lib/apt,cache/apt,log/apt} \
  "$runtime_root"/usr/bin/mawk "$runtime_root"/usr/share/man/man1/mawk.1.gz "$runtime_root"/usr/share/doc/mawk
mkdir -p "$runtime_root/nodejs"
tar -xzf "$node_tgz" -C "$runtime_root/nodejs" --strip-components=1 package/bin/node
printf '%s\n' root:x:0:0:root:/root:/sbin/nologin nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin \
  nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin >"$runtime_root/etc/passwd"
printf '%s\n' root:x:0: nobody:x:65534: tty:x:5: staff:x:50: nonroot:x:65532: >"$runtime_root/etc/group"
install -d -m 0700 -o 65532 -g 65532 "$runtime_root/home/nonroot"
import_rootfs "$runtime_root" gcr.io/distroless/nodejs24-debian12:nonroot "USER 65532" "WORKDIR /home/nonroot" \
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" 'ENTRYPOINT ["/nodejs/bin/node"]'
rm -rf "$runtime_root"

# ---------------------------------------------------------------------------------------------------------
step "podman build --isolation chroot --pull=never: the unchanged Dockerfile"
git -C "$repo" diff --quiet HEAD -- Dockerfile 2>/dev/null || echo "    note: Dockerfile has uncommitted changes"
pm build --isolation chroot --pull=never -t "$image" -f "$repo/Dockerfile" "$repo"

# ---------------------------------------------------------------------------------------------------------
step "image figures"
config=$(pm image inspect "$image" --format '{{json .Config}}')
uncompressed=$(pm image inspect "$image" --format '{{.Size}}')
layers=$(pm image inspect "$image" --format '{{len .RootFS.Layers}}')
# Compressed = what a registry stores: push gzip layers to an OCI layout and add up the manifest's layers.
pm push --quiet --compression-format gzip "$image" "oci:$work/oci:latest"
compressed=$("$node" -e '
  const fs = require("node:fs"), dir = process.argv[1];
  const blob = (d) => fs.readFileSync(`${dir}/blobs/${d.replace(":", "/")}`);
  const manifest = JSON.parse(blob(JSON.parse(fs.readFileSync(`${dir}/index.json`)).manifests[0].digest));
  console.log(manifest.layers.map((l) => l.size).join(" "));' "$work/oci")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
compressed_total=0
for s in $compressed; do compressed_total=$((compressed_total + s)); done
base_compressed=${compressed%% *}
printf '    %-34s %s\n' "size, uncompressed" "$(mb "$uncompressed")" \
  "size, compressed (gzip layers)" "$(mb "$compressed_total")" \
  "  of which the base stand-in" "$(mb "$base_compressed")" \
  "  of which the app (3 COPY layers)" "$(mb $((compressed_total - base_compressed)))" \
  "layers" "$layers" "config" "$config"
pm history --format '    {{.Size}}\t{{.CreatedBy}}' "$image" | grep -v ' 0 B' || true

# ---------------------------------------------------------------------------------------------------------
step "export the image's root filesystem (podman create + podman export)"
rootfs=$work/rootfs
mkdir -p "$rootfs"
cid=$(pm create "$image")
pm export "$cid" | tar -C "$rootfs" --numeric-owner -xf -
pm rm "$cid" >/dev/null
echo "    $rootfs ($(du -sh --apparent-size "$rootfs" | cut -f1))"

# ---------------------------------------------------------------------------------------------------------
step "what the image contains, and does not"
json() { "$node" -e 'let v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v?.[k]; console.log(typeof v === "string" ? v : JSON.stringify(v));' "$config" "$1"; }
[ "$(json User)" = 65532:65532 ] || fail "image user is $(json User), want 65532:65532"
ok "runs as 65532:65532 (numeric, so runAsNonRoot can be verified)"
[ "$(json Entrypoint)" = '["/nodejs/bin/node","/app/dist/cli/main.js"]' ] || fail "entrypoint is $(json Entrypoint)"
ok "entrypoint /nodejs/bin/node /app/dist/cli/main.js, cmd $(json Cmd)"
found=$(find "$rootfs" \( -name sh -o -name bash -o -name dash -o -name ash -o -name zsh -o -name ksh \
  -o -name busybox -o -name toybox \) -not -type d -printf '/%P\n')
[ -z "$found" ] || fail "a shell in the image: $found"
ok "no shell (no sh, bash, dash, ash, zsh, ksh, busybox anywhere)"
found=$(find "$rootfs" \( \( -name apt -o -name apt-get -o -name dpkg -o -name npm -o -name npx -o -name yarn \
  -o -name pnpm -o -name corepack -o -name npm-cli.js \) -not -type d \) -o \( -path '*/node_modules/*' -type d \
  \( -name npm -o -name yarn -o -name pnpm -o -name corepack \) \) -printf '/%P\n')
[ -z "$found" ] || fail "a package manager in the image: $found"
ok "no package manager (no apt, dpkg, npm, npx, yarn, pnpm, corepack)"
found=$(find "$rootfs" -xdev -perm /6000 -type f -printf '/%P\n')
[ -z "$found" ] || fail "setuid/setgid files: $found"
ok "no setuid or setgid file"
# Every package in /app/node_modules must be a production package of the lock; name the dev ones found.
"$node" -e '
  const fs = require("node:fs"), [lockFile, modules] = process.argv.slice(1);
  const lock = JSON.parse(fs.readFileSync(lockFile)).packages;
  const installed = [];
  for (const e of fs.readdirSync(modules)) {
    if (e.startsWith(".")) continue;
    if (e.startsWith("@")) for (const s of fs.readdirSync(`${modules}/${e}`)) installed.push(`${e}/${s}`);
    else installed.push(e);
  }
  const wrong = installed.filter((p) => !lock[`node_modules/${p}`] || lock[`node_modules/${p}`].dev);
  if (wrong.length) { console.error(`    dev or unknown packages in /app/node_modules: ${wrong.join(", ")}`); process.exit(1); }
  const dev = Object.keys(JSON.parse(fs.readFileSync(lockFile.replace(/package-lock.json$/, "package.json"))).devDependencies);
  console.log(`    ok  ${installed.length} packages in /app/node_modules, all production (none of ${dev.join(", ")})`);
' "$repo/package-lock.json" "$rootfs/app/node_modules" || fail "dev dependencies leaked into the image"
[ ! -e "$rootfs/app/src" ] || fail "TypeScript sources (/app/src) in the image"
ok "no TypeScript sources, only dist/"

# ---------------------------------------------------------------------------------------------------------
step "local API server (test/image/cluster-fixture.ts): namespace, Pods, ServiceAccounts, Role, tokens"
cluster_dir=$work/cluster
mkdir -p "$cluster_dir"
"$node" "$repo/test/image/cluster-fixture.ts" "$cluster_dir" &
fixture_pid=$!
for _ in $(seq 1 240); do
  [ -f "$cluster_dir/cluster.json" ] && break
  kill -0 "$fixture_pid" 2>/dev/null || fail "the cluster fixture exited"
  sleep 0.25
done
[ -f "$cluster_dir/cluster.json" ] || fail "the cluster fixture was not ready within 60 s"
port=$("$node" -p 'require(process.argv[1]).port' "$cluster_dir/cluster.json")
test_namespace=$("$node" -p 'require(process.argv[1]).namespace' "$cluster_dir/cluster.json")
pods=$("$node" -p 'require(process.argv[1]).pods' "$cluster_dir/cluster.json")

# Mount points the runtime would create in the container's root before making it read-only; refuse paths
# that leave the root filesystem through a symlink.
for p in $namespace_dir /dev/null /dev/zero /dev/random /dev/urandom /dev/full; do
  case $(realpath -m "$rootfs$p") in "$rootfs"/*) ;; *) fail "$p leaves the image root through a symlink" ;; esac
done
mkdir -p "$rootfs$namespace_dir"
touch "$rootfs"/dev/{null,zero,random,urandom,full}
# The image's environment as a container runtime sets it, plus what the kubelet adds.
mapfile -t image_env < <("$node" -e 'for (const e of JSON.parse(process.argv[1]).Env ?? []) console.log(e)' "$config")
mapfile -t entrypoint < <("$node" -e 'for (const e of JSON.parse(process.argv[1]).Entrypoint) console.log(e)' "$config")

working_dir=$(json WorkingDir)
setpriv=$(command -v setpriv)
nsenter=$(command -v nsenter)

# in_image SA_DIR ARGS…: runs the image's entrypoint with ARGS (Kubernetes `args`) as a kubelet would: a
# private mount and pid namespace, the image's root read-only, the ServiceAccount directory read-only at
# its place, user 65532:65532 with no capabilities and no new privileges, cwd = the image's WorkingDir, the
# image's environment plus the kubelet's, and the host's network (loopback reaches the API server).
# IN_IMAGE_COMMAND=path replaces the entrypoint (Kubernetes `command`).
in_image() {
  local sa=$1
  shift
  local command=("${entrypoint[@]}")
  [ -z "${IN_IMAGE_COMMAND:-}" ] || command=("$IN_IMAGE_COMMAND")
  unshare --mount --pid --fork --propagation private -- bash -euc '
    root=$1 sa=$2 target=$3 wd=$4 setpriv=$5 nsenter=$6
    shift 6
    mount --bind "$root" "$root"
    mount --bind "$sa" "$root$target"
    mount -o remount,bind,ro,nosuid,nodev "$root$target"
    for d in null zero random urandom full; do mount --bind "/dev/$d" "$root/dev/$d"; done
    mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
    mount -o remount,bind,ro,nosuid,nodev "$root"
    environment=()
    while [ "$1" != -- ]; do environment+=("$1"); shift; done
    shift
    # env runs here, on the host side: the image has no env (nor any other program but node).
    exec env -i "${environment[@]}" "$setpriv" --no-new-privs \
      "$nsenter" --root="$root" --wd="$root$wd" --setuid 65532 --setgid 65532 -- "$@"
  ' in_image "$rootfs" "$sa" "$namespace_dir" "$working_dir" "$setpriv" "$nsenter" \
    "${image_env[@]}" HOME=/home/nonroot HOSTNAME=pod-counter \
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$port" KUBERNETES_SERVICE_PORT_HTTPS="$port" \
    -- "${command[@]}" "$@"
}

# ---------------------------------------------------------------------------------------------------------
step "run: user 65532, read-only root, no shell (entrypoint replaced by a node probe)"
probe='
  const fs = require("node:fs"), cp = require("node:child_process");
  const write = (p) => { try { fs.writeFileSync(p, "x"); return "written"; } catch (e) { return e.code; } };
  let shell; try { cp.execSync("true", { stdio: "ignore" }); shell = "ran"; } catch (e) { shell = e.code; }
  console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(),
    writeApp: write("/app/probe"), writeTmp: write("/tmp/probe"), writeHome: write("/home/nonroot/probe"),
    shell, saFiles: fs.readdirSync(process.argv[1]).sort().join(",") }));'
out=$(IN_IMAGE_COMMAND=/nodejs/bin/node in_image "$cluster_dir/allowed" -e "$probe" "$namespace_dir") ||
  fail "the probe did not run in the image"
echo "    $out"
expect() { # description, key, wanted value
  local got
  got=$("$node" -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$out" "$2")
  [ "$got" = "$3" ] || fail "$1: got $got, want $3"
  ok "$1"
}
expect "runs as uid 65532" uid 65532
expect "runs as gid 65532" gid 65532
expect "working directory /app" cwd /app
expect "read-only root: writing /app fails with EROFS" writeApp EROFS
expect "read-only root: writing /tmp fails with EROFS" writeTmp EROFS
expect "read-only root: writing \$HOME fails with EROFS" writeHome EROFS
expect "no shell: child_process.execSync fails with ENOENT (/bin/sh)" shell ENOENT
expect "ServiceAccount files mounted at $namespace_dir" saFiles ca.crt,namespace,token

# ---------------------------------------------------------------------------------------------------------
step "run: pods count --once, ServiceAccount with a Role allowing list pods"
set +e
in_image "$cluster_dir/allowed" pods count --once -n "$test_namespace" >"$work/allowed.out" 2>"$work/allowed.err"
rc=$?
set -e
sed 's/^/    | /' "$work/allowed.out" "$work/allowed.err"
[ $rc -eq 0 ] || fail "pods count --once exited $rc, want 0"
grep -q "There are $pods pods in namespace $test_namespace" "$work/allowed.out" ||
  fail "pods count did not print 'There are $pods pods in namespace $test_namespace'"
ok "exit 0, counted $pods Pods"

# ---------------------------------------------------------------------------------------------------------
step "run: pods count --once, ServiceAccount without RBAC"
set +e
in_image "$cluster_dir/denied" pods count --once -n "$test_namespace" >"$work/denied.out" 2>"$work/denied.err"
rc=$?
set -e
sed 's/^/    | /' "$work/denied.out" "$work/denied.err" | head -12
echo "    | …"
[ $rc -eq 3 ] || fail "pods count --once without RBAC exited $rc, want 3 (forbidden)"
cat "$work/denied.out" "$work/denied.err" >"$work/denied.all"
grep -qF "pods is forbidden: User \"system:serviceaccount:$test_namespace:denied\" cannot list resource \"pods\"" \
  "$work/denied.all" || fail "no Kubernetes 403 message naming the ServiceAccount"
grep -qF "Least-privilege fix" "$work/denied.all" || fail "no least-privilege fix in the explanation"
grep -qF "kind: RoleBinding" "$work/denied.all" || fail "the explanation has no RoleBinding to apply"
ok "exit 3 with the 403 explanation and the Role + RoleBinding that fix it"

# ---------------------------------------------------------------------------------------------------------
step "run: the Deployment's way (pods count, probes on the metrics port, SIGTERM to pid 1)"
metrics_port=$("$node" -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => {
  console.log(s.address().port); s.close(); });')
in_image "$cluster_dir/allowed" pods count -n "$test_namespace" --every 2s --metrics-port "$metrics_port" \
  >"$work/deployment.out" 2>&1 &
runner=$!
http_get() { # path → "status body"
  "$node" -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, (await r.text()).trim()),
    () => console.log("000"));' "http://127.0.0.1:$metrics_port$1"
}
ready=
for _ in $(seq 1 120); do
  ready=$(http_get /readyz)
  [ "${ready%% *}" = 200 ] && break
  kill -0 "$runner" 2>/dev/null || break
  sleep 0.25
done
[ "${ready%% *}" = 200 ] || { sed 's/^/    | /' "$work/deployment.out"; fail "/readyz never answered 200 (last: $ready)"; }
ok "/readyz: $ready"
live=$(http_get /healthz)
[ "${live%% *}" = 200 ] || fail "/healthz answered $live"
ok "/healthz: $live"
metrics=$(http_get /metrics)
[ "${metrics%% *}" = 200 ] && grep -q '^# TYPE ' <<<"$metrics" || fail "/metrics is not Prometheus text: ${metrics:0:200}"
ok "/metrics: $(grep -c '^# TYPE ' <<<"$metrics") metric families"
# The app is pid 1 of its pid namespace, as in a container: it gets SIGTERM only because it handles it.
# Its host pid: the deepest process under the runner (subshell → unshare → node; nsenter and setpriv exec).
app_pid=$runner
while child=$(pgrep -P "$app_pid" | head -1) && [ -n "$child" ]; do app_pid=$child; done
case $(readlink "/proc/$app_pid/exe") in */nodejs/bin/node) ;; *) fail "the process under $runner is not the image's node" ;; esac
kill -TERM "$app_pid"
set +e
wait "$runner"
rc=$?
set -e
sed 's/^/    | /' "$work/deployment.out"
[ $rc -eq 0 ] || fail "after SIGTERM the app exited $rc, want 0"
grep -q "There are $pods pods in namespace $test_namespace" "$work/deployment.out" || fail "no count printed"
ok "counted, then exited 0 on SIGTERM"

# ---------------------------------------------------------------------------------------------------------
step "podman run (runc): the same two counts under a real OCI runtime (seccomp, no capabilities)"
# crun refuses this machine's hybrid cgroups, and podman's default rlimits are refused here (EPERM for
# nofile above the host's hard limit, and for nproc above a few thousand): runc with explicit limits works.
podman_run() { # SA_DIR ARGS…
  local sa=$1
  shift
  pm --runtime runc run --rm --read-only --read-only-tmpfs=false --user 65532:65532 --cap-drop ALL \
    --security-opt no-new-privileges --network host \
    --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=4096:4096 \
    -v "$sa:$namespace_dir:ro" -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e KUBERNETES_SERVICE_PORT="$port" \
    "$image" "$@"
}
set +e
podman_run "$cluster_dir/allowed" pods count --once -n "$test_namespace" >"$work/podman-allowed.out" 2>&1
rc=$?
set -e
sed 's/^/    | /' "$work/podman-allowed.out"
[ $rc -eq 0 ] || fail "podman run … pods count --once exited $rc, want 0"
grep -q "There are $pods pods in namespace $test_namespace" "$work/podman-allowed.out" || fail "no count printed"
ok "exit 0, counted $pods Pods"
set +e
podman_run "$cluster_dir/denied" pods count --once -n "$test_namespace" >"$work/podman-denied.out" 2>&1
rc=$?
set -e
sed -n 1p "$work/podman-denied.out" | sed 's/^/    | /'
[ $rc -eq 3 ] || fail "podman run … pods count --once without RBAC exited $rc, want 3"
grep -qF "Least-privilege fix" "$work/podman-denied.out" || fail "no least-privilege fix in the explanation"
ok "exit 3 with the explanation"
status=$(pm --runtime runc run --rm --read-only --read-only-tmpfs=false --user 65532:65532 --cap-drop ALL \
  --security-opt no-new-privileges --network none --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" \
  --ulimit nproc=4096:4096 --entrypoint /nodejs/bin/node "$image" \
  -e 'process.stdout.write(require("node:fs").readFileSync("/proc/self/status", "utf8"))')
for want in "Uid:"$'\t'"65532" "CapEff:"$'\t'"0000000000000000" "NoNewPrivs:"$'\t'"1" "Seccomp:"$'\t'"2"; do
  grep -q "^$want" <<<"$status" || fail "/proc/self/status in the container lacks '$want'"
done
ok "uid 65532, no effective capabilities, no new privileges, seccomp filter (podman's default profile)"

step "PASS: the Dockerfile builds, and the image runs read-only as 65532 against a real API server ($((SECONDS - started)) s)"
