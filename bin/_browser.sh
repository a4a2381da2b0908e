# Sourced by bin/test and .ci/run: the browser tests drive Debian's chromium through Playwright
# (Playwright's own browser download cannot work offline). Install it when it is missing.
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "!! chromium is missing: install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
  fi
fi
