// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whose address the broker records behind proxies: only trusted peers may name the client, in X-Forwarded-For or
 * RFC 7239 Forwarded.
 */
class TrustedProxiesTest {

    static final TrustedProxies LB = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7 ,fd00::/8");

    @Test
    void clientWhenNothingIsTrustedThenTheHeaderIsIgnored() throws Exception {
        assertThat(TrustedProxies.parse(null).client(ip("10.1.2.3"), List.of("203.0.113.9")))
                .isEqualTo(ip("10.1.2.3"));
        assertThat(TrustedProxies.parse(" ").client(ip("10.1.2.3"), List.of("203.0.113.9")))
                .isEqualTo(ip("10.1.2.3"));
    }

    @Test
    void clientWhenThePeerIsNotTrustedThenItsSpoofedHeaderIsIgnored() throws Exception {
        assertThat(LB.client(ip("198.51.100.4"), List.of("203.0.113.9"))).isEqualTo(ip("198.51.100.4"));
    }

    @Test
    void clientWhenATrustedProxyForwardsThenTheRightMostUntrustedHopIsTheClient() throws Exception {
        assertThat(LB.client(ip("10.1.2.3"), List.of("198.51.100.4"))).isEqualTo(ip("198.51.100.4"));
        // the client wrote 203.0.113.9 itself; the proxy appended the peer it saw
        assertThat(LB.client(ip("10.1.2.3"), List.of("203.0.113.9, 198.51.100.4"))).isEqualTo(ip("198.51.100.4"));
        // two trusted proxies in a row, header split over two lines
        assertThat(LB.client(ip("10.1.2.3"), List.of("203.0.113.9, 198.51.100.4", "192.168.1.7")))
                .isEqualTo(ip("198.51.100.4"));
        assertThat(LB.client(ip("fd00::1"), List.of("[2001:db8::5]:4711"))).isEqualTo(ip("2001:db8::5"));
        assertThat(LB.client(ip("10.1.2.3"), List.of("198.51.100.4:5555"))).isEqualTo(ip("198.51.100.4"));
    }

    @Test
    void clientWhenAHopIsNotAnAddressThenTheLastProxyIsTheClientAndNoNameIsLookedUp() throws Exception {
        assertThat(LB.client(ip("10.1.2.3"), List.of("localhost"))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), List.of("203.0.113.9, unknown, 10.4.4.4"))).isEqualTo(ip("10.4.4.4"));
        assertThat(LB.client(ip("10.1.2.3"), List.of(""))).isEqualTo(ip("10.1.2.3"));
    }

    @Test
    void clientWhenEveryHopIsTrustedThenTheLeftMostIsTheClient() throws Exception {
        assertThat(LB.client(ip("10.1.2.3"), List.of("10.9.9.9, 192.168.1.7"))).isEqualTo(ip("10.9.9.9"));
        assertThat(LB.client(ip("10.1.2.3"), List.of())).isEqualTo(ip("10.1.2.3"));
    }

    @Test
    void forwardedWhenATrustedProxyNamesTheClientThenItsForNodeIsTheClient() throws Exception {
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=192.0.2.60;proto=http;by=203.0.113.43")))
                .isEqualTo(ip("192.0.2.60"));
        // RFC 7239 §6: IPv6 quoted and bracketed, ports allowed; the parameter name in any case
        assertThat(LB.client(ip("10.1.2.3"), forwarded("For=\"[2001:db8:cafe::17]:4711\"")))
                .isEqualTo(ip("2001:db8:cafe::17"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=\"198.51.100.4:5555\";proto=https")))
                .isEqualTo(ip("198.51.100.4"));
        // the client wrote the first element; the proxies appended theirs, also on a second header line
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=203.0.113.9, for=198.51.100.4", "for=192.168.1.7")))
                .isEqualTo(ip("198.51.100.4"));
        // a comma or semicolon inside a quoted value does not split
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=203.0.113.9;ext=\"a,b;c\", for=198.51.100.4")))
                .isEqualTo(ip("198.51.100.4"));
    }

    @Test
    void forwardedWhenAHopIsObfuscatedUnknownOrMalformedThenItIsNeverAnAddressAndTheWalkStopsThere()
            throws Exception {
        // an obfuscated identifier or "unknown" cannot be checked: what lies left of it may be forged
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=203.0.113.9, for=_hidden"))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=203.0.113.9, for=unknown, for=10.4.4.4")))
                .isEqualTo(ip("10.4.4.4"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=\"_gazonk\""))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=\"198.51.100.4:_port\""))).isEqualTo(ip("198.51.100.4"));
        // an IPv6 address must be bracketed and quoted; no for= at all; an unbalanced quote; two for= in one element
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=2001:db8::1"))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("by=203.0.113.43;proto=http"))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=\"198.51.100.4"))).isEqualTo(ip("10.1.2.3"));
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=198.51.100.4;for=203.0.113.9")))
                .isEqualTo(ip("10.1.2.3"));
        // no name is ever looked up
        assertThat(LB.client(ip("10.1.2.3"), forwarded("for=localhost"))).isEqualTo(ip("10.1.2.3"));
    }

    @Test
    void forwardedWhenThePeerIsNotTrustedThenItsSpoofedHeaderIsIgnored() throws Exception {
        assertThat(LB.client(ip("198.51.100.4"), forwarded("for=203.0.113.9"))).isEqualTo(ip("198.51.100.4"));
    }

    @Test
    void clientAddressHeaderWhenSetThenOneOfTheTwoAndAnythingElseIsAnError() {
        assertThat(ClientAddressHeader.parse(null)).isEqualTo(ClientAddressHeader.X_FORWARDED_FOR);
        assertThat(ClientAddressHeader.parse(" Forwarded ")).isEqualTo(ClientAddressHeader.FORWARDED);
        assertThat(ClientAddressHeader.parse("X-Forwarded-For")).isEqualTo(ClientAddressHeader.X_FORWARDED_FOR);
        assertThatThrownBy(() -> ClientAddressHeader.parse("x-real-ip")).hasMessageContaining("'x-real-ip'");
    }

    @Test
    void proxyProtocolWhenNoProxyIsTrustedThenTheBrokerRefusesToStart() {
        assertThatThrownBy(() -> new ProxyProtocol(TrustedProxies.parse("")))
                .hasMessageContaining("SEGURA_TRUSTED_PROXIES");
    }

    static List<String> forwarded(String... lines) {
        return ForwardedHeader.hops(List.of(lines));
    }

    @Test
    void parseWhenAnEntryIsNotACidrThenTheErrorNamesIt() {
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/8,proxy.internal"))
                .hasMessageContaining("'proxy.internal'");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("'10.0.0.0/33'");
        assertThatThrownBy(() -> TrustedProxies.parse("::1/x")).hasMessageContaining("'::1/x'");
    }

    @Test
    void trustsWhenPrefixIsNotOnAByteBoundaryThenOnlyItsBitsCount() throws Exception {
        TrustedProxies p = TrustedProxies.parse("172.16.0.0/12");
        assertThat(p.trusts(ip("172.31.255.255"))).isTrue();
        assertThat(p.trusts(ip("172.32.0.1"))).isFalse();
        assertThat(p.trusts(ip("::ffff:ac10:1"))).as("IPv4-mapped IPv6 is the IPv4 address").isTrue();
    }

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }
}
