#!/usr/bin/env bash
# Provide CPython 3.13, 3.14 and free-threaded 3.14t built from source, and
# (with --test) run the project's test suite under each of them.
#
# The sources are Debian's: the source packages python3.13 and python3.14 of a
# newer Debian suite (unstable, then forky, by default), fetched with apt's source tooling
# through a deb-src line in a sources file of its own. Only the upstream tarball
# (the .orig.tar.*) is used, without Debian's patches; the build dependencies
# come from the machine's own Debian release. Builds are plain
# `./configure --prefix=... [--disable-gil] && make && make install` (no PGO),
# cached outside the checkout: a build whose interpreter exists is skipped.
#
# Usage: scripts/pythons.sh [--test] [--prefix DIR] [--only VERSIONS] [--jobs N]
#   --test           also make a venv per interpreter (PREFIX/venv-VERSION),
#                    pip install -e 'CHECKOUT[dev]' and run the tests there
#   --prefix DIR     where the interpreters live (default /opt/minlambda-pythons,
#                    or $MINLAMBDA_PYTHONS): DIR/3.13, DIR/3.14, DIR/3.14t
#   --only VERSIONS  comma-separated subset of 3.13,3.14,3.14t
#   --jobs N         make -jN (default: the number of cores)
# Environment: MINLAMBDA_PYTHONS_SUITES (Debian suites whose deb-src indexes
# are read, default "unstable forky"; trixie has 3.13.5 only),
# MINLAMBDA_PYTHONS_PYTEST_ARGS (extra pytest arguments, word-split).
# The newest indexed version whose files the archive serves is taken; when the
# archive serves none of them, earlier uploads of the series are looked for in
# its pool (.dsc, then the .orig.tar.* it names, checked by its SHA-256).
# Logs: PREFIX/logs/build-VERSION.log, PREFIX/logs/test-VERSION.log.
# Exit status: 0 when every build (and every test run) succeeded, 1 otherwise.
set -euo pipefail

prefix=${MINLAMBDA_PYTHONS:-/opt/minlambda-pythons}
suites=${MINLAMBDA_PYTHONS_SUITES:-unstable forky}
jobs=$(nproc 2>/dev/null || echo 2)
run_tests=0
versions=(3.13 3.14 3.14t)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
        --test) run_tests=1 ;;
        --prefix) prefix=${2:?--prefix needs a directory}; shift ;;
        --prefix=*) prefix=${1#*=} ;;
        --only) IFS=, read -r -a versions <<<"${2:?--only needs versions}"; shift ;;
        --only=*) IFS=, read -r -a versions <<<"${1#*=}" ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift ;;
        --jobs=*) jobs=${1#*=} ;;
        -h | --help) usage; exit 0 ;;
        *) echo "pythons.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

for v in "${versions[@]}"; do
    case $v in
        3.13 | 3.14 | 3.14t) ;;
        *) echo "pythons.sh: unsupported version: $v (3.13, 3.14 or 3.14t)" >&2; exit 2 ;;
    esac
done

checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
logs=$prefix/logs
srcdir=$prefix/src
mkdir -p "$prefix" "$logs" "$srcdir"

