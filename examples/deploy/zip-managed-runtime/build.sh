#!/usr/bin/env bash
# Build function.zip for a zip function on the managed Python runtime (python3.12),
# served by minlambda through the AWS_LAMBDA_EXEC_WRAPPER hook:
#
#   examples/deploy/zip-managed-runtime/build.sh [PIP OPTIONS...]
#
# The zip holds, at its root: function/'s code and minlambda-wrapper (executable), and
# what function/requirements.txt names (minlambda and msgspec), installed by pip as
# binary wheels for Lambda's platform, not the build machine's. Extra arguments go to
# `pip install`, for example `--find-links DIR` to take a minlambda wheel you built
# (python -m pip wheel --no-deps -w DIR .), or `--no-index` to stay offline.
#
# Environment: ARCH (x86_64 or arm64, the function's architecture; default x86_64),
# PYTHON_VERSION (the runtime's, default 3.12), PYTHON (the interpreter that runs pip,
# default python3), OUT (default function.zip next to this script).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
PYTHON_VERSION="${PYTHON_VERSION:-3.12}"
ARCH="${ARCH:-x86_64}"
OUT="${OUT:-$here/function.zip}"
case "$ARCH" in
    x86_64) platform=manylinux2014_x86_64 ;;
    arm64 | aarch64) platform=manylinux2014_aarch64 ;;
    *) echo "build.sh: ARCH must be x86_64 or arm64, not '$ARCH'" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
package="$work/package"

# the requirements, as wheels for the runtime's Python and Lambda's Linux
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile \
    --target "$package" --implementation cp --python-version "$PYTHON_VERSION" \
    --platform "$platform" --only-binary=:all: \
    -r "$here/function/requirements.txt" "$@"

# the function's code and the wrapper (not the build inputs)
cp -R "$here/function/." "$package/"
rm -f "$package/requirements.txt"
chmod 755 "$package/minlambda-wrapper"

# the zip: sorted entries, fixed timestamps and modes (so the same inputs give the same
# zip, and Lambda does not see a new code hash for nothing); no bytecode caches
"$PYTHON" - "$package" "$OUT" <<'PY'
import os
import sys
import zipfile

root, out = sys.argv[1], sys.argv[2]
names = []
for directory, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if d != "__pycache__"]
    names += [os.path.join(directory, f) for f in files if not f.endswith(".pyc")]
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as archive:
    for path in sorted(names):
        info = zipfile.ZipInfo(os.path.relpath(path, root).replace(os.sep, "/"))
        executable = os.stat(path).st_mode & 0o111
        info.external_attr = (0o100755 if executable else 0o100644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as file:
            archive.writestr(info, file.read())
os.replace(out + ".tmp", out)
print(f"{out}: {len(names)} files")
PY
