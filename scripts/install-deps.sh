#!/usr/bin/env bash
# Installs, from Debian 12 packages, whatever mailroom needs and is missing.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   plus the real clients the integration tests use
# Also creates the unprivileged `mailroom` system account the daemons run as.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config
          libuv1-dev libssl-dev libsqlite3-dev libsodium-dev libcli11-dev doctest-dev
          libc-ares-dev libtomlplusplus-dev zlib1g-dev openssl python3
          libpsl-dev publicsuffix
          libhttp-parser-dev libexpat1-dev
          libcurl4-openssl-dev nlohmann-json3-dev
          libunistring-dev)
if [[ "${1:-}" == "--test" ]]; then
  # swaks only recommends Net::SSLeay, which its STARTTLS needs (we install without recommends).
  packages+=(swaks libnet-ssleay-perl curl fetchmail getmail6)
  # tests/integration/test_acme_pebble.py: Let's Encrypt's ACME test server.
  packages+=(pebble)
  # deliverd remote tests: dnsmasq as the DNS server, Postfix's smtp-sink as the remote MTA.
  packages+=(dnsmasq-base postfix)
  # tests/integration/test_dane.py: real DNSSEC on loopback: ldns-signzone signs the zones,
  # NSD serves them, Unbound validates them (the test starts its own; the services are not wanted).
  packages+=(ldnsutils nsd unbound)
  # imapd client tests: mbsync and offlineimap (Debian 12 names), and Node for imapflow
  # unless a node/npm is already on the PATH (e.g. a newer one from NodeSource).
  packages+=(isync offlineimap3)
  # tests/integration/test_login_failures.py: fail2ban-regex against etc/fail2ban/.
  packages+=(fail2ban)
  # tests/integration/test_dkim_signing.py, test_dkim_interop.py: dkimpy verifies our signatures
  # and signs what our verifier checks (nacl: ed25519); tests/data/arc/make_fixtures.py and
  # test_arc_interop.py: dkimpy's ARC sealer and validator (authres: its A-R parser);
  # test_arc_seal.py: dkimpy validates the chains our forwards seal.
  packages+=(python3-dkim python3-nacl python3-authres)
  # tests/integration/test_milter_rspamd.py: rspamd's proxy worker is the milter; the test
  # starts its own rspamd (the package's service is not wanted, see below).
  packages+=(rspamd)
  # tests/integration/test_import_dovecot.py: the Dovecot (+ Postfix) of
  # ../shared/anchors/stack.sh to import from; the stack runs its own instances.
  packages+=(dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd)
  # tests/integration/test_imaptest.py: ../shared/tools/imaptest/build.sh builds Dovecot's
  # imaptest against libdovecot.
  packages+=(dovecot-dev autoconf automake libtool make gcc)
  # scripts/fuzz.sh: clang with libFuzzer (its runtime is libclang-rt-14-dev, not a clang dependency).
  packages+=(clang libclang-rt-14-dev)
  # tests/integration/test_managesieve.py: the ManageSieve client sieve-connect.
  packages+=(sieve-connect)
  # tests/integration/test_package.py: scripts/package.sh (dpkg-shlibdeps) and lintian.
  packages+=(dpkg-dev lintian)
  # tests/integration/test_metrics.py: the Prometheus text-format parser.
  packages+=(python3-prometheus-client)
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The postfix package is only wanted for /usr/sbin/smtp-sink: no MTA service may keep
  # port 25 (or any other) busy on a test machine.
  if [[ " ${missing[*]} " == *" postfix "* ]]; then
    postfix stop >/dev/null 2>&1 || true
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now postfix >/dev/null 2>&1 || true; fi
  fi
  if [[ " ${missing[*]} " == *" rspamd "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now rspamd >/dev/null 2>&1 || true
  fi
  # Unbound's service would take port 53 and, through unbound-resolvconf, the host's resolver.
  if [[ " ${missing[*]} " == *" unbound "* || " ${missing[*]} " == *" nsd "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now unbound unbound-resolvconf nsd >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" dovecot-core "* ]]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now dovecot dovecot.socket >/dev/null 2>&1 || true; fi
    doveadm stop >/dev/null 2>&1 || true
  fi
fi

# imapflow for tests/integration/test_imap_clients_imapflow.py, exactly as pinned by
# tests/integration/node/package-lock.json; the tests themselves download nothing.
node_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/integration/node"
if [[ "${1:-}" == "--test" && ! -d "$node_dir/node_modules" ]]; then
  echo "installing imapflow (npm ci) in $node_dir"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ $(id -u) -eq 0 ]] && ! getent passwd mailroom >/dev/null; then
  useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin --user-group mailroom
  echo "created system user mailroom"
fi
