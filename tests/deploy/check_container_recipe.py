#!/usr/bin/env python3
"""CTest deploy.container_recipe: deploy/container/Containerfile stays the mirror of the build.

The image cannot be built on these machines, so this checks what can drift: the build stage
installs the build packages of scripts/install-deps.sh and configures as scripts/build.sh does;
every COPY source exists; the runtime stage installs the Debian package of every shared library
the locally built node and proxy really link (ldd + dpkg -S); it runs as a non-root user whose
uid the Helm chart's securityContext uses; it has a HEALTHCHECK whose script exists.
Usage: check_container_recipe.py <repo root> [binary ...]
"""
import os
import re
import subprocess
import sys

root = sys.argv[1]
binaries = sys.argv[2:]
failures = []


def read(path):
    with open(os.path.join(root, path)) as f:
        return f.read()


recipe = read("deploy/container/Containerfile")
stages = re.split(r"^FROM ", recipe, flags=re.M)[1:]
build = next(s for s in stages if " AS build" in s.splitlines()[0])
runtime = next(s for s in stages if " AS strata" in s.splitlines()[0])


def apt_packages(stage):
    m = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)+?)\s*&&", stage)
    text = m.group(1) if m else ""
    return set(re.findall(r"(?<![-\w])([a-z0-9][a-z0-9.+-]+)(?=\s)", text.replace("\\\n", " ") + " "))


# 1. build packages of install-deps.sh (fuzzing and benchmarks aside)
deps = read("scripts/install-deps.sh")
build_line = re.search(r"# build\n((?:\s+[^#\n]+\n)+)", deps).group(1)
wanted = set(build_line.split()) - {"clang-14", "libclang-rt-14-dev", "libbenchmark-dev", "libhiredis-dev"}
missing = wanted - apt_packages(build)
if missing:
    failures.append(f"build stage lacks install-deps.sh build packages: {sorted(missing)}")

# 2. configure flags of scripts/build.sh
script = read("scripts/build.sh")
flags = re.search(r"cmake -S \. -B \"\$dir\" (.*?) \"\$@\"", script).group(1).split()
cmake_line = re.search(r"cmake -S \. -B /build (.*)", build).group(1)
for f in flags:
    if f not in cmake_line.replace("-G Ninja", "-G Ninja").split() and f not in cmake_line:
        failures.append(f"build stage cmake lacks {f} (scripts/build.sh)")

# 3. COPY sources exist
for src in re.findall(r"^COPY (?!--from)(\S+)", recipe, flags=re.M):
    if not os.path.exists(os.path.join(root, src)):
        failures.append(f"COPY source {src} does not exist")

# 4. runtime libraries of the real binaries (one dpkg -S for every candidate path: it is slow)
runtime_pkgs = apt_packages(runtime)
links = []  # (binary, library, candidate paths)
for b in binaries:
    out = subprocess.run(["ldd", b], stdout=subprocess.PIPE, text=True, check=True).stdout
    for lib in re.findall(r"=> (/\S+)", out):
        real = os.path.realpath(lib)
        cands = {lib, real, lib.replace("/lib/", "/usr/lib/", 1), real.replace("/usr/lib/", "/lib/", 1)}
        links.append((b, lib, cands))
all_paths = sorted(set().union(*(c for _, _, c in links))) if links else []
owners = {}
if all_paths:
    r = subprocess.run(["dpkg", "-S", *all_paths], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in r.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        owners[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
for b, lib, cands in links:
    owner = next((owners[c] for c in cands if c in owners), None)
    if owner is None:
        failures.append(f"{b}: no Debian package owns {lib}")
    elif owner not in runtime_pkgs | {"libc6", "libgcc-s1"}:  # libc6, libgcc-s1: in debian:12-slim
        failures.append(f"{os.path.basename(b)} links {os.path.basename(lib)} from {owner}, "
                        "which the runtime stage does not install")

# 5. non-root user, health check
user = re.search(r"^USER (\d+)(?::(\d+))?", runtime, flags=re.M)
if not user or user.group(1) == "0":
    failures.append("runtime stage must switch to a numeric non-root USER")
if "HEALTHCHECK" not in runtime:
    failures.append("runtime stage has no HEALTHCHECK")
hc = os.path.join(root, "deploy/container/healthcheck.sh")
if not os.access(hc, os.X_OK):
    failures.append("deploy/container/healthcheck.sh missing or not executable")
values = read("deploy/helm/strata/values.yaml")
uid = re.search(r"runAsUser: (\d+)", values)
if user and (not uid or uid.group(1) != user.group(1)):
    failures.append(f"chart runAsUser {uid and uid.group(1)} != image USER {user.group(1)}")

for f in failures:
    print("FAIL:", f)
print(f"container recipe: {len(failures)} problem(s), {len(binaries)} binaries checked")
sys.exit(1 if failures else 0)
