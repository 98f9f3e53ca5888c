# shellcheck shell=bash
# Helpers to stage Debian root filesystems without a base image, a chroot or Docker.
# Sourced by images/*/rootfs.sh (after ../../lib.sh).
#
# Packages come from a private apt configuration (its own sources list, lists, cache
# and an empty dpkg status, for a chosen architecture), are fetched with
# `apt-get download` and unpacked with `dpkg -x`. Maintainer scripts are never run:
# the few effects that matter (users, alternatives, CA bundle, /etc/shells...) are
# reproduced by the image recipes with the functions below.

DEBIAN_SUITE=trixie

# Dates written into staged files and clamped in layer tars, for reproducible images.
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set by images.sh}"

# deb_setup ARCH: create the private apt configuration for $DEBIAN_SUITE/ARCH under
# $RIG_DIR/stage/apt/ and refresh its package lists. Sets DEB_WORK and APT_ARGS.
deb_setup() {
  local arch=$1
  DEB_WORK="$RIG_DIR/stage/apt/$DEBIAN_SUITE-$arch"
  mkdir -p "$DEB_WORK"/{lists/partial,cache/archives/partial,debs}
  : >"$DEB_WORK/status"   # nothing installed: resolve as for a fresh root filesystem
  deb_sources_list >"$DEB_WORK/sources.list"
  APT_ARGS=(
    -o "Dir::Etc::SourceList=$DEB_WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$DEB_WORK/lists" -o "Dir::Cache=$DEB_WORK/cache"
    -o "Dir::State::status=$DEB_WORK/status"
    -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
    -o Acquire::Languages=none -o Debug::NoLocking=1 -o APT::Sandbox::User=root
  )
  log "refreshing Debian $DEBIAN_SUITE/$arch package lists"
  apt-get "${APT_ARGS[@]}" -qq update
}

# deb_sources_list: one-line sources for $DEBIAN_SUITE, -updates and -security, on the
# same mirrors the machine's own apt uses (taken from apt itself, so both the
# deb822 and the one-line formats and any local mirror work; no host name is assumed).
deb_sources_list() {
  local host_codename uri rel
  host_codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell expansions
  apt-get indextargets --format '$(TARGET_OF) $(IDENTIFIER) $(REPO_URI) $(RELEASE)' |
    while read -r type ident uri rel; do
      [[ "$type" == deb && "$ident" == Packages ]] || continue
      [[ "$rel" =~ ^$host_codename(-updates|-security)?$ ]] || continue   # Debian only
      printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
        "${uri%/}" "$DEBIAN_SUITE${rel#"$host_codename"}"
    done | sort -u   # the main archive first, then -security; suite before -updates
}

# deb_resolve PKG...: print "name=version" for every package a fresh install of PKG...
# would unpack (dependencies included, recommends excluded), as apt resolves it.
# PKG may be an apt pattern such as '?priority(required)'.
deb_resolve() {
  apt-get "${APT_ARGS[@]}" install -s --no-install-recommends "$@" |
    awk '/^Inst /{ v = $3; gsub(/[()]/, "", v); print $2 "=" v }' | sort
}

