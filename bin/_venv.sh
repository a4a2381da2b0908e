# Sourced by bin/run, bin/test and .ci/run: make ./.venv with requirements-dev.txt (production
# requirements.txt plus the test and development tools) installed, again only when either changes.
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> upgrading the venv's pip and setuptools"
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools  # the venv's own ones are old (see README, pip-audit)
  echo "==> installing requirements-dev.txt (with requirements.txt) into .venv (about a minute the first time)"
  .venv/bin/python -m pip install --progress-bar on -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