log() { printf '[pythons.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

as_root() {
    if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

# the interpreter a version's build installs
interpreter() {
    local v=$1
    echo "$prefix/$v/bin/python$v"
}

# --- apt: sources, packages -------------------------------------------------

apt_sources_file=/etc/apt/sources.list.d/minlambda-pythons-src.sources
apt_updated=0

apt_update() {
    ((apt_updated)) && return 0
    log "apt-get update"
    # a third-party repository that cannot be reached must not stop the build
    as_root apt-get update -qq || log "apt-get update reported errors (going on)"
    apt_updated=1
}

missing_debs() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || echo "$pkg"
    done
}

apt_install() {
    local missing
    mapfile -t missing < <(missing_debs "$@")
    ((${#missing[@]})) || return 0
    apt_update
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

build_debs=(
    build-essential pkg-config dpkg-dev xz-utils curl ca-certificates
    libssl-dev zlib1g-dev libffi-dev libbz2-dev libreadline-dev libsqlite3-dev
    liblzma-dev uuid-dev libncurses-dev libgdbm-dev libgdbm-compat-dev libzstd-dev
    libexpat1-dev
)

ensure_deb_src() {
    local want
    want=$(printf '%s\n' \
        'Types: deb-src' \
        "URIs: $mirror" \
        "Suites: $suites" \
        'Components: main' \
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg')
    if [[ ! -f $apt_sources_file ]] || [[ $(<"$apt_sources_file") != "$want" ]]; then
        log "adding deb-src for Debian $suites in $apt_sources_file"
        printf '%s\n' "$want" | as_root tee "$apt_sources_file" >/dev/null
        apt_updated=0
    fi
}

mirror=http://deb.debian.org/debian

find_tarball() {
    find "$srcdir" -maxdepth 1 -name "python${1}_*.orig.tar.*" ! -name '*.asc' 2>/dev/null |
        sort -V | tail -n 1
}

# the versions of source package PKG that apt's indexes list, newest first
indexed_versions() {
    apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -Vru
}

# fetch PKG_VERSION.dsc from the archive's pool, then the .orig.tar.* it names,
# checked against the .dsc's SHA-256
fetch_from_pool() {
    local pkg=$1 version=$2 dsc orig sum url=$mirror/pool/main/${1:0:1}/$1
    dsc=$srcdir/${pkg}_$version.dsc
    curl -fsS -m 120 -o "$dsc.part" "$url/${pkg}_$version.dsc" 2>/dev/null || {
        rm -f "$dsc.part"
        return 1
    }
    mv "$dsc.part" "$dsc"
    read -r sum orig < <(awk '/^Checksums-Sha256:/ {on = 1; next} /^[^ ]/ {on = 0}
        on && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ {print $1, $3; exit}' "$dsc")
    [[ -n ${orig:-} ]] || { log "no .orig.tar in $dsc"; return 1; }
    log "fetching $orig from Debian's pool (listed in no index here)"
    curl -fsS -m 900 -o "$srcdir/$orig.part" "$url/$orig" || { rm -f "$srcdir/$orig.part"; return 1; }
    if [[ $(sha256sum "$srcdir/$orig.part" | cut -d' ' -f1) != "$sum" ]]; then
        log "$orig: SHA-256 does not match $dsc"
        rm -f "$srcdir/$orig.part"
        return 1
    fi
    mv "$srcdir/$orig.part" "$srcdir/$orig"
}

# the upstream tarball of CPython SERIES (3.13, 3.14), fetched if not yet here
upstream_tarball() {
    local series=$1 pkg=python$1 tarball version newest patch revision
    local -a sandbox=()
    tarball=$(find_tarball "$series")
    if [[ -z $tarball ]]; then
        ensure_deb_src
        apt_update
        ((EUID == 0)) && sandbox=(-o APT::Sandbox::User=root)
        # the newest version of the indexes whose files the archive serves
        # (an index can list a version whose files are not there yet, or any more)
        for version in $(indexed_versions "$pkg"); do
            newest=${newest:-$version}
            log "apt-get source --download-only $pkg=$version (Debian $suites)"
            if (cd "$srcdir" && apt-get source --download-only -qq "${sandbox[@]}" \
                "$pkg=$version" >&2); then
                break
            fi
        done
        tarball=$(find_tarball "$series")
    fi
    if [[ -z $tarball && -n ${newest:-} ]]; then
        # none of the indexed versions is served: the pool may still hold an
        # earlier upload of the same series
        newest=${newest%%-*}
        for ((patch = ${newest##*.} - 1; patch >= 0 && ${#tarball} == 0; patch--)); do
            for revision in 1 2; do
                if fetch_from_pool "$pkg" "$series.$patch-$revision"; then
                    tarball=$(find_tarball "$series")
                    break
                fi
            done
        done
    fi
    [[ -n $tarball ]] || { log "no upstream tarball of $pkg in $srcdir"; return 1; }
    echo "$tarball"
}

# --- builds -----------------------------------------------------------------

build() {
    local v=$1 series=${1%t} tarball work src
    local -a configure_args=(--prefix="$prefix/$v" --with-ensurepip=install)
    [[ $v == *t ]] && configure_args+=(--disable-gil)

    # (called as a condition, where set -e does not hold: each step checks)
    tarball=$(upstream_tarball "$series") || return 1
    work=$prefix/build/$v
    log "building $v from $(basename "$tarball") in $work (log: $logs/build-$v.log)"
    rm -rf "$work" && mkdir -p "$work" && tar -xf "$tarball" -C "$work" || return 1
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'Python-*' | head -n 1)
    [[ -n $src ]] || { log "no Python-* directory in $tarball"; return 1; }
    (
        cd "$src" &&
            ./configure "${configure_args[@]}" &&
            make -j"$jobs" &&
            make install
    ) >"$logs/build-$v.log" 2>&1 || return 1
    [[ -x $(interpreter "$v") ]] || { log "no $(interpreter "$v") after make install"; return 1; }
    rm -rf "$work"
    log "built $v: $("$(interpreter "$v")" -VV | head -n 1)"
}

status=0
built=()
for v in "${versions[@]}"; do
    if [[ -x $(interpreter "$v") ]]; then
        log "$v: $(interpreter "$v") is there; not rebuilding"
        built+=("$v")
        continue
    fi
    apt_install "${build_debs[@]}"
    if [[ -z $(find_tarball "${v%t}") ]]; then
        # here rather than in build's command substitution, where it is forgotten
        ensure_deb_src
        apt_update
    fi
    if build "$v"; then
        built+=("$v")
    else
        log "$v: the build failed; see $logs/build-$v.log"
        status=1
    fi
done

((run_tests)) || exit "$status"

# --- tests ------------------------------------------------------------------

# awslambdaric (of the dev extra) compiles its bundled aws-lambda-cpp and curl
# when no wheel fits the interpreter
apt_install cmake autoconf automake libtool make g++ libcurl4-openssl-dev

# the dev extra's requirements, read from pyproject.toml by the interpreter PY
dev_requirements() {
    "$1" - "$checkout/pyproject.toml" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["dev"]))
EOF
}

# make PREFIX/venv-V with the project and its dev extra; prints a note for
# each dev requirement that could not be installed
make_venv() {
    local v=$1 venv=$prefix/venv-$1 req
    if [[ ! -x $venv/bin/python ]]; then
        "$(interpreter "$v")" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -U pip
    if "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "${checkout}[dev]"; then
        return 0
    fi
    # one by one, so that one requirement that cannot be installed on this
    # interpreter leaves the others in
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$checkout" || return 1
    while IFS= read -r req; do
        [[ -n $req ]] || continue
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "$req" >&2 ||
            echo "could not install $req"
    done < <(dev_requirements "$venv/bin/python")
}

declare -A summary notes
for v in "${built[@]}"; do
    log "$v: venv $prefix/venv-$v, pip install -e '${checkout}[dev]'"
    if ! notes[$v]=$(make_venv "$v" 2>>"$logs/test-$v.pip.log"); then
        summary[$v]="could not install the project (see $logs/test-$v.pip.log)"
        status=1
        continue
    fi
    [[ -z ${notes[$v]} ]] || log "$v: ${notes[$v]//$'\n'/; }"
    log "$v: running the tests (log: $logs/test-$v.log)"
    # shellcheck disable=SC2086  # extra pytest arguments are word-split on purpose
    if (cd "$checkout" && env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV \
        "$prefix/venv-$v/bin/python" -m pytest -q -p no:cacheprovider --ignore=tests/compat \
        ${MINLAMBDA_PYTHONS_PYTEST_ARGS:-}) >"$logs/test-$v.log" 2>&1; then
        :
    else
        status=1
    fi
    summary[$v]=$(grep -E '[0-9]+ (passed|failed|errors?|skipped)|no tests ran' "$logs/test-$v.log" |
        tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
    [[ -n ${summary[$v]} ]] || summary[$v]="no pytest summary (see $logs/test-$v.log)"
done

echo
echo "minlambda tests ($checkout) per interpreter:"
for v in "${built[@]}"; do
    version=$("$(interpreter "$v")" -c 'import sys, sysconfig
free = sysconfig.get_config_var("Py_GIL_DISABLED")
print(sys.version.split()[0] + (", free-threaded" if free else ""))')
    line="$v ($version): ${summary[$v]}"
    [[ -z ${notes[$v]:-} ]] || line+=" [${notes[$v]//$'\n'/; }]"
    echo "$line"
done
exit "$status"
