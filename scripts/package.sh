#!/usr/bin/env bash
# `make package`: a Debian package of the release build, installable with
#   apt-get install ./target/debian/postgresql-15-pg-keyset_<version>_amd64.deb
# on a Debian 12 machine with PostgreSQL 15 from apt and no Rust toolchain. It holds the shared
# library, the control file, the install script of this version and every upgrade step (what
# `cargo pgrx package` stages), under Debian's PostgreSQL paths. Depends: postgresql-15 and the
# libraries the .so links (read from its ELF header, with the newest glibc symbol version it uses).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
unset RUST_BACKTRACE
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
name=postgresql-15-pg-keyset
out=target/debian
deb="$out/${name}_${version}_amd64.deb"

echo "== cargo pgrx package (release build)"
cargo pgrx package --pg-config "$PG_CONFIG" 2>&1 | tail -n 2
staged=${CARGO_TARGET_DIR:-target}/release/pg_keyset-pg15
[ -f "$staged/usr/lib/postgresql/15/lib/pg_keyset.so" ] || { echo "no staged library in $staged"; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -a "$staged/." "$root/"
chmod -R u=rwX,go=rX "$root"
so="$root/usr/lib/postgresql/15/lib/pg_keyset.so"
strip --strip-unneeded "$so"

# Depends from the ELF header: each NEEDED library's Debian package (dpkg -S), glibc with the newest
# GLIBC_x.y symbol version the library uses.
glibc=$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
depends="postgresql-15"
for lib in $(objdump -p "$so" | awk '/NEEDED/ { print $2 }'); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
  # (dpkg knows a file by the path its package installed: /lib or /usr/lib, after usrmerge.)
  pkg=""
  for candidate in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
    pkg=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then echo "no Debian package owns $lib"; exit 1; fi
  case "$pkg" in
    libc6) [[ "$depends" == *"libc6 "* ]] || depends="$depends, libc6 (>= $glibc)" ;;
    *) [[ "$depends" == *"$pkg"* ]] || depends="$depends, $pkg" ;;
  esac
done

install -d "$root/DEBIAN" "$root/usr/share/doc/$name"
cp README.md "$root/usr/share/doc/$name/README.md"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: amd64
Maintainer: pg_keyset maintainers <pg-keyset@users.noreply.github.com>
Installed-Size: $size
Depends: $depends
Section: database
Priority: optional
Description: keyset (cursor) pagination for PostgreSQL 15
 pg_keyset pages tables, partitioned tables and views by index ranges
 instead of OFFSET: opaque URL-safe cursors, exact has_more and
 has_previous, correct across NULLs, ties, mixed directions and deleted
 rows. CREATE EXTENSION pg_keyset in a UTF8 database (trusted: a database
 owner may install it); upgrade with ALTER EXTENSION pg_keyset UPDATE.
EOF
mkdir -p "$out"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "== built $deb ($(du -h "$deb" | cut -f1)); Depends: $depends"
dpkg-deb --contents "$deb" | awk '{ print "   " $6 }'
