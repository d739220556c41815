#!/usr/bin/env bash
# Footprint (`make bench-footprint`): the size of libc8ymqtt.a (release, LTO) and of a
# stripped, statically linked C quick start, next to Paho C with OpenSSL (Debian's static
# libpaho-mqtt3as.a + libssl.a + libcrypto.a, and the same quick start shape linked statically
# against them: the peer's paho_c_pub.c). Writes target/bench/footprint.json.
#
# Needs ffi/ (crate c8y-mqtt-ffi, static lib libc8ymqtt.a) and examples/c/quickstart.c; fails
# with a message saying so otherwise. Paho C and OpenSSL come from libpaho-mqtt-dev and
# libssl-dev (installed with apt-get when missing).
#
# FOOTPRINT_PROFILE (default `release`, built with fat LTO and one codegen unit) names the Cargo
# profile of the library: `release-small` is the firmware profile (opt-level "z", fat LTO, one
# codegen unit, panic = "abort", stripped; see Cargo.toml). FOOTPRINT_FEATURES, when set, builds
# the library without its default features and with these instead (empty: none of websocket,
# http-proxy, http, remote-access). The library is looked up under CARGO_TARGET_DIR when set.
set -euo pipefail

OUT=target/bench
PEERS=${BENCH_PEERS:-examples/bench/peers}
HEADERS=${FFI_HEADER_DIR:-include}
LIBDIR=$(gcc -print-multiarch 2>/dev/null | sed 's|^|/usr/lib/|')
LIBDIR=${LIBDIR:-/usr/lib/x86_64-linux-gnu}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
mkdir -p "$OUT"

size_of() { stat -c %s "$1"; }
kib() { echo $(( ($1 + 1023) / 1024 )); }

if [ ! -d ffi ] || [ ! -f examples/c/quickstart.c ]; then
    echo "bench-footprint: needs ffi/ (crate c8y-mqtt-ffi building libc8ymqtt.a) and examples/c/quickstart.c;" >&2
    echo "  they are missing from this tree. Nothing measured." >&2
    exit 1
fi

for pkg in libpaho-mqtt-dev libssl-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" \
        || { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg"; }
done

PROFILE=${FOOTPRINT_PROFILE:-release}
FEATURE_ARGS=()
FEATURES_LABEL="default features"
if [ "${FOOTPRINT_FEATURES+set}" = set ]; then
    FEATURE_ARGS=(--no-default-features --features "$FOOTPRINT_FEATURES")
    FEATURES_LABEL="features: ${FOOTPRINT_FEATURES:-none}"
fi
if [ "$PROFILE" = release ]; then
    echo "== libc8ymqtt.a: release, fat LTO, one codegen unit, $FEATURES_LABEL"
    CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
        cargo build --release -q -p c8y-mqtt-ffi "${FEATURE_ARGS[@]}"
else
    echo "== libc8ymqtt.a: profile $PROFILE, $FEATURES_LABEL"
    cargo build --profile "$PROFILE" -q -p c8y-mqtt-ffi "${FEATURE_ARGS[@]}"
fi
LIB=${CARGO_TARGET_DIR:-target}/$PROFILE/libc8ymqtt.a
test -f "$LIB" || { echo "bench-footprint: $LIB was not built" >&2; exit 1; }

echo "== static C quick start (stripped)"
cc -Os -static -I"$HEADERS" examples/c/quickstart.c "$LIB" -lpthread -ldl -lm -o "$OUT/quickstart-static"
strip "$OUT/quickstart-static"

echo "== Paho C + OpenSSL (static)"
PAHO_A="$LIBDIR/libpaho-mqtt3as.a"
SSL_A="$LIBDIR/libssl.a"
CRYPTO_A="$LIBDIR/libcrypto.a"
cc -Os -static "$PEERS/paho_c_pub.c" "$PAHO_A" "$SSL_A" "$CRYPTO_A" -lpthread -ldl \
    -o "$OUT/paho-static" 2>/dev/null && strip "$OUT/paho-static" || echo "(static Paho C link failed; archive sizes only)"

lib=$(size_of "$LIB")
qs=$(size_of "$OUT/quickstart-static")
paho=$(size_of "$PAHO_A"); ssl=$(size_of "$SSL_A"); crypto=$(size_of "$CRYPTO_A")
paho_bin=$([ -f "$OUT/paho-static" ] && size_of "$OUT/paho-static" || echo 0)

printf '| artefact | KiB |\n|---|---:|\n'
printf '| libc8ymqtt.a (%s, %s) | %s |\n' "$PROFILE" "$FEATURES_LABEL" "$(kib "$lib")"
printf '| C quick start, static, stripped | %s |\n' "$(kib "$qs")"
printf '| libpaho-mqtt3as.a | %s |\n' "$(kib "$paho")"
printf '| libssl.a + libcrypto.a | %s |\n' "$(kib $((ssl + crypto)))"
printf '| paho_c_pub, static with OpenSSL, stripped | %s |\n' "$(kib "$paho_bin")"

cat > "$OUT/footprint.json" <<JSON
{
  "profile": "$PROFILE",
  "features": "$FEATURES_LABEL",
  "libc8ymqtt_a_bytes": $lib,
  "quickstart_static_stripped_bytes": $qs,
  "libpaho_mqtt3as_a_bytes": $paho,
  "libssl_a_plus_libcrypto_a_bytes": $((ssl + crypto)),
  "paho_c_pub_static_stripped_bytes": $paho_bin
}
JSON
echo "written: $OUT/footprint.json"
