# shellcheck shell=bash
# Builds the test bed's images locally (no registry is reachable): a Debian base from debootstrap, then
# images/<dir>/Dockerfile on top. Each image carries a `berth.test.inputs` label = hash of its build
# inputs, so it is rebuilt only when an input changes. Sourced by up.sh, never executed.
# Must never: pull from a registry, or remove images other than dangling ones this script built.

INPUTS_LABEL=berth.test.inputs
BASE_REF=berth/debian:bookworm
BASE_SUITE=bookworm
BASE_MIRROR=http://deb.debian.org/debian
ROOTFS_DIR="$CACHE_DIR/rootfs"
IMAGES_NOTE=""
IMAGES_BUILT=0

# Keep the base small, and keep later `apt-get install`s in images small too (as Docker's debian image does).
clean_rootfs() {
  local root=$1
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  cat >"$root/etc/dpkg/dpkg.cfg.d/berth-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  cat >"$root/etc/apt/apt.conf.d/berth-clean" <<'CFG'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CFG
}

base_inputs_key() {
  { echo "$BASE_SUITE $BASE_MIRROR minbase"; declare -f clean_rootfs; } | hash_stdin
}

# A failed debootstrap can leave /proc or /sys mounted inside the root: unmount before deleting, and
# never let rm cross into another file system.
remove_rootfs_tree() {
  local root=$1 target
  [[ -d $root ]] || return 0
  while read -r target; do
    umount -l "$target" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$root/" | sort -r)
  rm -rf --one-file-system "$root"
}

make_rootfs_tarball() {
  local tarball=$1 root="$ROOTFS_DIR/build" log="$CACHE_DIR/debootstrap.log"
  remove_rootfs_tree "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase "$BASE_SUITE" "$root" "$BASE_MIRROR" >"$log" 2>&1 9>&- ||
    { tail -n 30 "$log" >&2; remove_rootfs_tree "$root"; die "debootstrap failed (log: $log)"; }
  clean_rootfs "$root"
  find "$ROOTFS_DIR" -maxdepth 1 -name "debian-$BASE_SUITE-*.tar" -delete
  tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  remove_rootfs_tree "$root"
}

build_base_image() {
  local key tarball
  key=$(base_inputs_key)
  if [[ $(image_label "$BASE_REF" "$INPUTS_LABEL") == "$key" ]]; then
    IMAGES_NOTE+=" $BASE_REF cached;"
    return
  fi
  mkdir -p "$ROOTFS_DIR"
  tarball="$ROOTFS_DIR/debian-$BASE_SUITE-$key.tar"
  [[ -f $tarball ]] || make_rootfs_tarball "$tarball"
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' \
    -c "LABEL $INPUTS_LABEL=$key" \
    "$tarball" "$BASE_REF" >/dev/null
  IMAGES_BUILT=1
  IMAGES_NOTE+=" $BASE_REF imported;"
}

# Images named in FROM lines; their IDs are inputs, so rebuilding a base rebuilds what sits on it.
from_images() { awk 'toupper($1) == "FROM" { print $2 }' "$1"; }

image_inputs_key() { # image_inputs_key REF DIR [EXTRA...]
  local ref=$1 dir=$2 from extra
  shift 2
  {
    echo "$ref"
    (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    for extra in "$@"; do stat -c '%n %s %Y' "$extra"; done # big binaries: size+mtime, not a hash
    for from in $(from_images "$dir/Dockerfile"); do docker image inspect --format '{{.Id}}' "$from"; done
  } | hash_stdin
}

# build_image REF DIR [EXTRA_HOST_FILE...] — builds images/DIR, with extra host files added to the context.
build_image() {
  local ref=$1 name=$2
  shift 2
  local dir="$REPO_ROOT/images/$name" key context log
  [[ -f $dir/Dockerfile ]] || die "no Dockerfile in $dir"
  key=$(image_inputs_key "$ref" "$dir" "$@")
  if [[ $(image_label "$ref" "$INPUTS_LABEL") == "$key" ]]; then
    IMAGES_NOTE+=" $ref cached;"
    return
  fi
  context="$CACHE_DIR/build/$name"
  log="$CACHE_DIR/build/$name.log"
  rm -rf "$context"
  mkdir -p "$context"
  cp -a "$dir/." "$context/"
  (($# == 0)) || cp --reflink=auto "$@" "$context/"
  docker build --label "$INPUTS_LABEL=$key" -t "$ref" "$context" >"$log" 2>&1 ||
    { tail -n 30 "$log" >&2; die "docker build of $ref failed (log: $log)"; }
  rm -rf "$context"
  IMAGES_BUILT=1
  IMAGES_NOTE+=" $ref built;"
}

# Superseded builds of our own images only (dangling + our label).
prune_superseded_images() {
  ((IMAGES_BUILT)) || return 0
  docker image prune -f --filter "label=$INPUTS_LABEL" >/dev/null
}
