#!/usr/bin/env bash
# Builds the release packages of auroraodbc from the source tree:
#   installer/package.sh [--out DIR] [--no-build]
# into DIR (default: $CARGO_TARGET_DIR/packages, or target/packages):
#   auroraodbc_<version>_amd64.deb          driver, header, docs; registers the driver
#   auroraodbc-dbgsym_<version>_amd64.deb   its debug symbols
#   auroraodbc-<version>-1.x86_64.rpm       the same for Fedora, RHEL and Amazon Linux
#   auroraodbc-debuginfo-<version>-1.x86_64.rpm
#   auroraodbc-<version>-linux-x86_64.tar.gz        with install.sh / uninstall.sh
#   auroraodbc-<version>-linux-x86_64-debug.tar.gz  the debug file, to unpack over it
#   SHA256SUMS
# The version is Cargo.toml's. The library is built with build paths remapped and packaged
# stripped, and every timestamp is SOURCE_DATE_EPOCH (default: the last commit's time), so the
# same source and toolchain give the same library and the same file lists. --no-build packages
# the release library already built. Needs cargo, dpkg-dev, rpm and binutils (installer/deps.sh).
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$src/target}"
out=""
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-$target/packages}"

if [ "$(uname -m)" != x86_64 ]; then
  echo "package.sh builds x86_64 packages only (this machine is $(uname -m))" >&2
  exit 1
fi

name=auroraodbc
version="$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' "$src/Cargo.toml")"
if [ -z "$version" ]; then
  echo "no version in $src/Cargo.toml" >&2
  exit 1
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$src" log -1 --format=%ct 2>/dev/null || stat -c %Y "$src/Cargo.toml")"
fi
export SOURCE_DATE_EPOCH
export LC_ALL=C TZ=UTC
umask 022

deb_libdir=/usr/lib/x86_64-linux-gnu/odbc   # where Debian's ODBC drivers live (psqlodbcw.so)
rpm_libdir=/usr/lib64                       # where Fedora's live (psqlodbcw.so)
summary="PostgreSQL ODBC driver for Amazon Aurora and RDS"
packager="${PACKAGER:-auroraodbc maintainers <maintainers@auroraodbc.invalid>}"

# 1. The library. Paths of the source tree, the cargo home and the target directory would end up
# in panic messages and debug info; remapped, the build does not depend on where it ran. The
# cargo home and target remaps are the same for every copy of the tree, so they go in RUSTFLAGS
# and the dependencies built for one copy serve the next. The source tree's remap differs per
# copy: it goes to this crate's own rustc calls only, through a workspace wrapper, so a copy of
# the tree elsewhere recompiles the crate and nothing else. (The wrapper puts it first and the
# last matching prefix wins, so a target directory inside the tree maps as the target.)
lib="$target/release/libauroraodbc.so"
if [ "$build" = 1 ]; then
  cargo_home="${CARGO_HOME:-$HOME/.cargo}"
  mkdir -p "$target"
  wrapper="$target/package-rustc-remap.sh"
  {
    echo '#!/usr/bin/env bash'
    echo '# Made by installer/package.sh: rustc with the source tree remapped.'
    printf 'exec "$1" --remap-path-prefix=%q "${@:2}"\n' "$src=/build/auroraodbc"
  } > "$wrapper"
  chmod 755 "$wrapper"
  export RUSTFLAGS="--remap-path-prefix=$cargo_home=/build/cargo --remap-path-prefix=$target=/build/target"
  (cd "$src" && CARGO_TARGET_DIR="$target" RUSTC_WORKSPACE_WRAPPER="$wrapper" \
    cargo build --release --locked --lib)
fi
if [ ! -f "$lib" ]; then
  echo "no release library at $lib" >&2
  exit 1
fi

work="$out/.work"
rm -rf "$work"
mkdir -p "$work" "$out"
rm -f "$out"/auroraodbc*.deb "$out"/auroraodbc*.rpm "$out"/auroraodbc-*.tar.gz "$out/SHA256SUMS"

# 2. Debug info into its own file; the packaged library keeps only what loading it needs, plus a
# link (file name and CRC) to that file. With a build id, debuggers find the file under
# /usr/lib/debug/.build-id/ too, where the debug packages put it.
objcopy --only-keep-debug --compress-debug-sections=zlib "$lib" "$work/libauroraodbc.so.debug"
objcopy --strip-unneeded --add-gnu-debuglink="$work/libauroraodbc.so.debug" "$lib" "$work/libauroraodbc.so"
chmod 0644 "$work/libauroraodbc.so" "$work/libauroraodbc.so.debug"
build_id="$(readelf -n "$work/libauroraodbc.so" | sed -n 's/^ *Build ID: *//p')"
debug_path() { # the debug file's path for the library installed in directory $1
  if [ -n "$build_id" ]; then
    echo "/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug"
  else
    echo "/usr/lib/debug$1/libauroraodbc.so.debug"
  fi
}

