#!/usr/bin/env bash
# Installs, builds, and runs the whole suite in the foreground with a default config
# under ./var: the demo domain example.test and a demo user, created on the first run.
# Ctrl-C stops every daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release
mailroom=build/release/bin/mailroom
config=var/mailroom.toml

if [[ ! -f "$config" ]]; then
  "$mailroom" init --dir var --domain example.test --hostname localhost
  password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$password" | "$mailroom" --config "$config" user add demo@example.test --password-stdin
  {
    echo "demo address:  demo@example.test"
    echo "demo password: $password"
  } | tee var/demo-credentials.txt
  chmod 600 var/demo-credentials.txt
else
  echo "using the existing $config (demo credentials, if any: var/demo-credentials.txt)"
fi

exec "$mailroom" --config "$config" up
