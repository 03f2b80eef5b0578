# Sourced by ./scripts/demo and ./scripts/test: set up .venv with an extra of consentkit,
# installing only when needed (no venv yet, or pyproject.toml changed since the last install),
# so a second start does not call pip at all.
#   ensure_venv EXTRA      # e.g. ensure_venv demo
#   ensure_node_modules    # npm ci, only when package.json or package-lock.json changed

_consentkit_hash() {
  # sha256 of the given files, whichever of sha256sum / shasum this machine has.
  if command -v sha256sum >/dev/null 2>&1; then cat "$@" | sha256sum | cut -d' ' -f1
  else cat "$@" | shasum -a 256 | cut -d' ' -f1; fi
}

ensure_venv() {
  local extra="$1" python="${PYTHON:-python3}" stamp=".venv/.consentkit-installed-$1" want
  if [ ! -x .venv/bin/python ]; then
    echo "Setting up .venv (first run) ..." >&2
    "$python" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  want="$(_consentkit_hash pyproject.toml)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing consentkit[$extra] into .venv (pyproject.toml is new or changed) ..." >&2
    .venv/bin/python -m pip install -q -e ".[$extra]"
    echo "$want" > "$stamp"
  fi
}

ensure_node_modules() {
  [ -f package.json ] || return 0
  local stamp="node_modules/.consentkit-installed" want
  want="$(_consentkit_hash package.json package-lock.json)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing node_modules (npm ci) ..." >&2
    npm ci --silent --no-audit --no-fund
    echo "$want" > "$stamp"
  fi
}
