#!/usr/bin/env bash
# Runs mailform-bench at 1,000, 10,000 and 50,000 domains (10 mailboxes and
# 2 aliases each) and prints each step's figures side by side, with the
# growth factor from one size to the next: linear cost gives 10x and 5x.
#
# With DNSCONTROL set to a dnscontrol binary, DNSControl's preview of the
# same zones is timed in the same run, as the step dnscontrol-preview, at
# the sizes in PEER_SIZES (default 1,000 and 10,000: at 50,000 it runs for
# more than a quarter of an hour). docs/performance.md says how to build one.
#
# Every step runs REPEAT times (default 3) and gives its median time: one
# run's time wanders by a tenth or more on a busy machine. The runs of a
# step take turns between the sizes, so that the growth factors compare
# runs made minutes apart at most, not a quarter of an hour.
#
# At the end it prints, as comment lines, what the machine charged for
# memory touched for the first time (mailform-bench memtouch) at 1 GB and at
# 4 GB, with the price of each 256 MB in turn, and for writing 1 GB to a
# file while holding that memory: on some virtual machines a page fault,
# and a page of the kernel's file cache, cost several times more once the
# memory the host still backs is used up, and the largest size's steps pay
# for that. Then the guest's free page reporting settings, if it has any.
#
# Usage: scripts/bench.sh              (SIZES="1000 10000 50000" by default)
#        SIZES="1000 10000" FORMAT=yaml scripts/bench.sh
#        DNSCONTROL=/path/to/dnscontrol scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000 50000"}
FORMAT=${FORMAT:-hcl}
PEER_SIZES=${PEER_SIZES:-"1000 10000"}
REPEAT=${REPEAT:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/mailform" ./cmd/mailform
go build -o "$out/mailform-bench" ./cmd/mailform-bench
# The sizes are measured side by side, each run of a step at every size in
# turn (mailform-bench run's usage says why), and reported smallest first.
SIZES=$(printf '%s\n' $SIZES | sort -n | paste -sd ' ')
peer=()
if [ -n "${DNSCONTROL:-}" ]; then
  peer=(--dnscontrol "$DNSCONTROL" --dnscontrol-domains "${PEER_SIZES// /,}")
fi
"$out/mailform-bench" run --domains "${SIZES// /,}" --format "$FORMAT" --mailform "$out/mailform" --repeat "$REPEAT" "${peer[@]}" | tee "$out/all.txt" >&2

# One row per step: seconds and peak MB at each size, then the growth of
# the seconds from each size to the next.
awk -v sizes="$SIZES" '
  BEGIN { n = split(sizes, size, " ") }
  /^# [0-9]+ domains, / { file++ }
  /^#/ || /^step / { next }
  {
    if (!($1 in seen)) { seen[$1] = 1; order[++steps] = $1 }
    secs[$1, file] = $2; rss[$1, file] = $3
  }
  END {
    printf "%-18s", "step"
    for (i = 1; i <= n; i++) printf " %14s", size[i] " s/MB"
    for (i = 2; i <= n; i++) printf " %9s", "x" size[i] / size[i-1]
    printf "\n"
    for (s = 1; s <= steps; s++) {
      st = order[s]
      printf "%-18s", st
      for (i = 1; i <= n; i++) {
        if ((st, i) in secs) printf " %8.2f/%5d", secs[st, i], rss[st, i]
        else printf " %14s", "-"
      }
      for (i = 2; i <= n; i++) {
        if (secs[st, i-1] > 0 && (st, i) in secs) printf " %9.1f", secs[st, i] / secs[st, i-1]
        else printf " %9s", "-"
      }
      printf "\n"
    }
  }' "$out/all.txt"

for mb in 1024 4096; do
  "$out/mailform-bench" memtouch --mb "$mb" --step-mb 256 --write-mb 1024 --dir "$out" | sed 's/^/# memtouch: /'
done
# A guest kernel that reports free memory to its host (virtio-balloon free
# page reporting) gives the host back memory the guest has freed; touching
# it again costs a fault in the host too. These are its settings, if any.
for f in /sys/module/page_reporting/parameters/*; do
  [ -r "$f" ] && echo "# page_reporting: $(basename "$f")=$(cat "$f")"
done
