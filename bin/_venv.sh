# Sourced by bin/run and bin/test: make ./.venv with requirements.txt installed (again only when it changes).
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> upgrading the venv's pip and setuptools"
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools  # the venv's own ones are old (see README, pip-audit)
  echo "==> installing requirements.txt into .venv (about a minute the first time)"
  .venv/bin/python -m pip install --progress-bar on -r requirements.txt
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
