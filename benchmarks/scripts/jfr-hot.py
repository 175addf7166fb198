#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarises `jfr print --events jdk.ExecutionSample --stack-depth 96 FILE` output: the hottest methods by self
samples, and the share of samples whose stack passes through each broad area (inclusive)."""
import collections
import re
import sys

AREAS = [
    ("JWT verify: RSA signature", r"RSASSAVerifier|sun\.security\.rsa|java\.math\.BigInteger"),
    ("JWT parse (nimbus JSON/base64)", r"com\.nimbusds\.jose\.util\.(JSONObjectUtils|Base64|JSON)|com\.nimbusds\.jwt\.SignedJWT\.parse|JWTClaimsSet\.parse|com\.nimbusds\.jose\.shaded"),
    ("R2DBC PostgreSQL codec/protocol", r"io\.r2dbc\.postgresql"),
    ("R2DBC pool", r"io\.r2dbc\.pool"),
    ("Spring R2DBC DatabaseClient / tx", r"org\.springframework\.r2dbc|org\.springframework\.transaction"),
    ("Spring WebFlux / web", r"org\.springframework\.web|org\.springframework\.http"),
    ("Reactor Netty HTTP", r"reactor\.netty\.http"),
    ("Netty (I/O, buffers)", r"io\.netty\."),
    ("Reactor core operators", r"reactor\.core"),
    ("Jackson", r"tools\.jackson|com\.fasterxml\.jackson"),
    ("Micrometer / metrics", r"io\.micrometer"),
    ("Logging", r"ch\.qos\.logback|org\.slf4j|org\.apache\.logging"),
    ("SecureRandom / SHA / crypto", r"sun\.security\.provider|java\.security\.SecureRandom|javax\.crypto|com\.sun\.crypto"),
    ("Segura broker code", r"io\.segura\.broker"),
    ("socket syscalls (read/write/epoll)", r"sun\.nio\.ch|io\.netty\.channel\.epoll\.Native|FileDispatcherImpl|epollWait"),
]

def samples(lines):
    cur = None
    for line in lines:
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            if cur:
                yield cur
            cur = []
        elif cur is not None and re.match(r"^[\w$.<>/]+\(.*\)\s+line:", s):
            cur.append(s)
        elif cur is not None and re.match(r"^[\w$.<>/]+\(.*\)", s) and "line:" not in s:
            cur.append(s)
    if cur:
        yield cur

def main():
    self_count = collections.Counter()
    owner = collections.Counter()
    area = collections.Counter()
    n = 0
    for st in samples(open(sys.argv[1], encoding="utf-8", errors="replace")):
        if not st:
            continue
        n += 1
        top = re.sub(r"\s+line:.*", "", st[0])
        self_count[re.sub(r"\(.*", "", top)] += 1
        # Owner: the first frame from the top outside the JDK, as a library (3 package components), so the JDK work
        # a library asks for (HashMap, String, BigInteger...) counts for that library.
        lib = "JDK only"
        for f in st:
            name = re.sub(r"\(.*", "", f)
            if not re.match(r"(java|javax|jdk|sun|com\.sun)\.", name):
                lib = ".".join(name.split(".")[:3])
                break
        owner[lib] += 1
        joined = "\n".join(st)
        for name, rx in AREAS:
            if re.search(rx, joined):
                area[name] += 1
    print(f"{n} samples")
    print("\ninclusive share by area (a sample can count in several areas):")
    for name, c in area.most_common():
        print(f"  {100.0*c/n:5.1f}%  {name}")
    print("\nself time by owning library (first non-JDK frame from the top):")
    for name, c in owner.most_common(20):
        print(f"  {100.0*c/n:5.1f}%  {name}")
    print("\nhottest methods (self):")
    for m, c in self_count.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
        print(f"  {100.0*c/n:5.1f}%  {m}")

main()
