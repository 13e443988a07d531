#!/usr/bin/env bash
# The whole mailform test suite: formatting, vet, unit and end-to-end tests,
# and a short fuzzing run of every parser of user input (and of the
# fast paths held to a library's result). It installs with apt-get
# the Debian packages of the real servers the tests need, when missing.
#
# Usage: scripts/test.sh            (FUZZTIME=20s by default; FUZZTIME=0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages of the real servers and tools the tests run against.
PACKAGES=(
  bind9-utils   # named-checkzone checks every zone file written
  bind9 knot pdns-server pdns-backend-sqlite3   # DNS providers: BIND, Knot and PowerDNS on loopback
  postgresql    # the PostgreSQL backend
  dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sqlite dovecot-pgsql dovecot-sieve dovecot-managesieved
  postfix postfix-sqlite postfix-pgsql
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # Postfix installs unconfigured: the tests start their own on loopback.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 ./...

FUZZTIME=${FUZZTIME:-20s}
if [ "$FUZZTIME" != "0" ]; then
  # Minimising a new input takes up to a minute by default and stalls a
  # short run; two seconds is plenty for inputs this small.
  # Every fuzz target of the module, found in the sources: one that moves
  # or is added is fuzzed without this list being kept by hand.
  pairs=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
    d=$(dirname "$f")
    grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |${d#./}:|"
  done)
  [ -n "$pairs" ] || { echo "no fuzz target found"; exit 1; }
  for pair in $pairs; do
    pkg=./${pair%%:*} target=${pair#*:}
    echo "== fuzz $target ($FUZZTIME)"
    # go test -fuzz can end with "context deadline exceeded" when the time
    # runs out while it minimises a new input, with no failing input found:
    # that run is repeated once; a real failure writes its input to testdata.
    if ! out=$(go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s 2>&1); then
      echo "$out"
      if grep -q "context deadline exceeded" <<<"$out" && ! grep -q "Failing input written" <<<"$out"; then
        echo "== fuzz $target: the run ended during minimisation; running it again"
        go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s
      else
        exit 1
      fi
    else
      echo "$out" | tail -3
    fi
  done
fi
echo "== all tests passed"
