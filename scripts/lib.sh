# Shared by scripts/setup, scripts/test, .ci/run and ./ctxlab. Sourced, not run.
# Finds a JDK 25 (the default java on these machines is 17) and exports JAVA_HOME.

# Without forks (a cold ./ctxlab is a few hundred ms; each fork here costs ~3 ms): cd and back.
case "${BASH_SOURCE[0]}" in */*) ctxlab_lib_dir="${BASH_SOURCE[0]%/*}" ;; *) ctxlab_lib_dir=. ;; esac
ctxlab_caller_dir="$PWD"
CDPATH= cd "$ctxlab_lib_dir/.." && ctxlab_root="$PWD" && CDPATH= cd "$ctxlab_caller_dir"
unset ctxlab_lib_dir ctxlab_caller_dir

# Without forks where it can (each costs ~3.5 ms on these machines, and every ./ctxlab run asks):
# the results come back in variables, not through $(...).
jdk_major() { # $1 = path to a java binary; sets ctxlab_major to its feature release ("" when unknown)
  # The JDK's release file says it without starting a JVM (~0.1 s saved on every ./ctxlab run).
  local release="${1%/bin/java}/release" line
  ctxlab_major=""
  if [ -f "$release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then ctxlab_major="${BASH_REMATCH[1]}"; return 0; fi
    done < "$release"
  else
    ctxlab_major="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1)"
  fi
}

java_major() { # $1 = path to a java binary; prints its feature release
  jdk_major "$1"
  echo "$ctxlab_major"
}

find_jdk25() { # sets ctxlab_jdk to a JDK 25 or newer; status 1 when there is none
  local candidate
  for candidate in "${CTXLAB_JAVA_HOME:-}" "${JAVA_HOME:-}" \
      /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
      /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64 \
      /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    jdk_major "$candidate/bin/java"
    if [ -n "$ctxlab_major" ] && [ "$ctxlab_major" -ge 25 ] 2>/dev/null; then
      ctxlab_jdk="$candidate"; return 0
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    local home; home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    jdk_major "$home/bin/java"
    if [ -n "$ctxlab_major" ] && [ "$ctxlab_major" -ge 25 ] 2>/dev/null; then ctxlab_jdk="$home"; return 0; fi
  fi
  return 1
}

use_jdk25() {
  local home
  if ! find_jdk25; then
    echo "ctxlab: JDK 25 or newer not found (looked at \$CTXLAB_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm)." >&2
    echo "ctxlab: install one (e.g. Temurin 25) and point CTXLAB_JAVA_HOME at it." >&2
    return 2
  fi
  home="$ctxlab_jdk"
  export JAVA_HOME="$home"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Maven's own guava warns under JDK 25 about sun.misc.Unsafe: quiet it.
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"

# The launcher's JVM flags, shared with the AOT training run in scripts/setup (an AOT cache is used
# only by a JVM started the way the one that made it was). C1 only: start-up dominates every command.
# A 16 MB young generation: verify allocates some 4 KB per check, and with the default (~100 MB)
# every check until the first collection wrote to pages the kernel had never given the process:
# page faults and zeroing made the first 20,000 checks cost 2-3 times the later ones.
# No perf-data file (/tmp/hsperfdata_USER/PID, for jps and jstat): creating and deleting it cost
# 15-25 ms of every start here (docs/performance.md), and a CLI run is not a process to monitor.
ctxlab_jvm_flags=(--enable-native-access=ALL-UNNAMED -Xss8m -XX:+UseSerialGC -Xmn16m -XX:TieredStopAtLevel=1 -XX:-UsePerfData)

# Whether the arguments ask verify for 500,000 or more iterations (the launcher then uses the full JIT).
long_verify() {
  local verify=false prev="" arg n=""
  for arg in "$@"; do
    [ "$arg" = verify ] && verify=true
    [ "$prev" = --iterations ] && n="$arg"
    case "$arg" in --iterations=*) n="${arg#--iterations=}" ;; esac
    prev="$arg"
  done
  $verify && [[ $n =~ ^[0-9]{1,9}$ ]] && [ "$n" -ge 500000 ]
}

# Whether src/main or pom.xml has anything newer than the file $1 (the launcher's build stamp), run
# from the checkout's root. Bash's own globbing, not find: a fork and exec cost ~9 ms of every cold
# start here (~0.5 s), the loop over ~460 paths ~3 ms. Bash before 4 has no globstar: find then.
sources_newer() {
  local f
  if shopt -s globstar 2>/dev/null; then
    for f in pom.xml src/main src/main/**/*; do [[ $f -nt $1 ]] && return 0; done
    return 1
  fi
  [ -n "$(find src/main pom.xml -newer "$1" -print -quit 2>/dev/null)" ]
}
