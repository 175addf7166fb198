// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static io.segura.jenkins.core.LiveBroker.ALL_SECRETS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The block's log decorator on the worst log: 5 MiB written one byte per {@code write}, holding every form of every
 * leased value — the value, each line of the multi-line key, JSON-escaped, URL-encoded (percent and form), the
 * shell single-quoted word {@code bash -x} prints, base64 standard and URL-safe, padded and not, and the value's
 * base64 inside a longer base64 blob. The forms are computed here, independently of the masker's own list.
 */
@ExtendWith(LiveBroker.Resolver.class)
class LogMaskingTest {

    static final int SIZE = 5 * 1024 * 1024;

    @Test
    void maskWhenFiveMebibytesInOneByteWritesThenEveryFormOfEveryValueMasked(LiveBroker b) throws Exception {
        BuildLog buildLog = new BuildLog();
        try (BindingSession block = BindingSession.open(b.settings(),
                BindingRequest.parse("deploy", ALL_SECRETS, "segura-client", null), null, b.credentials(),
                buildLog.stream)) {
            List<String> forms = new ArrayList<>(forms(block.values()));
            String blobPrefix = "QUJD"; // a longer base64 blob: "ABC" + value + "XYZ"
            Random random = new Random(42);
            StringBuilder log = new StringBuilder(SIZE + 4096);
            int line = 0;
            int placed = 0;
            while (log.length() < SIZE) {
                log.append("[Pipeline] sh line ").append(line++).append(": ");
                for (int i = 0; i < 40; i++) {
                    log.append((char) ('a' + random.nextInt(26)));
                }
                if (line % 97 == 0) {
                    String form = forms.get(placed++ % forms.size());
                    log.append(random.nextBoolean() ? " " : "").append(form).append(random.nextBoolean() ? "," : "");
                }
                log.append('\n');
            }
            String text = log.toString();
            assertThat(placed).as("every form placed many times").isGreaterThan(forms.size() * 50);
            for (String v : block.values()) {
                text = text + "+" + blobPrefix + base64("ABC" + v + "XYZ").substring(4) + "\n";
            }
            byte[] input = text.getBytes(StandardCharsets.UTF_8);
            assertThat(input.length).isGreaterThanOrEqualTo(SIZE);

            ByteArrayOutputStream sink = new ByteArrayOutputStream(input.length);
            try (OutputStream masked = block.mask(sink)) {
                for (byte x : input) {
                    masked.write(x);
                }
            }
            String out = sink.toString(StandardCharsets.UTF_8);
            for (String form : forms) {
                assertThat(out.contains(form)).as("form of length %d still in the log", form.length()).isFalse();
            }
            for (String v : block.values()) {
                String blob = base64("ABC" + v + "XYZ");
                assertThat(out.contains(blob.substring(4, blob.length() - 4))).as("base64 core in a blob").isFalse();
            }
            // no 5 MiB diff on failure: compare, then report only the verdict
            assertThat(out.equals(block.masker().mask(text))).as("the same as masking in one piece").isTrue();
            assertThat(out.contains("[Pipeline] sh line 0: ")).isTrue();
            assertThat(out.contains("[Pipeline] sh line " + (line - 1) + ": ")).isTrue();
            assertThat(out.split("\\*\\*\\*", -1).length - 1).isGreaterThanOrEqualTo(placed);
        }
    }

    /** Every form a value can take in a log, built with the JDK's own encoders. */
    static Set<String> forms(List<String> values) {
        Set<String> forms = new LinkedHashSet<>();
        for (String v : values) {
            forms.add(v);
            for (String line : v.split("\n")) {
                if (line.length() >= 4) {
                    forms.add(line);
                }
            }
            forms.add(json(v));
            forms.add(URLEncoder.encode(v, StandardCharsets.UTF_8));
            forms.add(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
            forms.add(v.replace("'", "'\\''"));
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            forms.add(Base64.getEncoder().encodeToString(bytes));
            forms.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
            forms.add(Base64.getUrlEncoder().encodeToString(bytes));
            forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        }
        return forms;
    }

    private static String json(String v) {
        StringBuilder sb = new StringBuilder();
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
