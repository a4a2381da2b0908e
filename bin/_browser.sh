# Sourced by bin/test and .ci/run: the browser tests drive Debian's chromium through Playwright
# (Playwright's own browser download cannot work offline). Install it when it is missing.
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium with apt-get for the browser test (once; a few minutes)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; then
      echo "!! chromium could not be installed: the browser test will fail, saying so" >&2
    fi
  else
    echo "!! chromium is missing (apt-get install chromium, or set CHROMIUM_PATH): the browser test will fail, saying so" >&2
  fi
fi