# The same files for every layout: library, header, docs, the sample and the registration template.
stage() { # stage ROOT LIBDIR
  local root="$1" libdir="$2" doc="$1/usr/share/doc/$name"
  install -D -m 0644 "$work/libauroraodbc.so" "$root$libdir/libauroraodbc.so"
  install -D -m 0644 "$src/include/auroraodbc.h" "$root/usr/include/auroraodbc.h"
  install -D -m 0644 "$src/README.md" "$doc/README.md"
  mkdir -p "$doc/docs"
  install -m 0644 "$src"/docs/*.md "$doc/docs/"
  sed -e "s#^Driver=.*#Driver=$libdir/libauroraodbc.so#" \
      -e '1s#.*#; The driver'"'"'s entry in odbcinst.ini (the package registered it for you).#' \
      "$src/odbcinst.ini.sample" > "$doc/odbcinst.ini.sample"
  printf 'auroraodbc %s\nLicense: Apache-2.0 (on Debian: /usr/share/common-licenses/Apache-2.0)\n' \
    "$version" > "$doc/copyright"
  mkdir -p "$root/usr/share/$name"
  printf '[%s]\nDescription=auroraodbc: %s\nDriver=%s/libauroraodbc.so\nThreading=0\n' \
    "$name" "$summary" "$libdir" > "$root/usr/share/$name/odbcinst.ini.template"
  chmod 0644 "$doc/odbcinst.ini.sample" "$doc/copyright" "$root/usr/share/$name/odbcinst.ini.template"
}
stage_debug() { # stage_debug ROOT LIBDIR
  install -D -m 0644 "$work/libauroraodbc.so.debug" "$1$(debug_path "$2")"
}
settle() { # every timestamp in tree $1 becomes SOURCE_DATE_EPOCH
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# The maintainer scripts: registration.sh, then what this step does. $1 = the library directory.
script_head() {
  printf '#!/bin/sh\nset -e\nDRIVER_NAME=%s\nDRIVER_LIB=%s/libauroraodbc.so\nDRIVER_TEMPLATE=/usr/share/%s/odbcinst.ini.template\n' \
    "$name" "$1" "$name"
  cat "$src/installer/package/registration.sh"
}

# 3. The .deb and its -dbgsym.
deb="$work/deb"
stage "$deb" "$deb_libdir"
mkdir -p "$deb/DEBIAN"
shlibs_dir="$work/shlibs"
mkdir -p "$shlibs_dir/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: amd64\n' "$name" "$name" > "$shlibs_dir/debian/control"
shlibs="$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$deb$deb_libdir/libauroraodbc.so" | sed -n 's/^shlibs:Depends=//p')"
{
  echo "Package: $name"
  echo "Version: $version"
  echo "Architecture: amd64"
  echo "Maintainer: $packager"
  echo "Installed-Size: $(du -sk --apparent-size "$deb/usr" | cut -f1)"
  # odbcinst (which brings libodbcinst2) registers the driver from the maintainer scripts.
  echo "Depends: ${shlibs:+$shlibs, }odbcinst"
  echo "Recommends: libodbc2 | libiodbc2"
  echo "Section: libs"
  echo "Priority: optional"
  echo "Description: $summary"
  echo " auroraodbc is a PostgreSQL ODBC driver that knows about Amazon Aurora and RDS:"
  echo " failover, enhanced failure monitoring and custom endpoints. The package"
  echo " registers it with unixODBC (and iODBC) as \"$name\"."
} > "$deb/DEBIAN/control"
{
  script_head "$deb_libdir"
  echo 'case "$1" in'
  echo '  configure) if [ -n "$2" ]; then register_driver upgrade; else register_driver install; fi ;;'
  echo 'esac'
} > "$deb/DEBIAN/postinst"
{
  script_head "$deb_libdir"
  echo 'case "$1" in'
  echo '  remove) unregister_driver ;;'
  echo 'esac'
} > "$deb/DEBIAN/prerm"
{
  script_head "$deb_libdir"
  echo 'case "$1" in'
  echo '  purge) forget_driver ;;'
  echo 'esac'
} > "$deb/DEBIAN/postrm"
chmod 0755 "$deb/DEBIAN/postinst" "$deb/DEBIAN/prerm" "$deb/DEBIAN/postrm"
(cd "$deb" && find usr -type f | sort | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$deb/DEBIAN/control" "$deb/DEBIAN/md5sums"
settle "$deb"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/${name}_${version}_amd64.deb" >/dev/null

dbg="$work/deb-dbgsym"
stage_debug "$dbg" "$deb_libdir"
mkdir -p "$dbg/DEBIAN"
{
  echo "Package: $name-dbgsym"
  echo "Version: $version"
  echo "Architecture: amd64"
  echo "Maintainer: $packager"
  echo "Installed-Size: $(du -sk --apparent-size "$dbg/usr" | cut -f1)"
  echo "Depends: $name (= $version)"
  echo "Section: debug"
  echo "Priority: optional"
  echo "Description: debug symbols for $name"
  [ -n "$build_id" ] && echo "Build-Ids: $build_id"
} > "$dbg/DEBIAN/control"
(cd "$dbg" && find usr -type f | sort | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$dbg/DEBIAN/control" "$dbg/DEBIAN/md5sums"
settle "$dbg"
dpkg-deb --root-owner-group -Zxz --build "$dbg" "$out/${name}-dbgsym_${version}_amd64.deb" >/dev/null

# 4. The .rpm and its -debuginfo, from a spec whose %install copies the staged tree. Scriptlet
# arguments: %post gets 1 on install and 2 or more on upgrade; %preun and %postun get 0 when the
# package goes away (and 1 when an upgrade removes the old one, which must not unregister).
rpmroot="$work/rpm-root"
stage "$rpmroot" "$rpm_libdir"
stage_debug "$rpmroot" "$rpm_libdir"
settle "$rpmroot"
rpm_debug="$(debug_path "$rpm_libdir")"
scriptlet() { # scriptlet BODY: the shared functions plus BODY, with % escaped for rpm
  { script_head "$rpm_libdir" | sed 1d; printf '%s\n' "$1"; } | sed 's/%/%%/g'
}
spec="$work/$name.spec"
{
  cat <<SPEC
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none
%global source_date_epoch_from_changelog 0
%global use_source_date_epoch_as_buildtime 1
%global clamp_mtime_to_source_date_epoch 1
%global _buildhost reproducible
Name: $name
Version: $version
Release: 1
Summary: $summary
License: Apache-2.0
Packager: $packager
Requires: unixODBC
Requires(post): unixODBC
Requires(preun): unixODBC

%description
auroraodbc is a PostgreSQL ODBC driver that knows about Amazon Aurora and RDS: failover,
enhanced failure monitoring and custom endpoints. The package registers it with unixODBC
(and iODBC) as "$name".

%package debuginfo
Summary: Debug symbols for $name
Requires: $name = %{version}-%{release}
AutoReqProv: no

%description debuginfo
Debug symbols for $name.

%install
cp -a "$rpmroot/." "%{buildroot}/"

%files
$rpm_libdir/libauroraodbc.so
/usr/include/auroraodbc.h
/usr/share/doc/$name
/usr/share/$name

%files debuginfo
$rpm_debug

%post
SPEC
  scriptlet 'if [ "$1" -ge 2 ]; then register_driver upgrade; else register_driver install; fi'
  echo
  echo '%preun'
  scriptlet 'if [ "$1" -eq 0 ]; then unregister_driver; fi'
  echo
  echo '%postun'
  scriptlet 'if [ "$1" -eq 0 ]; then forget_driver; fi'
} > "$spec"
rpmbuild -bb --quiet --target x86_64 \
  --define "_topdir $work/rpmbuild" \
  --define "_rpmdir $out" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  --define "_binary_payload w9.xzdio" \
  "$spec" >/dev/null

# 5. The tarball for other distributions: install.sh / uninstall.sh from installer/, which find
# the library in lib/ next to them. The debug file comes apart, to unpack over the same directory.
base="$name-$version-linux-x86_64"
tarroot="$work/tar/$base"
mkdir -p "$tarroot/lib" "$tarroot/include" "$tarroot/docs"
install -m 0755 "$src/installer/install.sh" "$src/installer/uninstall.sh" "$tarroot/"
install -m 0644 "$work/libauroraodbc.so" "$tarroot/lib/"
install -m 0644 "$src/include/auroraodbc.h" "$tarroot/include/"
install -m 0644 "$src/README.md" "$src/odbcinst.ini.sample" "$tarroot/"
install -m 0644 "$src"/docs/*.md "$tarroot/docs/"
dbgroot="$work/tar-debug/$base"
install -D -m 0644 "$work/libauroraodbc.so.debug" "$dbgroot/lib/libauroraodbc.so.debug"
settle "$work/tar"
settle "$work/tar-debug"
pack() { # pack DIR ARCHIVE: a tar.gz of DIR's content in name order, owners and times fixed
  tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --format=gnu -cf - "$base" | gzip -n -9 > "$2"
}
pack "$work/tar" "$out/$base.tar.gz"
pack "$work/tar-debug" "$out/$base-debug.tar.gz"

rm -rf "$work"
(cd "$out" && sha256sum auroraodbc* > SHA256SUMS)
echo "auroraodbc $version packages in $out:"
(cd "$out" && ls -1 auroraodbc* | sed 's/^/  /')
