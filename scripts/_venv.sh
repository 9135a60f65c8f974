# Sourced by the other scripts: make sure .venv exists and has the pinned requirements.
# Usage: source scripts/_venv.sh [requirements-file]
set -euo pipefail
requirements="${1:-requirements.txt}"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtualenv in .venv ..."
    "$python_bin" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$requirements")"
wanted="$(cat requirements*.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing $requirements ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
