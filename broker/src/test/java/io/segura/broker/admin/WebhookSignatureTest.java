// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.segura.broker.Refusal;
import io.segura.testkit.time.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The webhook's header checks and replay cache, without HTTP (ExposureWebhookHardeningTest has it over HTTP). */
class WebhookSignatureTest {

    static final Instant NOW = Instant.parse("2027-01-06T10:00:00Z");
    static final byte[] BODY = "[]".getBytes(StandardCharsets.UTF_8);

    final MutableClock clock = new MutableClock(NOW);
    final WebhookSignature signature = new WebhookSignature("webhook-test-secret-0123456789abcdef", clock);

    Refusal refused(String timestamp) {
        return catchThrowableOfType(Refusal.class,
                () -> signature.verify(timestamp, signature.sign(timestamp, BODY), BODY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-1", "+1798797600",
            "١٧٩٨٧٩٧٦٠٠", "1798797600.0", "1e9", "", "0000000000001798797600"})
    void verifyWhenTimestampNotPlainUnixSecondsThen401(String timestamp) {
        Refusal e = refused(timestamp);
        assertThat(e).isInstanceOf(Refusal.Unauthenticated.class);
        assertThat(e.reason()).isEqualTo("invalid-webhook-signature");
    }

    @Test
    void verifyWhenSignedNowThenDeliveryWithLowerCaseMac() {
        String ts = Long.toString(NOW.getEpochSecond());
        String upper = signature.sign(ts, BODY).toUpperCase(java.util.Locale.ROOT).replace("SHA256=", "sha256=");
        WebhookSignature.Delivery d = signature.verify(" " + ts + " ", upper, BODY);
        assertThat(d.timestamp()).isEqualTo(NOW.getEpochSecond());
        assertThat("sha256=" + d.mac()).isEqualTo(signature.sign(ts, BODY));
    }

    @Test
    void claimWhenSameDeliveryTwiceThenReplayRefusedUntilReleased() {
        WebhookReplayCache cache = new WebhookReplayCache(clock);
        String ts = Long.toString(NOW.getEpochSecond());
        WebhookSignature.Delivery d = signature.verify(ts, signature.sign(ts, BODY), BODY);
        cache.claim(d);
        Refusal replay = catchThrowableOfType(Refusal.class, () -> cache.claim(d));
        assertThat(replay.reason()).isEqualTo("webhook-replayed");
        assertThat(replay).isInstanceOf(Refusal.Unauthenticated.class);
        cache.release(d);
        cache.claim(d);
    }

    @Test
    void claimWhenEntryStaleThenSweptAndTheStaleTimestampRefusesInstead() {
        WebhookReplayCache cache = new WebhookReplayCache(clock);
        String ts = Long.toString(NOW.getEpochSecond());
        WebhookSignature.Delivery d = signature.verify(ts, signature.sign(ts, BODY), BODY);
        cache.claim(d);
        clock.advance(WebhookSignature.WINDOW.plusSeconds(1));
        assertThat(refused(ts).getMessage()).contains("5 minutes");
        String later = Long.toString(NOW.plus(Duration.ofMinutes(6)).getEpochSecond());
        cache.claim(signature.verify(later, signature.sign(later, BODY), BODY));
        assertThat(cache.size()).isEqualTo(1);
    }
}
