# shellcheck shell=bash
# BIND (Debian's bind9) as a real RFC 2136 server for the DNS-01 tests, and a dedicated Pebble that
# validates DNS-01 through it. Sourced by up.sh after pebble.sh (it reuses Pebble's TLS files).
# - named on 127.0.0.1:5354 (UDP+TCP), authoritative for the test base domain $BIND_ZONE, dynamic
#   updates allowed for the TSIG key $BIND_KEY_NAME (hmac-sha256) only; no recursion, no rndc.
# - Pebble on 127.0.0.1:14010 (management :15010) with -dnsserver 127.0.0.1:5354: its DNS-01 lookups
#   see exactly what the tests put into BIND. (The shared Pebble asks pebble-challtestsrv instead.)
# The TSIG secret is made once with tsig-keygen and kept 0640 (bind). Idempotent: only starts what is not
# answering. Machine-wide, like Pebble: every checkout on this machine uses the same named and key.
# Under /var/lib/bind/ because Debian's AppArmor profile for named only lets it write there.
# Must never listen beyond loopback.

BIND_DIR=/var/lib/bind/berth-testbed
DNS01_PEBBLE_DIR=/var/lib/berth-testbed/dns01-pebble
BIND_LISTEN_PORT=5354
BIND_ZONE=dns01.berth.test
BIND_KEY_NAME=berth-dns01-test
DNS01_PEBBLE_LISTEN=127.0.0.1:14010
DNS01_PEBBLE_MANAGEMENT=127.0.0.1:15010

# The named answering our port runs from our config (so the key tests get is the key it checks).
bind_is_ours() {
  local pid
  pid=$(cat "$BIND_DIR/named.pid" 2>/dev/null) || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $BIND_DIR/named.conf"
}

bind_key_secret() { sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$BIND_DIR/tsig.key"; }

bind_files() {
  mkdir -p "$BIND_DIR"
  if [[ ! -s $BIND_DIR/tsig.key ]]; then
    (umask 077 && tsig-keygen -a hmac-sha256 "$BIND_KEY_NAME" >"$BIND_DIR/tsig.key")
  fi
  cat >"$BIND_DIR/named.conf" <<CONF
include "$BIND_DIR/tsig.key";
options {
  directory "$BIND_DIR";
  pid-file "$BIND_DIR/named.pid";
  listen-on port $BIND_LISTEN_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
zone "$BIND_ZONE" {
  type primary;
  file "$BIND_DIR/$BIND_ZONE.zone";
  allow-update { key "$BIND_KEY_NAME"; };
};
CONF
  # The zone file is written once: afterwards named owns it (journal of dynamic updates).
  if [[ ! -s $BIND_DIR/$BIND_ZONE.zone ]]; then
    cat >"$BIND_DIR/$BIND_ZONE.zone" <<ZONE
\$TTL 60
@   IN SOA ns.$BIND_ZONE. hostmaster.$BIND_ZONE. 1 60 60 600 60
@   IN NS  ns.$BIND_ZONE.
ns  IN A   127.0.0.1
ZONE
  fi
  chown -R bind:bind "$BIND_DIR"
  chmod 0750 "$BIND_DIR"
  chmod 0640 "$BIND_DIR/tsig.key"
}

ensure_bind() {
  command -v named >/dev/null || die "named is not installed (apt-get install bind9)"
  command -v pebble >/dev/null || die "pebble is not installed (apt-get install pebble)"
  local notes=()
  bind_files
  if port_answers "127.0.0.1:$BIND_LISTEN_PORT" && ! bind_is_ours; then
    die "something else answers on 127.0.0.1:$BIND_LISTEN_PORT (not named with $BIND_DIR/named.conf): stop it and rerun"
  fi
  if ! port_answers "127.0.0.1:$BIND_LISTEN_PORT"; then
    named-checkconf "$BIND_DIR/named.conf" || die "named.conf does not check (see above)"
    setsid nohup named -g -u bind -c "$BIND_DIR/named.conf" >>"$BIND_DIR/named.log" 2>&1 </dev/null 9>&- &
    wait_port "127.0.0.1:$BIND_LISTEN_PORT" named "$BIND_DIR/named.log"
    notes+=("named started")
  fi
  if ! port_answers "$DNS01_PEBBLE_LISTEN"; then
    pebble_tls_files
    mkdir -p "$DNS01_PEBBLE_DIR"
    pebble_config "$DNS01_PEBBLE_DIR/pebble.json" "$DNS01_PEBBLE_LISTEN" "$DNS01_PEBBLE_MANAGEMENT" 5010
    PEBBLE_VA_NOSLEEP=1 setsid nohup pebble -config "$DNS01_PEBBLE_DIR/pebble.json" -dnsserver "127.0.0.1:$BIND_LISTEN_PORT" \
      >>"$DNS01_PEBBLE_DIR/pebble.log" 2>&1 </dev/null 9>&- &
    wait_port "$DNS01_PEBBLE_LISTEN" pebble "$DNS01_PEBBLE_DIR/pebble.log"
    notes+=("dns-01 pebble started")
  fi
  STEP_NOTE="${notes[*]:-running} — zone $BIND_ZONE on 127.0.0.1:$BIND_LISTEN_PORT, https://$DNS01_PEBBLE_LISTEN/dir"
}

bind_env_lines() {
  cat <<EOF
export TEST_BIND_SERVER=127.0.0.1:$BIND_LISTEN_PORT
export TEST_BIND_ZONE=$BIND_ZONE
export TEST_BIND_KEY_NAME=$BIND_KEY_NAME
export TEST_BIND_KEY_SECRET=$(bind_key_secret)
export TEST_DNS01_ACME_DIRECTORY=https://$DNS01_PEBBLE_LISTEN/dir
export TEST_DNS01_PEBBLE_MANAGEMENT=https://$DNS01_PEBBLE_MANAGEMENT
EOF
}
