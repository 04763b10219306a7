#!/usr/bin/env python3
"""Writes THIRD_PARTY_NOTICES: the licences of everything linked into workerbox's native module.

Two parts:
- Rust crates: the normal (not dev-, not build-only) dependency graph of the `workerbox` package
  for x86_64-unknown-linux-gnu, from `cargo metadata`, with the LICENSE*/LICENCE*/COPYING*/NOTICE*
  files in each crate's source directory (the cargo registry). A crate that ships none is listed
  with the SPDX expression from its Cargo.toml, and the output says so.
- V8 (the `v8` crate's static librusty_v8): the published crate leaves out every LICENSE* and
  *.txt file, so the texts live in .ci/notices/ (each entry below says where its text came
  from). What is listed is what the GN build links into librusty_v8.a or compiles in from
  headers; V8_COMPONENTS says how that was established. When the `v8` crate's source is on disk,
  --check also fails on any third_party directory of the crate that is neither listed nor
  explained in NOT_LINKED, so a V8 bump that brings new code cannot slip by unread.

Usage: python3 .ci/notices.py            rewrite THIRD_PARTY_NOTICES
       python3 .ci/notices.py --check    exit 1 if it is stale (CI runs this)
Stdlib only; needs `cargo` and the crates fetched (cargo metadata fetches them when online).
"""

import difflib
import json
import os
import re
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = os.path.join(ROOT, ".ci", "notices")
OUTPUT = os.path.join(ROOT, "THIRD_PARTY_NOTICES")
TARGET = "x86_64-unknown-linux-gnu"
LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)
RULE = "=" * 78

# Crates that ship no licence file but whose repository has one: repository -> (text in
# .ci/notices/, where it came from). Other such crates fall back to their SPDX expression.
REPOSITORY_TEXTS = {
    "https://github.com/oxc-project/oxc": ("oxc.LICENSE", "oxc-project/oxc LICENSE"),
    "https://github.com/denoland/rusty_v8": ("rusty_v8.LICENSE", "denoland/rusty_v8 LICENSE"),
}

