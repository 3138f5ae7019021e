#!/usr/bin/env bash
# The suite on the oldest and the newest versions the metadata allows:
# Python (python_requires), requests and urllib3 (install_requires), httpx
# (its extra). Each gets a virtual environment of its own, .venv-oldest and
# .venv-newest.
#
#   bash .ci/versions.sh            # both
#   bash .ci/versions.sh oldest     # one
set -euo pipefail
cd "$(dirname "$0")/.."

# Python X.Y: on PATH, else among pyenv's versions.
find_python() {
    local version=$1 candidate
    for candidate in "python$version" \
        "$(pyenv root 2>/dev/null || echo /root/.pyenv)/versions/$version".*/bin/"python$version"; do
        # (a pyenv shim is on PATH for every version, and fails for those
        # not selected: ask the interpreter itself)
        if "$candidate" -c '' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

floor() {  # the version after ">=" of a requirement in setup.cfg
    sed -n "s/^ *$1 *>= *\([0-9.]*\).*/\1/p" setup.cfg | head -n 1
}

run() {
    local name=$1 python_version=$2
    shift 2
    local python venv=".venv-$name"
    if ! python=$(find_python "$python_version"); then
        echo "!! $name: no Python $python_version on this machine: NOT TESTED" >&2
        return 0
    fi
    echo "== $name: $("$python" --version) with $*"
    "$python" -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e '.[test]' "$@"
    "$venv/bin/python" -c 'import requests, urllib3, sys; print("   Python", sys.version.split()[0], "requests", requests.__version__, "urllib3", urllib3.__version__)'
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -m ""
}

python_floor=$(sed -n 's/^python_requires *= *>= *\([0-9.]*\).*/\1/p' setup.cfg)
for which in "${@:-oldest newest}"; do
    for one in $which; do
        case $one in
        oldest) run oldest "$python_floor" "requests==$(floor requests)" "urllib3==$(floor urllib3)" "httpx==$(floor httpx)" ;;
        newest) run newest 3.13 --upgrade requests urllib3 httpx ;;
        *) echo "usage: $0 [oldest] [newest]" >&2; exit 2 ;;
        esac
    done
done
