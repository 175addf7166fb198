// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which TCP peers may tell the broker who the client is ({@code SEGURA_TRUSTED_PROXIES}: comma-separated addresses or
 * CIDR blocks, e.g. {@code 10.0.0.0/8,fd00::/8}). The client's address is the right-most hop of
 * {@code X-Forwarded-For} (or of RFC 7239 {@code Forwarded}, {@link ForwardedHeader}) that is not a trusted proxy: each proxy appends the peer it received the request from, so
 * everything left of the last untrusted hop was written by someone who could lie. From an untrusted peer the header is
 * ignored entirely. The default trusts nobody: the header is never read.
 *
 * @param blocks the trusted address blocks; empty trusts nobody
 */
record TrustedProxies(List<Block> blocks) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    TrustedProxies {
        blocks = List.copyOf(blocks);
    }

    static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /**
     * Parses {@code SEGURA_TRUSTED_PROXIES}; null or blank trusts nobody.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address or CIDR block (no name is looked up)
     */
    static TrustedProxies parse(String setting) {
        if (setting == null || setting.isBlank()) {
            return none();
        }
        List<Block> blocks = new ArrayList<>();
        for (String entry : setting.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int slash = e.indexOf('/');
            InetAddress address = literal(slash < 0 ? e : e.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("SEGURA_TRUSTED_PROXIES: '" + e + "' is not an IP address or CIDR"
                        + " block");
            }
            int bits = address.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException ex) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("SEGURA_TRUSTED_PROXIES: '" + e + "' has a prefix length"
                            + " outside 0–" + bits);
                }
            }
            blocks.add(new Block(address.getAddress(), prefix));
        }
        return new TrustedProxies(blocks);
    }

    boolean trusts(InetAddress address) {
        byte[] a = address.getAddress();
        return blocks.stream().anyMatch(b -> b.contains(a));
    }

    /**
     * The client's address of a request received from {@code peer} carrying {@code forwardedFor} (the
     * {@code X-Forwarded-For} header lines, in order; empty when absent).
     */
    InetAddress client(InetAddress peer, List<String> forwardedFor) {
        Objects.requireNonNull(peer, "peer cannot be null");
        if (blocks.isEmpty() || !trusts(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String line : forwardedFor) {
            for (String hop : line.split(",")) {
                hops.add(hop.trim());
            }
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(withoutPort(hops.get(i)));
            if (hop == null) {
                // garbage written by the last proxy's client: the proxy itself is as far as we can tell
                return client;
            }
            client = hop;
            if (!trusts(hop)) {
                return hop;
            }
        }
        return client;
    }

    /** {@code 1.2.3.4:5678} → {@code 1.2.3.4}, {@code [::1]:80} → {@code ::1}; anything else unchanged. */
    private static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end < 0 ? hop : hop.substring(1, end);
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    /** An IP literal, or null: never a name lookup, whatever the header says. */
    static InetAddress literal(String s) {
        if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address block: the first {@code prefix} bits of {@code network}. */
    record Block(byte[] network, int prefix) {

        Block {
            network = network.clone();
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
