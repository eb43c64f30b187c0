# shellcheck shell=bash
# Pebble (Let's Encrypt's test ACME server, Debian package) for the certificate tests. Sourced by up.sh.
# - A TLS CA + server cert for Pebble's own HTTPS endpoints (SAN localhost, 127.0.0.1), made once with
#   openssl under .cache/pebble/ (TEST_PEBBLE_TLS_CA is what an ACME client trusts to reach Pebble).
# - pebble-challtestsrv on 127.0.0.1:8053 answers every name with 127.0.0.1 (Pebble's -dnsserver).
# - A shared Pebble on 127.0.0.1:14000 (management :15000), httpPort 5002: HTTP-01 validation connects to
#   127.0.0.1:5002. Tests whose proxy publishes another port start their own Pebble with that httpPort
#   (the cert, key and DNS server here are shared; see src/core/certificates/pebble.test-support.ts).
# The issuing root changes at every Pebble start: fetch it from https://127.0.0.1:<management>/roots/0.
# Idempotent: only starts what is not answering. Must never listen beyond loopback.

# Machine-wide, not per checkout: the Pebble it starts serves every checkout on this machine (CI's clone
# included), so its TLS files must be the ones every checkout trusts.
PEBBLE_DIR=/var/lib/berth-testbed/pebble
PEBBLE_DNS=127.0.0.1:8053
PEBBLE_LISTEN=127.0.0.1:14000
PEBBLE_MANAGEMENT=127.0.0.1:15000

pebble_tls_files() {
  mkdir -p "$PEBBLE_DIR"
  [[ -s $PEBBLE_DIR/cert.pem && -s $PEBBLE_DIR/key.pem && -s $PEBBLE_DIR/ca.pem ]] && return 0
  (
    umask 077
    cd "$PEBBLE_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=berth testbed pebble CA' \
      -keyout ca-key.pem -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout key.pem -out server.csr >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
      -extfile ext.cnf -out cert.pem >/dev/null 2>&1
    rm -f server.csr ext.cnf
  )
}

# pebble_config FILE LISTEN MANAGEMENT HTTP_PORT — writes a Pebble config using the shared TLS files.
pebble_config() {
  cat >"$1" <<JSON
{
  "pebble": {
    "listenAddress": "$2",
    "managementListenAddress": "$3",
    "certificate": "$PEBBLE_DIR/cert.pem",
    "privateKey": "$PEBBLE_DIR/key.pem",
    "httpPort": $4,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
}

port_answers() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

wait_port() { # wait_port ADDR NAME LOG
  local tries=100
  until port_answers "$1"; do
    ((--tries > 0)) || { tail -n 20 "$3" >&2; die "$2 did not listen on $1"; }
    sleep 0.1
  done
}

ensure_pebble() {
  command -v pebble >/dev/null || die "pebble is not installed (apt-get install pebble)"
  pebble_tls_files
  local notes=()
  if ! port_answers 127.0.0.1:8055; then
    setsid nohup pebble-challtestsrv -dns01 "$PEBBLE_DNS" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
      -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 \
      >>"$PEBBLE_DIR/challtestsrv.log" 2>&1 </dev/null 9>&- &
    wait_port 127.0.0.1:8055 pebble-challtestsrv "$PEBBLE_DIR/challtestsrv.log"
    notes+=("challtestsrv started")
  fi
  if ! port_answers "$PEBBLE_LISTEN"; then
    pebble_config "$PEBBLE_DIR/config.json" "$PEBBLE_LISTEN" "$PEBBLE_MANAGEMENT" 5002
    PEBBLE_VA_NOSLEEP=1 setsid nohup pebble -config "$PEBBLE_DIR/config.json" -dnsserver "$PEBBLE_DNS" \
      >>"$PEBBLE_DIR/pebble.log" 2>&1 </dev/null 9>&- &
    wait_port "$PEBBLE_LISTEN" pebble "$PEBBLE_DIR/pebble.log"
    notes+=("pebble started")
  fi
  STEP_NOTE="${notes[*]:-running} — https://$PEBBLE_LISTEN/dir (HTTP-01 on :5002)"
}

pebble_env_lines() {
  cat <<EOF
export TEST_ACME_DIRECTORY=https://$PEBBLE_LISTEN/dir
export TEST_PEBBLE_MANAGEMENT=https://$PEBBLE_MANAGEMENT
export TEST_PEBBLE_TLS_CA=$PEBBLE_DIR/ca.pem
export TEST_PEBBLE_CERT=$PEBBLE_DIR/cert.pem
export TEST_PEBBLE_KEY=$PEBBLE_DIR/key.pem
export TEST_PEBBLE_DNS=$PEBBLE_DNS
EOF
}
