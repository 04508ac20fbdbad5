#!/bin/bash
# run.sh [FILE.s ...] — native check of convention routines (default: every asm/conventions/*/ok-*.s).
# Needs gcc on x86-64 Linux. Prints one line per file; exit 1 if an ok-*.s fails.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
files=("$@")
[ ${#files[@]} -eq 0 ] && files=("$root"/asm/conventions/*/ok-*.s)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
for f in "${files[@]}"; do
  case "$f" in
    *boost-fcontext/*) def=BOOST ;; *libaco/*) def=ACO ;; *minicoro/*) def=MCO ;; *libco/*) def=LIBCO ;;
    *) echo "skip $f (unknown convention)"; continue ;;
  esac
  extra=()
  [ $def = MCO ] && ! grep -q '^_mco_wrap_main:' "$f" && extra=("$here/wrap.s")
  if ! gcc -O2 -D$def -no-pie "$here/harness.c" "$here/probe.s" "$here/stub.s" "${extra[@]}" "$f" -o "$tmp/t" 2>"$tmp/err"; then
    echo "BUILD FAILED $f"; head -3 "$tmp/err"; status=1; continue
  fi
  out=$(timeout 10 "$tmp/t" 2>&1); rc=$?
  echo "rc=$rc ${out:-(crashed or hung)}  $(basename "$(dirname "$f")")/$(basename "$f")"
  case "$(basename "$f")" in ok-*) [ $rc -eq 0 ] || status=1 ;; esac
done
exit $status
