// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.segura.broker.Refusal;
import io.segura.testkit.time.MutableClock;
import java.time.Instant;
import java.util.Locale;

/**
 * Coverage-guided fuzzing of the scanner webhook's header parser (README "Fuzzing"): any {@code X-Segura-Timestamp},
 * {@code X-Segura-Signature} and body give either a verified delivery — only for the right MAC over a fresh timestamp
 * of plain digits — or a 401 {@code invalid-webhook-signature}; never another exception (±2^63 was a 500).
 * Regression inputs: {@code src/test/resources/io/segura/broker/admin/WebhookSignatureFuzzTestInputs/}.
 */
class WebhookSignatureFuzzTest {

    private static final Instant NOW = Instant.parse("2027-01-06T10:00:00Z");
    private static final WebhookSignature SIGNATURE = new WebhookSignature("webhook-fuzz-secret-0123456789abcdef",
            new MutableClock(NOW));

    @FuzzTest
    void anyHeadersAreADeliveryOrA401(FuzzedDataProvider data) {
        String timestamp = switch (data.consumeInt(0, 3)) {
            case 0 -> Long.toString(NOW.getEpochSecond() + data.consumeInt(-400, 400));
            case 1 -> Long.toString(data.consumeLong());
            case 2 -> null;
            default -> data.consumeString(40);
        };
        byte[] body = data.consumeBytes(200);
        String signature = switch (data.consumeInt(0, 3)) {
            case 0 -> timestamp == null ? null : SIGNATURE.sign(timestamp.trim(), body);
            case 1 -> timestamp == null ? null : SIGNATURE.sign(timestamp.trim(), body).toUpperCase(Locale.ROOT)
                    .replace("SHA256=", "sha256=");
            case 2 -> null;
            default -> data.consumeRemainingAsString();
        };
        try {
            WebhookSignature.Delivery d = SIGNATURE.verify(timestamp, signature, body);
            String ts = timestamp.trim();
            assertThat(ts).matches("[0-9]{1,12}");
            assertThat(Long.parseLong(ts)).isBetween(NOW.getEpochSecond() - 300, NOW.getEpochSecond() + 300);
            assertThat("sha256=" + d.mac()).isEqualTo(SIGNATURE.sign(ts, body))
                    .isEqualToIgnoringCase(signature.trim());
            assertThat(d.timestamp()).isEqualTo(Long.parseLong(ts));
        } catch (Refusal e) {
            assertThat(e).isInstanceOf(Refusal.Unauthenticated.class);
            assertThat(e.reason()).isEqualTo("invalid-webhook-signature");
        }
    }
}