# (name, SPDX, directories in the v8 crate, how it gets into librusty_v8.a, text files in
# .ci/notices/, where those texts came from). Established for v8 150.4.0 and 152.2.0 from the
# link line of librusty_v8.a in the GN build (obj/rusty_v8.ninja: every object's source), the
# `#include "third_party/..."` lines of V8's sources, and the GN args (.ci/v8/args.gn and the
# crate's .gn defaults).
V8_COMPONENTS = [
    ("V8", "BSD-3-Clause", ["v8"], "objects",
     ["v8.LICENSE", "v8.LICENSE.fdlibm", "v8-strongtalk.notice"],
     "v8.LICENSE and v8.LICENSE.fdlibm: V8's LICENSE and LICENSE.fdlibm as vendored in "
     "nodejs/node deps/v8; v8-strongtalk.notice: the header of v8/src/codegen/assembler.cc in the crate"),
    ("V8 Array.prototype.sort (port of CPython's listsort)", "PSF-2.0", ["v8/third_party/v8"],
     "objects (torque builtins)", ["v8-builtins.LICENSE"],
     "V8's third_party/v8/builtins/LICENSE as vendored in nodejs/node deps/v8 (CPython's LICENSE, "
     "PSF copyright years to 2018)"),
    ("rusty_v8 (the v8 crate's C++ binding and deno_inspector)", "MIT", ["src"], "objects",
     ["rusty_v8.LICENSE"], "denoland/rusty_v8 LICENSE"),
    ("ICU 4C and its data", "Unicode-3.0 (plus the third-party terms in its LICENSE)",
     ["third_party/icu"], "objects and the embedded icudtl.dat", ["icu.LICENSE"],
     "unicode-org/icu LICENSE at commit 82d1d3f62e8d (the crate carries ICU 77.1)"),
    ("Abseil", "Apache-2.0", ["third_party/abseil-cpp"], "objects", ["abseil-cpp.LICENSE"],
     "abseil/abseil-cpp LICENSE"),
    ("Highway", "Apache-2.0 OR BSD-3-Clause", ["third_party/highway"], "objects",
     ["highway.LICENSE"], "google/highway LICENSE"),
    ("simdutf", "Apache-2.0 OR MIT (MIT chosen)", ["third_party/simdutf"], "objects",
     ["simdutf.LICENSE-MIT"], "simdutf/simdutf LICENSE-MIT"),
    ("libc++", "Apache-2.0 WITH LLVM-exception", ["third_party/libc++", "buildtools/third_party/libc++"],
     "objects (use_custom_libcxx)", ["libcxx.LICENSE.TXT"],
     "llvm-project libcxx/LICENSE.TXT: Apache-2.0 text as published by apache.org in LLVM's layout, "
     "LLVM exceptions and legacy licences; checked against two LLVM forks' copies (same length)"),
    ("libc++abi", "Apache-2.0 WITH LLVM-exception", ["third_party/libc++abi", "buildtools/third_party/libc++abi"],
     "objects", ["libcxxabi.LICENSE.TXT"], "llvm-project libcxxabi/LICENSE.TXT, assembled as for libc++"),
    ("LLVM libc (headers used by libc++ and V8's ieee754)", "Apache-2.0 WITH LLVM-exception",
     ["third_party/llvm-libc"], "header-only", [], "the same Apache-2.0 WITH LLVM-exception terms as libc++ above"),
    ("Chromium inspector_protocol (crdtp)", "BSD-3-Clause", ["v8/third_party/inspector_protocol"], "objects",
     ["inspector_protocol.LICENSE"], "V8's third_party/inspector_protocol/LICENSE as vendored in nodejs/node deps/v8"),
    ("HalfSipHash", "CC0-1.0", ["v8/third_party/siphash"], "objects", ["siphash.notice"],
     "the header of v8/third_party/siphash/halfsiphash.cc in the crate"),
    ("fast_float", "MIT OR Apache-2.0 OR BSL-1.0 (MIT chosen)", ["third_party/fast_float"], "header-only",
     ["fast_float.LICENSE-MIT"], "fastfloat/fast_float LICENSE-MIT"),
    ("Dragonbox", "Apache-2.0 WITH LLVM-exception OR BSL-1.0 (BSL-1.0 chosen)", ["third_party/dragonbox"],
     "header-only", ["dragonbox.notice", "dragonbox.LICENSE-Boost"],
     "the header of dragonbox.h in the crate and jk-jeon/dragonbox LICENSE-Boost"),
    ("FP16 (and V8's CSA port of it, third_party/v8/codegen/fp16-inl.h)", "MIT", ["third_party/fp16"],
     "header-only", ["fp16.LICENSE"], "Maratyszcza/FP16 LICENSE"),
    ("UTF-8 DFA decoder (Bjoern Hoehrmann)", "MIT", ["v8/third_party/utf8-decoder"], "header-only",
     ["utf8-decoder.LICENSE"], "the MIT licence with the author's copyright line; V8's copy of the "
     "LICENSE file was not available"),
    ("rapidhash", "BSD-2-Clause", ["v8/third_party/rapidhash-v8"], "header-only", ["rapidhash.notice"],
     "the header of v8/third_party/rapidhash-v8/rapidhash.h in the crate"),
    ("Valgrind client API header", "BSD-style (valgrind.h only)", ["v8/third_party/valgrind"],
     "header included; its code is compiled out (NVALGRIND)", ["valgrind.notice"],
     "the header of v8/third_party/valgrind/valgrind.h in the crate"),
]

