#!/usr/bin/env bash
# Runs mailform-bench at 1,000, 10,000 and 50,000 domains (10 mailboxes and
# 2 aliases each) and prints each step's figures side by side, with the
# growth factor from one size to the next: linear cost gives 10x and 5x.
#
# With DNSCONTROL set to a dnscontrol binary, DNSControl's preview of the
# same zones is timed in the same run, each of its runs paired with a
# mailform no-op plan of the same size, at the sizes in PEER_SIZES (default
# 10,000: at 50,000 it runs for more than a quarter of an hour).
# docs/performance.md says how to build one.
#
# With BEFORE set to another mailform binary (a build of the code before a
# change), both are measured side by side and compared step by step.
#
# Every step runs REPEAT times (default 3) and gives its median time: one
# run's time wanders by a tenth or more on a busy machine. The runs of a
# step take turns between the sizes, so that the growth factors compare
# runs made minutes apart at most, not a quarter of an hour.
#
# Usage: scripts/bench.sh              (SIZES="1000 10000 50000" by default)
#        SIZES="1000 10000" FORMAT=yaml scripts/bench.sh
#        DNSCONTROL=/path/to/dnscontrol scripts/bench.sh
#        BEFORE=/tmp/mailform-before SIZES="10000 50000" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000 50000"}
FORMAT=${FORMAT:-hcl}
PEER_SIZES=${PEER_SIZES:-"10000"}
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
builds="$out/mailform"
if [ -n "${BEFORE:-}" ]; then
  builds="before=$BEFORE,after=$out/mailform"
fi
"$out/mailform-bench" run --domains "${SIZES// /,}" --format "$FORMAT" --mailform "$builds" --repeat "$REPEAT" "${peer[@]}" | tee "$out/all.txt" >&2
if [ -n "${BEFORE:-}" ]; then
  exit 0 # mailform-bench compared the builds and gave their growth
fi

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
