#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine, as root: apt packages, cargo-pgrx at the pinned
# version, and `cargo pgrx init` against the system PostgreSQL 15. Skips whatever is in place.
# Sourced-or-run by the demo, test and bench commands; safe to run any number of times.
set -euo pipefail

PGRX_VERSION=0.18.1            # must equal the pgrx pin in Cargo.toml
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 libclang-dev clang pkg-config libssl-dev sudo pgbouncer binutils)

log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "scripts/setup.sh must run as root (it installs apt packages and the extension)." >&2
  exit 1
fi

# The pin in Cargo.toml and the cargo-pgrx we install must agree.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
grep -q "^pgrx = \"=${PGRX_VERSION}\"" "$repo_root/Cargo.toml" || {
  echo "Cargo.toml does not pin pgrx = \"=${PGRX_VERSION}\"; update scripts/setup.sh too." >&2
  exit 1
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages present"
fi

# cargo lives in ~/.cargo/bin on these machines; make sure it is on PATH for non-login shells.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The lint tier of make test needs rustfmt and clippy (in rustup's default profile; added if missing).
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  log "adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi
if [ "$(cargo pgrx --version 2>/dev/null || true)" != "cargo-pgrx ${PGRX_VERSION}" ]; then
  log "installing cargo-pgrx ${PGRX_VERSION} (about 4-5 minutes from an empty CARGO_HOME)"
  cargo install --locked --force cargo-pgrx --version "${PGRX_VERSION}"
else
  log "cargo-pgrx ${PGRX_VERSION} present"
fi

pgrx_config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
if ! grep -qs "^pg15 = \"${PG_CONFIG}\"" "$pgrx_config"; then
  log "cargo pgrx init --pg15=${PG_CONFIG}"
  cargo pgrx init --pg15="${PG_CONFIG}" >/dev/null
else
  log "cargo pgrx already initialised for ${PG_CONFIG}"
fi
