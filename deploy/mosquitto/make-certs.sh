#!/usr/bin/env bash
# A private CA and a server certificate for the SiteGuard broker (a small site, or a test).
#
#   deploy/mosquitto/make-certs.sh OUT_DIR HOST [HOST...]
#
# OUT_DIR receives ca.crt, ca.key, server.crt, server.key. Each HOST goes into the server
# certificate's subjectAltName (an IPv4/IPv6 address as IP:, anything else as DNS:);
# localhost and 127.0.0.1 are always added, so the gateway on the broker's own host and the
# tests verify the certificate too. The first HOST is the certificate's common name.
#
# Running it again keeps an existing CA (every device already provisioned trusts it) and
# issues a fresh server certificate: that is how the server certificate is renewed. Delete
# ca.* only to start over, and then re-provision every device with the new ca.crt.
#
# ca.key signs certificates the devices trust: keep it off the broker (an offline copy is
# enough). The broker needs ca.crt, server.crt and server.key (readable by the mosquitto
# user: chown root:mosquitto server.key, chmod 640). Devices and the gateway need ca.crt only.
#
# RSA keys, because the TLS stacks of cellular modules (the devices' SIM-card modems) support
# RSA everywhere and ECDSA not always. Validity: CA_DAYS (default 7300, twenty years: devices
# in the field rarely get a new CA) and SERVER_DAYS (default 825).
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: $0 OUT_DIR HOST [HOST...]" >&2
    exit 2
fi
out=$1
shift
ca_days=${CA_DAYS:-7300}
server_days=${SERVER_DAYS:-825}

mkdir -p "$out"
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

san="DNS:localhost,IP:127.0.0.1"
for host in "$@"; do
    if [[ $host =~ ^[0-9]+(\.[0-9]+){3}$ || $host == *:* ]]; then
        entry="IP:$host"
    else
        entry="DNS:$host"
    fi
    [[ ",$san," == *",$entry,"* ]] || san="$san,$entry"
done

if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.crt" ]; then
    openssl req -x509 -new -newkey rsa:3072 -nodes -sha256 -days "$ca_days" \
        -subj "/O=SiteGuard/CN=SiteGuard broker CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
    echo "made a new CA: $out/ca.crt" >&2
else
    echo "kept the existing CA: $out/ca.crt" >&2
fi

cat >"$work/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
subjectAltName=$san
EOF

openssl req -new -newkey rsa:2048 -nodes -sha256 \
    -subj "/O=SiteGuard/CN=$1" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -days "$server_days" -sha256 \
    -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" "$work/server.crt" >/dev/null

mv "$work/server.key" "$out/server.key"
mv "$work/server.crt" "$out/server.crt"
chmod 600 "$out/ca.key" "$out/server.key"
chmod 644 "$out/ca.crt" "$out/server.crt"
echo "server certificate for $san: $out/server.crt (valid $server_days days)" >&2
