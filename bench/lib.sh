# Shared by the benchmarks: fixtures, peers, and writing bench/RESULTS.md.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BURROW=$REPO/dist/burrow
RESULTS=$BENCH_DIR/RESULTS.md

need() { # need COMMAND PACKAGE: apt-get install PACKAGE when COMMAND is missing
  command -v "$1" >/dev/null 2>&1 && return
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

install_peers() {
  need hyperfine hyperfine; need crun crun; need runc runc; need bwrap bubblewrap
  need jq jq; need busybox busybox-static; [ -x /usr/bin/time ] || need time time
  [ -x "$BURROW" ] || (cd "$REPO" && bun run build >/dev/null)
}

# a busybox rootfs in $1, and an OCI bundle around it in $2 that runs ARGS...
make_rootfs() {
  local dir=$1
  mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root}
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
  echo 'root:x:0:' > "$dir/etc/group"
}

make_bundle() { # make_bundle DIR ROOTFS JQ-FILTER ARGS-JSON
  local dir=$1 rootfs=$2 filter=$3 args=$4
  mkdir -p "$dir"
  (cd "$dir" && crun spec >/dev/null)
  # this host's root lacks CAP_SYS_RESOURCE: crun/runc cannot raise RLIMIT_NOFILE, so leave rlimits out
  jq --arg root "$rootfs" --argjson args "$args" \
    '.root.path = $root | .root.readonly = false | .process.terminal = false | .process.args = $args
     | del(.process.rlimits) | .linux.namespaces += [{"type":"cgroup"}] | '"$filter" \
    "$dir/config.json" > "$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

# crun refuses hybrid cgroups while /sys/fs/cgroup/unified holds a controller: peers and
# burrow run side by side in one private mount namespace where it is unmounted
in_bench_namespace() {
  unshare -m --propagation private bash -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' bench "$@"
}

median_ms() { # median_ms HYPERFINE-JSON INDEX
  jq -r ".results[$2].median * 1000" "$1"
}

peak_rss_kib() { # peak_rss_kib COMMAND...
  /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

# replace the section between <!-- NAME:begin --> and <!-- NAME:end --> in RESULTS.md
write_section() { # write_section NAME FILE-WITH-CONTENT
  local name=$1 content=$2
  [ -f "$RESULTS" ] || printf '# burrow benchmarks\n\nMeasured side by side on one machine, in one run each; ratios are what to compare.\n' > "$RESULTS"
  python3 - "$RESULTS" "$name" "$content" <<'PY'
import sys, re
path, name, content = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip() + "\n"
text = open(path).read()
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
block = f"{begin}\n{content}{end}"
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
}

machine_line() {
  echo "$(date -u +%Y-%m-%d), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
}