# deb_fetch NAME=VERSION...: download the packages (kept across runs in DEB_WORK/debs)
# and print the path of each .deb, in the order given.
deb_fetch() {
  local spec name ver file
  (cd "$DEB_WORK/debs" && apt-get "${APT_ARGS[@]}" -qq download "$@" >/dev/null)
  for spec in "$@"; do
    name=${spec%%=*} ver=${spec#*=}
    # apt-get download writes name_version_arch.deb with ':' (epoch) as %3a.
    file=("$DEB_WORK/debs/${name}_${ver//:/%3a}_"*.deb)
    [[ -f "${file[0]}" ]] || die "download of $spec produced no .deb"
    printf '%s\n' "${file[0]}"
  done
}

# usrmerge_links ROOT ARCH: the merged-/usr layout Debian 13 requires. base-files ships
# these links too; making them first (as debootstrap does) lets every package unpack
# through them whatever the unpacking order.
usrmerge_links() {
  local root=$1 arch=$2 d
  mkdir -p "$root/usr"/{bin,sbin,lib}
  for d in bin sbin lib; do ln -sfn "usr/$d" "$root/$d"; done
  if [[ "$arch" == amd64 ]]; then
    mkdir -p "$root/usr/lib64"
    ln -sfn usr/lib64 "$root/lib64"
  fi
}

# deb_install ROOT DEB ARCH: unpack DEB into ROOT (dpkg -X: dpkg -x that also lists the
# files) and record it as installed in ROOT's dpkg database (status, info/*.list,
# md5sums, conffiles, maintainer scripts) as dpkg would, so apt, dpkg -l and image
# scanners inside the image see the packages.
deb_install() {
  local root=$1 deb=$2 arch=$3 db="$1/var/lib/dpkg" ctl name f
  mkdir -p "$db/info"
  ctl="$(mktemp -d)"
  dpkg-deb -e "$deb" "$ctl"
  name="$(sed -n 's/^Package: //p' "$ctl/control")"
  # Multi-Arch: same packages are keyed name:arch in the database.
  grep -q '^Multi-Arch: same' "$ctl/control" && name="$name:$arch"
  # The file list, with "/." for the root, as dpkg records it.
  dpkg-deb -X "$deb" "$root" | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' >"$db/info/$name.list"
  {
    # "Package" first, then the status line, then the other fields, like dpkg writes them.
    sed -n '1p' "$ctl/control"
    echo "Status: install ok installed"
    sed '1d' "$ctl/control"
    echo
  } >>"$db/status"
  for f in "$ctl"/*; do
    [[ "${f##*/}" == control ]] || cp -p "$f" "$db/info/$name.${f##*/}"
  done
  rm -rf "$ctl"
}

# dpkg_status_d ROOT DEB: record DEB the distroless way: its control file as
# /var/lib/dpkg/status.d/<package> (scanners read this directory).
dpkg_status_d() {
  local root=$1 deb=$2 name
  name="$(dpkg-deb -f "$deb" Package)"
  mkdir -p "$root/var/lib/dpkg/status.d"
  dpkg-deb -f "$deb" >"$root/var/lib/dpkg/status.d/$name"
}

# ca_bundle SRC_ROOT DEST_ROOT: make /etc/ssl/certs/ca-certificates.crt in DEST_ROOT
# from the Mozilla certificates unpacked in SRC_ROOT, then the local ones in
# SRC_ROOT/usr/local/share/ca-certificates, in update-ca-certificates' order
# (ca-certificates' postinst would run it; maintainer scripts are not run).
ca_bundle() {
  local src=$1 dest=$2 crt
  mkdir -p "$dest/etc/ssl/certs"
  shopt -s nullglob
  for crt in "$src"/usr/share/ca-certificates/mozilla/*.crt "$src"/usr/local/share/ca-certificates/*.crt; do
    cat "$crt"
    # update-ca-certificates separates certificates that lack a final newline.
    [[ "$(tail -c1 "$crt")" == "" ]] || echo
  done >"$dest/etc/ssl/certs/ca-certificates.crt"
  shopt -u nullglob
  chmod 0644 "$dest/etc/ssl/certs/ca-certificates.crt"
  [[ -s "$dest/etc/ssl/certs/ca-certificates.crt" ]] || die "empty CA bundle"
}

# pack_layer DIR TAR: a reproducible layer tarball of DIR (sorted, numeric owners as
# staged, mtimes clamped to SOURCE_DATE_EPOCH). Recipes ADD it: unlike COPY from a
# build context, ADD of a tar keeps owners (65532 homes, root:shadow setgid tools).
pack_layer() {
  local dir=$1 tar=$2
  tar --create --file "$tar.tmp" --directory "$dir" \
    --sort=name --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
    .
  mv -f "$tar.tmp" "$tar"
}

# deb_candidates PKG...: print "name=version" of exactly PKG... (no dependencies), at
# the version apt would install.
deb_candidates() {
  apt-cache "${APT_ARGS[@]}" show --no-all-versions "$@" |
    awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }'
}
