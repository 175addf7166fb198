// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code exports} section: every bad value refused at start with FILE:LINE:COLUMN, and the docs' examples load. */
class ExportsConfigTests {

    private static final String HEAD = "issuers:\n  - name: ci\n    issuer: https://ci.example\n"
            + "    audiences: [a]\nexports:\n";

    static Stream<Arguments> badExports() {
        return Stream.of(
                Arguments.of("unknown format", "  syslog:\n    - name: s\n      url: tcp://siem:601\n"
                        + "      format: cefx\n", "t.yaml:9:15: exports.syslog[0].format", "unknown format `cefx`"),
                Arguments.of("bad scheme", "  syslog:\n    - name: s\n      url: http://siem:601\n",
                        "t.yaml:8:12: exports.syslog[0].url", "the scheme must be tcp, tls or udp"),
                Arguments.of("no port", "  syslog:\n    - name: s\n      url: tcp://siem\n",
                        "t.yaml:8:12: exports.syslog[0].url", "port of 1..65535"),
                Arguments.of("not a URL", "  syslog:\n    - name: s\n      url: 'tcp://si em:1'\n",
                        "t.yaml:8:12: exports.syslog[0].url", "not a valid URL"),
                Arguments.of("a path", "  syslog:\n    - name: s\n      url: tcp://siem:601/x\n",
                        "t.yaml:8:12: exports.syslog[0].url", "nothing else"),
                Arguments.of("attempts out of range", "  delivery:\n    max-attempts: 0\n",
                        "t.yaml:7:19: exports.delivery.max-attempts", "must be from 1 to 100, got 0"),
                Arguments.of("batch out of range", "  delivery:\n    batch: 5000\n",
                        "t.yaml:7:12: exports.delivery.batch", "must be from 1 to 1000, got 5000"),
                Arguments.of("attempts not a number", "  delivery:\n    max-attempts: many\n",
                        "t.yaml:7:19: exports.delivery.max-attempts", "expected an integer from 1 to 100"),
                Arguments.of("max-backoff below backoff", "  delivery:\n    backoff: 1m\n    max-backoff: 10s\n",
                        "t.yaml:8:18: exports.delivery.max-backoff", "must be at least backoff (1m)"),
                Arguments.of("timeout too long", "  webhooks:\n    timeout: 5m\n",
                        "t.yaml:7:14: exports.webhooks.timeout", "must be at most 1m, got 5m"),
                Arguments.of("facility out of range", "  syslog:\n    - name: s\n      url: udp://siem:514\n"
                        + "      facility: 24\n", "t.yaml:9:17: exports.syslog[0].facility", "from 0 to 23"),
                Arguments.of("unknown event type", "  syslog:\n    - name: s\n      url: udp://siem:514\n"
                        + "      events: [lease.isued]\n", "t.yaml:9:16: exports.syslog[0].events[0]",
                        "did you mean `lease.issued`?"),
                Arguments.of("CA file off TLS", "  syslog:\n    - name: s\n      url: tcp://siem:601\n"
                        + "      ca-file: /etc/hostname\n", "t.yaml:9:16: exports.syslog[0].ca-file",
                        "only a tls:// sink"),
                Arguments.of("CA file not a path", "  syslog:\n    - name: s\n      url: tls://siem:6514\n"
                        + "      ca-file: \"a\\0b\"\n", "t.yaml:9:16: exports.syslog[0].ca-file", "not a file path"),
                Arguments.of("claim shorter than two timeouts", "  delivery:\n    claim-ttl: 10s\n"
                        + "  webhooks:\n    timeout: 6s\n", "t.yaml:7:5: exports.delivery.claim-ttl",
                        "at least twice the longest timeout (6s), got 10s"),
                Arguments.of("unknown key", "  syslog:\n    - name: s\n      url: tcp://siem:601\n"
                        + "      fromat: cef\n", "t.yaml:9:7: exports.syslog[0]", "fromat"),
                Arguments.of("duplicate name", "  syslog:\n    - name: s\n      url: tcp://siem:601\n"
                        + "    - name: s\n      url: tcp://siem:602\n", "t.yaml:9:7: exports.syslog[1].name",
                        "duplicate name `s`"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badExports")
    void parseWhenAnExportValueIsBadThenRefusedWithFileLineAndColumn(String name, String yaml, String at,
            String message) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(HEAD + yaml, "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(at)
                .hasMessageContaining(message);
    }

    @Test
    void parseWhenNoExportsThenDefaults() {
        TrustConfig c = TrustConfigLoader.parse("issuers:\n  - name: ci\n    issuer: https://ci.example\n"
                + "    audiences: [a]\n", "t.yaml");
        assertThat(c.exports()).isEqualTo(ExportsSpec.DEFAULT);
    }

    @Test
    void parseWhenEverySettingIsGivenThenTheSpecHoldsThem() {
        TrustConfig c = TrustConfigLoader.parse(HEAD + """
                  delivery: {max-attempts: 5, backoff: 2s, max-backoff: 1m, batch: 50, claim-ttl: 30s}
                  webhooks: {timeout: 3s}
                  syslog:
                    - {name: qradar, url: "udp://10.0.0.5:514", format: leef, events: [lease.issued], facility: 4,
                       app-name: pam, timeout: 2s, start: oldest}
                """, "t.yaml");
        ExportsSpec e = c.exports();
        assertThat(e.delivery()).isEqualTo(new ExportsSpec.Delivery(5, Duration.ofSeconds(2), Duration.ofMinutes(1),
                50, Duration.ofSeconds(30)));
        assertThat(e.webhooks().timeout()).isEqualTo(Duration.ofSeconds(3));
        ExportsSpec.Syslog s = e.syslog().get(0);
        assertThat(s.transport()).isEqualTo(ExportsSpec.Transport.UDP);
        assertThat(s.host()).isEqualTo("10.0.0.5");
        assertThat(s.port()).isEqualTo(514);
        assertThat(s.format()).isEqualTo(ExportsSpec.Format.LEEF);
        assertThat(s.events()).containsExactly("lease.issued");
        assertThat(s.facility()).isEqualTo(4);
        assertThat(s.appName()).isEqualTo("pam");
        assertThat(s.start()).isEqualTo(ExportsSpec.Start.OLDEST);
    }

    /** Every complete YAML example of docs/EXPORTS.md (fenced {@code yaml} blocks starting at {@code issuers:}). */
    @Test
    void docsWhenEachCompleteExampleIsLoadedThenItIsValid() throws IOException {
        Path doc = Path.of("../docs/EXPORTS.md");
        String text = Files.readString(doc);
        Matcher m = Pattern.compile("```yaml\\n(issuers:.*?)```", Pattern.DOTALL).matcher(text);
        List<TrustConfig> loaded = new ArrayList<>();
        while (m.find()) {
            // a CA file the example names may not exist here: point it at a readable file of this machine
            String yaml = m.group(1).replace("/etc/segura/siem-ca.pem", doc.toAbsolutePath().toString());
            loaded.add(TrustConfigLoader.parse(yaml, "docs/EXPORTS.md"));
        }
        assertThat(loaded).as("complete examples in docs/EXPORTS.md").hasSizeGreaterThanOrEqualTo(3);
        assertThat(loaded).anySatisfy(c -> assertThat(c.exports().syslog())
                .anySatisfy(s -> assertThat(s.transport()).isEqualTo(ExportsSpec.Transport.TLS)));
        assertThat(loaded).anySatisfy(c -> assertThat(c.exports().syslog())
                .anySatisfy(s -> assertThat(s.format()).isEqualTo(ExportsSpec.Format.LEEF)));
        // the anomaly example: rules, a role's access window and on-anomaly blocking
        assertThat(loaded).anySatisfy(c -> {
            assertThat(c.anomaly().enabled()).isTrue();
            assertThat(c.roles()).anySatisfy(r -> {
                assertThat(r.accessWindows()).isNotEmpty();
                assertThat(r.onAnomaly()).isEqualTo(new AnomalySpec.OnAnomaly(AnomalySpec.Risk.HIGH, true,
                        Duration.ofHours(1)));
            });
        });
    }
}