# Third-party directories of the v8 crate that were checked and are not in librusty_v8.a.
NOT_LINKED = {
    "third_party/rust": "Rust crates; Temporal reaches the link through Cargo (temporal_capi and its "
                        "dependencies are in the Rust crates part above), not through GN",
    "third_party/googletest": "tests only",
    "v8/third_party/googletest": "tests only",
    "third_party/jinja2": "build-time Python",
    "third_party/markupsafe": "build-time Python",
    "third_party/libunwind": "not linked on Linux (the system unwinder is used)",
    "buildtools/third_party/libunwind": "not linked on Linux (the system unwinder is used)",
    "buildtools/third_party/mold": "a linker, build-time only",
    "third_party/partition_alloc": "only with V8_ENABLE_PARTITION_ALLOC, which is unset",
    "v8/third_party/glibc": "only with V8_USE_LIBM_TRIG_FUNCTIONS, which is unset",
    "v8/third_party/vtune": "only with v8_enable_vtunejit (off)",
    "v8/third_party/wasm-api": "the Wasm C API (src/wasm/c-api.cc) is not in the archive",
    "v8/third_party/jsoncpp": "d8 and tools only",
    "v8/third_party/re2": "no re2 object in the archive",
    "v8/third_party/fadec": "only with v8_enable_generated_code_validator, which needs v8_enable_sandbox (off)",
    "v8/third_party/disarm": "arm64 counterpart of fadec; same condition",
    # GN files only: the sources live in the crate's top-level third_party/ (listed above).
    "v8/third_party/dragonbox": "GN file for third_party/dragonbox",
    "v8/third_party/fast_float": "GN file for third_party/fast_float",
    "v8/third_party/fp16": "GN file for third_party/fp16",
    "v8/third_party/highway": "GN file for third_party/highway",
    "v8/third_party/llvm-libc": "GN file for third_party/llvm-libc",
}


def cargo_metadata():
    cmd = ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", TARGET]
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out)


def linked_packages(meta):
    """The packages reachable from the root through normal dependencies (root excluded)."""
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    seen, stack = set(), [root]
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    packages = {p["id"]: p for p in meta["packages"]}
    return sorted((packages[i] for i in seen), key=lambda p: (p["name"], p["version"]))


