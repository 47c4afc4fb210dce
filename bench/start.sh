#!/usr/bin/env bash
# Start-up: `run --rootfs R /bin/true` next to crun, runc, bwrap, unshare and a
# plain /bin/true, in ONE hyperfine run; medians, ratios to crun, peak RSS.
# Also the cost of a cgroup with a memory and pids limit, next to crun with
# the same limits.   bench/start.sh [--quick]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=40; [ "${1:-}" = --quick ] && runs=10
install_peers

work=$(mktemp -d /tmp/burrow-bench.XXXXXX)
state=$work/state
trap 'rm -rf "$work"' EXIT
make_rootfs "$work/rootfs"
make_bundle "$work/plain" "$work/rootfs" '.' '["/bin/true"]'
make_bundle "$work/limited" "$work/rootfs" '.linux.resources = {"memory":{"limit":67108864},"pids":{"limit":100}}' '["/bin/true"]'
R=$work/rootfs
# nothing left to write back: on this VM a disk busy with earlier writes (a test run,
# a pull) slows every start, burrow's and its peers' alike, by 50% or more
sync

in_bench_namespace hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/start.json" \
  -n burrow "$BURROW --root $state run --rm --rootfs $R /bin/true" \
  -n crun "crun run -b $work/plain bench-crun" \
  -n runc "runc run -b $work/plain bench-runc" \
  -n bwrap "bwrap --unshare-all --ro-bind $R / --proc /proc --dev /dev /bin/true" \
  -n unshare "unshare --fork --pid --mount --uts --ipc --net --cgroup --root=$R /bin/true" \
  -n true "/bin/true" >&2

in_bench_namespace hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/limits.json" \
  -n "burrow" "$BURROW --root $state run --rm --rootfs $R /bin/true" \
  -n "burrow --memory 64m --pids-limit 100" "$BURROW --root $state run --rm --memory 64m --pids-limit 100 --rootfs $R /bin/true" \
  -n "crun" "crun run -b $work/plain bench-crun" \
  -n "crun, same limits" "crun run -b $work/limited bench-crun2" >&2

crun_ms=$(median_ms "$work/start.json" 1)
rss() { in_bench_namespace /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
declare -A peak=(
  [burrow]=$(rss "$BURROW" --root "$state" run --rm --rootfs "$R" /bin/true)
  [crun]=$(rss crun run -b "$work/plain" bench-crun)
  [runc]=$(rss runc run -b "$work/plain" bench-runc)
  [bwrap]=$(rss bwrap --unshare-all --ro-bind "$R" / --proc /proc --dev /dev /bin/true)
  [unshare]=$(rss unshare --fork --pid --mount --uts --ipc --net --cgroup --root="$R" /bin/true)
  [true]=$(rss /bin/true)
)
# where burrow's time goes, from its own --debug steps
debug=$("$BURROW" --debug --root "$state" run --rm --rootfs "$R" /bin/true 2>&1 | sed -n 's/^burrow: debug: *//p')

{
  echo "## Start time: run /bin/true in new namespaces"
  echo
  echo "$(machine_line). crun $(crun --version | head -1 | awk '{print $3}'), runc $(runc --version | head -1 | awk '{print $3}'), $(bwrap --version), hyperfine $runs runs after 5 warm-ups, all in one private mount namespace (\`bench/start.sh\`)."
  echo
  echo "| command | median ms | mean ± sd ms | × crun | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|"
  jq -r --argjson crun "$crun_ms" '.results[] | [.command, (.median*1000), (.mean*1000), (.stddev*1000)] | @tsv' "$work/start.json" |
    while IFS=$'\t' read -r name median mean sd; do
      printf '| %s | %.2f | %.2f ± %.2f | %.2f | %.1f |\n' "$name" "$median" "$mean" "$sd" "$(echo "$median / $crun_ms" | bc -l)" "$(echo "${peak[$name]} / 1024" | bc -l)"
    done
  echo
  echo "burrow's binary: $(( $(stat -c %s "$BURROW") / 1024 / 1024 )) MiB. Its own steps (\`--debug\`, ms since start):"
  echo
  echo '```'
  echo "$debug"
  echo '```'
  echo
  echo "## Cost of a cgroup with a memory and a pids limit"
  echo
  echo "| command | median ms | added by the limits ms |"
  echo "|---|---:|---:|"
  b=$(median_ms "$work/limits.json" 0); bl=$(median_ms "$work/limits.json" 1); c=$(median_ms "$work/limits.json" 2); cl=$(median_ms "$work/limits.json" 3)
  printf '| burrow | %.2f | |\n| burrow --memory 64m --pids-limit 100 | %.2f | %.2f |\n| crun | %.2f | |\n| crun, same limits | %.2f | %.2f |\n' "$b" "$bl" "$(echo "$bl - $b" | bc -l)" "$c" "$cl" "$(echo "$cl - $c" | bc -l)"
} > "$work/section.md"
write_section start "$work/section.md"
cat "$work/section.md"
