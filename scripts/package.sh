#!/usr/bin/env bash
# Builds the Debian package of the release build:
#   scripts/package.sh [BUILD_DIR]   ->  BUILD_DIR/package/mailroom_<version>_amd64.deb
# BUILD_DIR defaults to build/release (built first when it has no binaries). The package's
# metadata, maintainer scripts and systemd unit are in debian/; see debian/README.Debian
# for what installing, removing and purging do.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${1:-build/release}"
daemons=(smtpd deliverd imapd pop3d webd sieved)
if [[ ! -x "$build/bin/mailroom" ]]; then
  [[ "$build" == build/release ]] || { echo "no binaries in $build/bin" >&2; exit 1; }
  scripts/build.sh release
fi

version="$(sed -n 's/^project(mailroom VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
out="$build/package"
root="$out/root"
rm -rf "$root"
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/mailroom" \
  "$root/lib/systemd/system" "$root/usr/share/doc/mailroom"

# The daemons live beside `mailroom` (it finds them through /proc/self/exe, which names
# the link's target); their short names would clash with other packages' in /usr/bin.
for b in mailroom "${daemons[@]}"; do
  install -m 0755 "$build/bin/$b" "$root/usr/lib/mailroom/$b"
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/usr/lib/mailroom/$b"
done
ln -s ../lib/mailroom/mailroom "$root/usr/bin/mailroom"
install -m 0644 debian/mailroom.service "$root/lib/systemd/system/mailroom.service"
install -m 0644 debian/copyright debian/README.Debian "$root/usr/share/doc/mailroom/"
sed "s/@VERSION@/$version/" debian/changelog | gzip -9n > "$root/usr/share/doc/mailroom/changelog.gz"
chmod 0644 "$root/usr/share/doc/mailroom/changelog.gz"
install -m 0755 debian/postinst debian/prerm debian/postrm "$root/DEBIAN/"

# Depends: the shared libraries the binaries link, as dpkg-shlibdeps finds them (it reads
# a source package's debian/control, so it runs in a scratch directory that has one).
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debian"
printf 'Source: mailroom\n\nPackage: mailroom\nArchitecture: amd64\n' > "$scratch/debian/control"
abs_root="$(cd "$root" && pwd)"
depends="$(cd "$scratch" && dpkg-shlibdeps -O \
  "${abs_root}"/usr/lib/mailroom/* 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[[ -n "$depends" ]] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
  debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find usr lib -type f -exec md5sum {} + | sort -k2) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb="$out/mailroom_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "$deb"