def read_text(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").strip("\n") + "\n"


def licence_files(pkg):
    crate_dir = os.path.dirname(pkg["manifest_path"])
    names = sorted(n for n in os.listdir(crate_dir)
                   if LICENSE_FILE.match(n) and os.path.isfile(os.path.join(crate_dir, n)))
    paths = [os.path.join(crate_dir, n) for n in names]
    if pkg.get("license_file"):
        extra = os.path.normpath(os.path.join(crate_dir, pkg["license_file"]))
        if extra not in paths and os.path.isfile(extra):
            paths.append(extra)
    return paths


def rust_part(packages):
    out = ["RUST CRATES", RULE, "",
           f"The normal dependencies of workerbox for {TARGET}, from Cargo.lock.",
           "Proc-macro crates run only while compiling and are not linked; they are listed for",
           "completeness.", ""]
    texts = {}  # whitespace-normalised text -> (text, [crate labels])
    bare = []
    for p in packages:
        label = f"{p['name']} {p['version']}"
        kind = " (proc-macro)" if any("proc-macro" in t["kind"] for t in p["targets"]) else ""
        out.append(f"  {label}{kind}: {p['license'] or p.get('license_file') or 'no licence declared'}")
        found = [(path, os.path.basename(path)) for path in licence_files(p)]
        if not found and p.get("repository") in REPOSITORY_TEXTS:
            name, source = REPOSITORY_TEXTS[p["repository"]]
            found = [(os.path.join(TEXTS, name), f"no licence file in the crate; text: {source}")]
        if not found:
            bare.append(f"  {label}: {p['license']}")
        for path, origin in found:
            text = read_text(path)
            key = " ".join(text.split())
            texts.setdefault(key, (text, []))[1].append(f"{label} ({origin})")
    if bare:
        out += ["", "These crates ship no licence file, and none was found for them; each is used under",
                "the SPDX expression its Cargo.toml declares (the standard texts of those licences",
                "appear below for other crates):", ""]
        out += bare
    out += [""]
    for text, users in sorted(texts.values(), key=lambda t: t[1][0]):
        out += [RULE, textwrap.fill("Used by: " + ", ".join(users), 78, subsequent_indent="  "), RULE, "", text]
    return out


def v8_part(v8_version):
    out = ["V8 (librusty_v8, linked statically by the v8 crate " + v8_version + ")", RULE, "",
           "What the GN build links into librusty_v8.a, or compiles in from headers. The published",
           "v8 crate leaves its licence files out; each entry says where its text was taken from.", ""]
    for name, spdx, dirs, how, _files, _source in V8_COMPONENTS:
        out.append(f"  {name}: {spdx}; {how}; {', '.join(dirs)}")
    out += ["", "Checked and not in the archive:"]
    out += [f"  {d}: {why}" for d, why in sorted(NOT_LINKED.items())]
    out.append("")
    for name, spdx, _dirs, _how, files, source in V8_COMPONENTS:
        out += [RULE, f"{name} ({spdx})", f"Text: {source}", RULE, ""]
        for f in files:
            out.append(read_text(os.path.join(TEXTS, f)))
    return out


def render(meta):
    packages = linked_packages(meta)
    v8 = [p for p in packages if p["name"] == "v8"]
    v8_version = v8[0]["version"] if v8 else "(not a dependency)"
    lines = ["THIRD-PARTY SOFTWARE NOTICES for workerbox", "",
             "workerbox (MIT, see LICENSE) links the software below into its native module.",
             "Generated by .ci/notices.py from cargo metadata and .ci/notices/; do not edit by hand.", ""]
    lines += rust_part(packages) + [""] + v8_part(v8_version)
    return "\n".join(lines).rstrip("\n") + "\n"


def v8_source_problems(meta):
    """Third-party directories of the v8 crate on disk that nobody has classified, and listed
    components whose directories are gone. Empty when the crate source is not on disk."""
    v8 = [p for p in meta["packages"] if p["name"] == "v8"]
    if not v8:
        return []
    crate_dir = os.path.dirname(v8[0]["manifest_path"])
    if not os.path.isdir(crate_dir):
        print(f"notices: {crate_dir} is not on disk; V8 third-party directories not re-checked")
        return []
    problems = []
    listed = {d for c in V8_COMPONENTS for d in c[2]}
    for parent in ("third_party", "v8/third_party", "buildtools/third_party"):
        base = os.path.join(crate_dir, parent)
        for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            rel = f"{parent}/{name}"
            if os.path.isdir(os.path.join(base, name)) and rel not in listed and rel not in NOT_LINKED:
                problems.append(f"{rel}: new in v8 {v8[0]['version']}; add it to V8_COMPONENTS (linked) "
                                "or NOT_LINKED (with the reason) in .ci/notices.py")
    for d in sorted(listed):
        if not os.path.isdir(os.path.join(crate_dir, d)):
            problems.append(f"{d}: listed in V8_COMPONENTS but gone from v8 {v8[0]['version']}")
    return problems


def main(argv):
    check = "--check" in argv
    meta = cargo_metadata()
    text = render(meta)
    problems = v8_source_problems(meta)
    if not check:
        with open(OUTPUT, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"notices: wrote {os.path.relpath(OUTPUT, ROOT)} ({len(text)} bytes)")
        for p in problems:
            print("notices: warning: " + p, file=sys.stderr)
        return 0
    current = open(OUTPUT, encoding="utf-8").read() if os.path.exists(OUTPUT) else ""
    if current != text:
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1)
        problems.append("THIRD_PARTY_NOTICES is stale (run python3 .ci/notices.py):\n" + "\n".join(list(diff)[:40]))
    for p in problems:
        print("notices: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
