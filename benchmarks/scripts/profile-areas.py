#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where the broker's event-loop CPU goes, from an async-profiler collapsed-stack file recorded with `threads`
(docs/PERFORMANCE.md, "Profiling"). Each sample goes to one area: the one of the frame nearest the leaf that belongs
to any area, so a HashMap lookup made by Reactor counts as Reactor and one made by Segura code as Segura. Prints the
share of the HTTP threads (reactor-http-epoll-*), of the R2DBC connections' threads (reactor-tcp-epoll-*) and of
both.

    python3 benchmarks/scripts/profile-areas.py exchange.collapsed
"""
import collections
import re
import sys

AREAS = [
    ("kernel: network syscalls, wake-ups", r"_\[k\]$"),
    ("RS256 verification", r"RSASSAVerifier|sun/security/rsa"),
    ("JWT parsing (nimbus)", r"^com/nimbusds"),
    ("other crypto (SHA-256, AES-GCM, HMAC, SecureRandom)", r"^(sun/security|javax/crypto|com/sun/crypto)"),
    ("JSON (Jackson)", r"^(tools/jackson|com/fasterxml)"),
    ("metrics, observation (Micrometer)", r"^io/micrometer"),
    ("PostgreSQL driver (r2dbc-postgresql)", r"^io/r2dbc/postgresql"),
    ("pool, Spring R2DBC, transactions", r"^(io/r2dbc/pool|reactor/pool|org/springframework/(r2dbc|transaction))"),
    ("Segura code (io.segura)", r"^io/segura"),
    ("Spring WebFlux, web", r"^org/springframework/(web|http|boot)"),
    ("reactor-netty", r"^reactor/netty"),
    ("Netty (codecs, buffers, event loop)", r"^io/netty"),
    ("Reactor core (operators, plumbing)", r"^reactor/(core|util)"),
]
OTHER = "JVM, JDK, other"
GROUPS = {"HTTP": "[reactor-http-epoll", "DB": "[reactor-tcp-epoll"}


def area(frames):
    for frame in reversed(frames):
        for name, pattern in AREAS:
            if re.search(pattern, frame):
                return name
    return OTHER


def main(path):
    counts = {g: collections.Counter() for g in GROUPS}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            group = next((g for g, prefix in GROUPS.items() if stack.startswith(prefix)), None)
            if group:
                counts[group][area(stack.split(";")[1:])] += int(n)
    totals = {g: sum(c.values()) or 1 for g, c in counts.items()}
    both = counts["HTTP"] + counts["DB"]
    print(f"{'area':55s} {'HTTP':>6s} {'DB':>6s} {'both':>6s}")
    for name, n in both.most_common():
        print(f"{name:55s} {100 * counts['HTTP'][name] / totals['HTTP']:5.1f}% "
              f"{100 * counts['DB'][name] / totals['DB']:5.1f}% {100 * n / (totals['HTTP'] + totals['DB']):5.1f}%")
    print(f"samples: HTTP {totals['HTTP']}, DB {totals['DB']}")


if __name__ == "__main__":
    main(sys.argv[1])
