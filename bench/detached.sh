#!/usr/bin/env bash
# Detached containers: memory that burrow keeps running per container (its
# monitor) for 50 `sleep` containers, and the time of `run -d` and `exec true`
# next to crun's.   bench/detached.sh [--quick]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count=50; runs=30
[ "${1:-}" = --quick ] && { count=10; runs=10; }
install_peers

work=$(mktemp -d /tmp/burrow-bench.XXXXXX)
state=$work/state
cleanup() {
  "$BURROW" --root "$state" rm -f $("$BURROW" --root "$state" ps -aq) >/dev/null 2>&1 || true
  in_bench_namespace crun delete -f bench-exec >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
make_rootfs "$work/rootfs"
make_bundle "$work/sleeper" "$work/rootfs" '.' '["/bin/sleep","600"]'
# nothing left to write back: on this VM a disk busy with earlier writes (a test run,
# a pull) slows every start, burrow's and its peers' alike, by 50% or more
sync
R=$work/rootfs

for i in $(seq "$count"); do "$BURROW" --root "$state" run -d --name "sleep$i" --rootfs "$R" sleep 600 >/dev/null; done
pss_total=0
for pid in $(pgrep -f "burrow-monitor $state/"); do
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
  pss_total=$((pss_total + pss))
done
monitors=$(pgrep -fc "burrow-monitor $state/")
per_container=$(echo "$pss_total / $monitors / 1024" | bc -l)
"$BURROW" --root "$state" rm -f $("$BURROW" --root "$state" ps -aq) >/dev/null

"$BURROW" --root "$state" run -d --name target --rootfs "$R" sleep 600 >/dev/null
in_bench_namespace bash -c '
  crun run -d -b "$1" bench-exec
  hyperfine -N --warmup 3 --runs "$2" --export-json "$3" \
    -n "burrow run -d + rm -f" "bash -c \"$4 --root $5 rm -f \$($4 --root $5 run -d --rootfs $6 sleep 600) >/dev/null\"" \
    -n "burrow exec true" "$4 --root $5 exec target /bin/true" \
    -n "crun exec true" "crun exec bench-exec /bin/true"
  crun delete -f bench-exec
' bench "$work/sleeper" "$runs" "$work/exec.json" "$BURROW" "$state" "$R" >&2

{
  echo "## Detached containers: memory per container, run -d, exec"
  echo
  echo "$(machine_line) (\`bench/detached.sh\`)."
  echo
  echo "What stays running per detached container besides the container itself is burrow's monitor (c/monitor.c, static, from a memfd):"
  echo
  echo "| holder | containers | PSS per container |"
  echo "|---|---:|---:|"
  printf '| burrow-monitor | %d | %.2f MiB |\n' "$monitors" "$per_container"
  echo "| conmon (podman) | - | not measured: podman is not installed here, and stock podman fails on this host (rlimits, hybrid cgroups) |"
  echo
  echo "| command | median ms | mean ± sd ms |"
  echo "|---|---:|---:|"
  jq -r '.results[] | [.command, (.median*1000), (.mean*1000), (.stddev*1000)] | @tsv' "$work/exec.json" |
    while IFS=$'\t' read -r name median mean sd; do printf '| %s | %.2f | %.2f ± %.2f |\n' "$name" "$median" "$mean" "$sd"; done
  b=$(median_ms "$work/exec.json" 1); c=$(median_ms "$work/exec.json" 2)
  echo
  printf '`burrow exec` / `crun exec`: %.2f×.\n' "$(echo "$b / $c" | bc -l)"
} > "$work/section.md"
write_section detached "$work/section.md"
cat "$work/section.md"
