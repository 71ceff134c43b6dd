# Shared by bin/idp-server, bin/keys-admin, bin/check-token, bin/aws-ops and bin/test. Sourced, never run.
# Needs bash 4+, GNU coreutils; Java 17 on PATH, and Maven 3.6+ in a checkout (a distribution never builds).

# The project root, or the distribution's root, whatever the caller's working directory (symlinks to bin/ scripts
# resolved). Without a process started where none is needed: the AWS CLI runs bin/aws-ops before each of its
# commands, and forks are slow on a loaded machine.
_idp_lib="${BASH_SOURCE[0]}"
if [ -L "$_idp_lib" ]; then _idp_lib="$(readlink -f "$_idp_lib")"; fi
[[ $_idp_lib == */* ]] || _idp_lib="./$_idp_lib"
_idp_here="$PWD"
cd -P "${_idp_lib%/*}/../.." && IDP_ROOT="$PWD" && cd "$_idp_here"
unset _idp_lib _idp_here
# An unpacked distribution (dist/: aws-ops-idp-<version>.tar.gz) has every jar in lib/ and no sources: it runs what
# it has and never builds. A checkout has the pom and runs from each module's target/.
if [ -d "$IDP_ROOT/lib" ] && [ ! -f "$IDP_ROOT/pom.xml" ]; then IDP_DIST=yes; else IDP_DIST=""; fi
IDP_VERSION="0.1.0-SNAPSHOT"
IDP_SOFTHSM_LIB="/usr/lib/softhsm/libsofthsm2.so"
# SunPKCS11's native wrapper is not exported by the JDK; the PKCS#11 code calls it (same flags as Surefire's).
IDP_JAVA_FLAGS=(--add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED
                --add-opens jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED)

# The server's JVM options. Its working set is small (3,000 roles fit in a few MiB), and with the JVM's default
# heap limit (a quarter of the machine's memory) the heap only grows: with this cap the server stays near 210 MiB
# resident under load with 3,000 roles (docs/PERFORMANCE.md). Set IDP_SERVER_JAVA_OPTS to override.
read -r -a IDP_SERVER_JAVA_OPTS <<< "${IDP_SERVER_JAVA_OPTS:--Xms64m -Xmx128m}"

idp_say() { printf '%s\n' "$*" >&2; }
idp_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through `sudo -n` when that works without a
# password; returns 1 otherwise (never prompts: scripts run in CI too).
idp_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}

# Installs Debian packages through apt-get (SPEC.md "Running it": install SoftHSM2 when it is absent and we may).
idp_apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    idp_die "$* missing and there is no apt-get here: install $* with your package manager, then re-run"
  fi
  if ! idp_as_root true; then
    idp_die "$* missing: install it as root, for example: sudo apt-get update && sudo apt-get install -y $*"
  fi
  idp_say "installing $* (apt-get)..."
  idp_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
    || idp_die "apt-get update failed: install $* by hand, then re-run"
  idp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 \
    || idp_die "apt-get install $* failed: install it by hand, then re-run"
}

idp_ensure_softhsm() {
  if command -v softhsm2-util >/dev/null 2>&1 && [ -f "$IDP_SOFTHSM_LIB" ]; then return 0; fi
  idp_apt_install softhsm2
  [ -f "$IDP_SOFTHSM_LIB" ] || idp_die "softhsm2 installed but $IDP_SOFTHSM_LIB is missing"
}

idp_ensure_java() {
  command -v java >/dev/null 2>&1 || idp_die "java not found: install Java 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  [ -n "$IDP_DIST" ] && return 0
  command -v mvn >/dev/null 2>&1 || idp_die "mvn not found: install Maven 3.6+ (Debian: apt-get install maven)"
}

# The jars and dependency folders the bin/ scripts run from.
IDP_ARTIFACTS=(
  "idp-server/target/idp-server-$IDP_VERSION.jar" "idp-server/target/lib"
  "keys-admin/target/keys-admin-$IDP_VERSION.jar" "keys-admin/target/lib"
)

# The modules the server and keys-admin are built from (the reactor's other modules, such as bench, are not).
IDP_MODULES=(idp-core hsm-config aws-provisioning idp-server keys-admin)

# bin/aws-ops, the engineers' command line: its jar and lib folder, and the modules whose main sources go into them.
IDP_AWS_OPS_ARTIFACTS=("aws-ops/target/aws-ops-$IDP_VERSION.jar" "aws-ops/target/lib")
IDP_AWS_OPS_MODULES=(idp-core aws-ops)

# Succeeds when a jar or lib folder is missing, or any main source or pom of those modules is newer than one. Never
# in a distribution, nor where there are no sources to build from (an image of a checkout's jars).
# Arguments: the names of the arrays of artifacts and of modules (default: the server's and keys-admin's).
idp_build_needed() {
  local -n artifacts_="${1:-IDP_ARTIFACTS}" modules_="${2:-IDP_MODULES}"
  local a m oldest="" dirs=()
  [ -n "$IDP_DIST" ] && return 1
  for a in "${artifacts_[@]}"; do
    [ -e "$IDP_ROOT/$a" ] || return 0
    if [ -z "$oldest" ] || [ "$IDP_ROOT/$a" -ot "$oldest" ]; then oldest="$IDP_ROOT/$a"; fi
  done
  [ "$IDP_ROOT/pom.xml" -nt "$oldest" ] && return 0
  for m in "${modules_[@]}"; do
    [ -f "$IDP_ROOT/$m/pom.xml" ] && dirs+=("$IDP_ROOT/$m/pom.xml")
    [ -d "$IDP_ROOT/$m/src/main" ] && dirs+=("$IDP_ROOT/$m/src/main")
  done
  # No sources: nothing to build from (find with no folder would search the working directory instead).
  [ "${#dirs[@]}" -gt 0 ] || return 1
  [ -n "$(find "${dirs[@]}" -type f -newer "$oldest" -print -quit)" ]
}

# Builds what is missing or stale: `mvn -B -DskipTests package` for the server and keys-admin and the modules
# they need (-pl ... -am). Prints one line per module as it goes; the full log is var/build.log.
# Arguments (for another command line): the arrays of artifacts and modules, and the -pl list to build.
idp_ensure_built() {
  local artifacts="${1:-IDP_ARTIFACTS}" modules="${2:-IDP_MODULES}" targets="${3:-idp-server,keys-admin}"
  [ -n "$IDP_DIST" ] && return 0
  idp_build_needed "$artifacts" "$modules" || return 0
  # Jars without sources (no pom): nothing to build.
  [ -f "$IDP_ROOT/pom.xml" ] || return 0
  idp_ensure_java
  mkdir -p "$IDP_ROOT/var"
  # Two scripts started together build once: the second waits, then finds the jars fresh.
  exec 9>"$IDP_ROOT/var/build.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if ! idp_build_needed "$artifacts" "$modules"; then exec 9>&-; return 0; fi
  local started=$SECONDS status
  idp_say "building (mvn -B -DskipTests package -pl $targets -am; the first build downloads dependencies; log: var/build.log)"
  set +e
  # A short build gains little from the JIT's optimising tier: C1 only starts faster (unless MAVEN_OPTS says otherwise).
  (cd "$IDP_ROOT" && MAVEN_OPTS="${MAVEN_OPTS:--XX:+TieredCompilation -XX:TieredStopAtLevel=1}" \
    mvn -B -ntp -DskipTests package -pl "$targets" -am) 2>&1 | tee "$IDP_ROOT/var/build.log" \
    | grep --line-buffered -E '^\[INFO\] Building .*\[[0-9]+/[0-9]+\]|BUILD (SUCCESS|FAILURE)|^\[ERROR\]' \
    | sed -u -e 's/^\[INFO\] Building /  building /' -e 's/^\[INFO\] /  /' >&2
  status=${PIPESTATUS[0]}
  set -e
  exec 9>&-
  if [ "$status" -ne 0 ]; then
    idp_die "build failed (exit $status): see var/build.log"
  fi
  # Maven keeps a jar's mtime when nothing changed: touch them so the next run does not rebuild for nothing.
  local -n built_="$artifacts"
  local a
  for a in "${built_[@]}"; do touch "$IDP_ROOT/$a"; done
  idp_say "built in $((SECONDS - started)) s"
}

# The class path of a module: the distribution's lib/, or in a checkout the module's jar and its target/lib.
idp_classpath() {
  if [ -n "$IDP_DIST" ]; then
    printf '%s' "$IDP_ROOT/lib/*"
  else
    printf '%s' "$IDP_ROOT/$1/target/$1-$IDP_VERSION.jar:$IDP_ROOT/$1/target/lib/*"
  fi
}

# Runs a main class of a module, with idp.home set to the project (or distribution) root.
idp_exec_java() {
  local module="$1" main="$2"
  shift 2
  exec java "${IDP_JAVA_FLAGS[@]}" -Didp.home="$IDP_ROOT" -cp "$(idp_classpath "$module")" "$main" "$@"
}

# The AWS CLI, for bin/test's test of aws-ops through credential_process (Debian's awscli when `aws` is absent).
idp_ensure_aws_cli() {
  command -v aws >/dev/null 2>&1 && return 0
  idp_apt_install awscli
  command -v aws >/dev/null 2>&1 || idp_die "awscli installed but aws is not on PATH"
}

# Runs aws-ops from its jar and lib folder. The JVM options make the cache hit quick (docs/ENGINEERS.md "Speed"): the
# client compiler only, the serial collector, no perf data file; AWS_OPS_JAVA_OPTS overrides them.
idp_exec_aws_ops() {
  local opts=()
  read -r -a opts <<< "${AWS_OPS_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData}"
  local cp="$IDP_ROOT/aws-ops/target/aws-ops-$IDP_VERSION.jar:$IDP_ROOT/aws-ops/target/lib/*"
  [ -z "$IDP_DIST" ] || cp="$IDP_ROOT/lib/aws-ops/*"   # its own class path in a distribution (dist/src/assembly)
  exec java "${opts[@]}" -Daws-ops.launcher="$IDP_ROOT/bin/aws-ops" -cp "$cp" com.doit.idp.awsops.Main "$@"
}

# True when the arguments hold --dev (before or after a command, as SPEC.md allows for keys-admin).
idp_has_dev_flag() {
  local a
  for a in "$@"; do
    [ "$a" = "--" ] && return 1
    [ "$a" = "--dev" ] && return 0
  done
  return 1
}

IDP_DEV_DIR="$IDP_ROOT/var/dev"
IDP_DEV_SOFTHSM_CONF="$IDP_DEV_DIR/softhsm2.conf"
IDP_DEV_CONF="$IDP_DEV_DIR/idp.conf"
IDP_DEV_TOKEN_LABEL="aws-ops-idp-dev"
