// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The webhook sink's concurrent rounds against the Standard Webhooks-verifying receiver: with several POSTs in flight,
 * an event refused in the middle of a round stops the cursor right before it (the failure names how many came before),
 * those after it are sent again with it, and every redelivery carries the same {@code webhook-id} and body; a
 * subscription with a {@code batch_size} gets the same guarantees per message of up to that many events.
 */
class WebhookSinkTest {

    WebhookReceiver receiver;
    ConnectionProvider pool;
    WebhookSink sink;
    String secret;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebhookReceiver();
        secret = StandardWebhooks.newSecret(new SecureRandom());
        receiver.secret("/hook", secret);
        pool = WebhookSink.pool(Duration.ofSeconds(5));
        sink = sink(1);
    }

    private WebhookSink sink(int batchSize) {
        Duration timeout = Duration.ofSeconds(5);
        return new WebhookSink(new WebhookSubscription("sub-1", receiver.url("/hook"), Set.of(), batchSize, null,
                Instant.now()), secret, WebhookSink.client(pool, timeout), timeout, JsonMapper.builder().build(),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        pool.dispose();
        receiver.close();
    }

    private static List<AuditEvent> events(int n) {
        List<AuditEvent> list = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            list.add(new AuditEvent(UUID.randomUUID().toString(), now, AuditEventType.TOKEN_EXCHANGED, "deploy", "ci",
                    "repo:acme/app-" + i, "127.0.0.1", Map.of(), null, List.of(), null, Map.of(), (long) i + 1,
                    (long) i + 1, null, "h" + i));
        }
        return list;
    }

    @Test
    void deliverWhenOneEventOfARoundIsRefusedThenTheCursorStopsBeforeItAndRedeliveryRepeatsOnlyTheSameIds()
            throws Exception {
        List<AuditEvent> round = events(40);
        receiver.refusedIds.add(round.get(10).id());

        DeliveryFailure failure = catchThrowableOfType(DeliveryFailure.class,
                () -> sink.deliver(round, Instant.now().plusSeconds(60)));
        assertThat(failure.delivered()).isEqualTo(10);
        assertThat(failure.getMessage()).contains("HTTP 503");
        List<String> firstTry = receiver.at("/hook").stream().map(WebhookReceiver.Delivery::id).toList();
        assertThat(firstTry).containsAll(round.subList(0, 10).stream().map(AuditEvent::id).toList())
                .doesNotContain(round.get(10).id());

        // the worker's next round starts at the refused event
        receiver.refusedIds.clear();
        assertThat(sink.deliver(round.subList(10, 40), Instant.now().plusSeconds(60))).isEqualTo(30);

        List<WebhookReceiver.Delivery> got = receiver.at("/hook");
        assertThat(got).allSatisfy(d -> assertThat(d.signatureValid()).isTrue());
        assertThat(got.stream().map(WebhookReceiver.Delivery::id).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(round.stream().map(AuditEvent::id).toList());
        Map<String, String> bodies = new HashMap<>();
        for (WebhookReceiver.Delivery d : got) {
            assertThat(bodies.putIfAbsent(d.id(), d.body())).as("a redelivery has the same body").isIn(null, d.body());
        }
    }

    @Test
    void deliverWhenTheDeadlineHasPassedThenOnlyTheFirstEventIsSent() throws Exception {
        List<AuditEvent> round = events(20);
        assertThat(sink.deliver(round, Instant.now().minusSeconds(1))).isEqualTo(1);
        assertThat(receiver.at("/hook")).extracting(WebhookReceiver.Delivery::id).containsExactly(round.get(0).id());
    }

    @Test
    void deliverWhenTheReceiverIsGoneThenTheFailureSaysItCannotBeReachedAndNothingCounts() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        WebhookSink nowhere = new WebhookSink(new WebhookSubscription("sub-2", "http://127.0.0.1:" + closedPort
                + "/hook", Set.of(), 1, null, Instant.now()), StandardWebhooks.newSecret(new SecureRandom()),
                WebhookSink.client(pool, Duration.ofSeconds(5)), Duration.ofSeconds(5), JsonMapper.builder().build(),
                Clock.systemUTC());
        List<AuditEvent> round = events(5);
        DeliveryFailure failure = catchThrowableOfType(DeliveryFailure.class,
                () -> nowhere.deliver(round, Instant.now().plusSeconds(60)));
        assertThat(failure.delivered()).isZero();
        assertThat(failure.getMessage()).startsWith("cannot reach the receiver");
    }

    @Test
    void deliverWhenTheSubscriptionTakesBatchesThenEachPostIsOneSignedMessageOfUpToThatManyEventsInChainOrder()
            throws Exception {
        List<AuditEvent> round = events(10);
        assertThat(sink(4).deliver(round, Instant.now().plusSeconds(60))).isEqualTo(10);

        List<WebhookReceiver.Delivery> got = receiver.at("/hook");
        assertThat(got).allSatisfy(d -> {
            assertThat(d.signatureValid()).as("signature of %s", d.id()).isTrue();
            assertThat(d.id()).isEqualTo("batch_" + d.eventIds().get(0) + "_" + d.eventIds().size());
            JsonNode message = JsonMapper.builder().build().readTree(d.body());
            assertThat(message.path("type").asString()).isEqualTo(WebhookSink.BATCH_TYPE);
            assertThat(message.path("data").path("events")).allSatisfy(e -> {
                assertThat(e.path("type").asString()).isEqualTo("token.exchanged");
                assertThat(e.path("timestamp").asString()).isNotEmpty();
            });
        });
        // up to 8 POSTs are in flight at once, so they may arrive in any order; within each, chain order
        assertThat(got).extracting(d -> d.eventIds().size()).containsExactlyInAnyOrder(4, 4, 2);
        assertThat(got.stream().sorted(java.util.Comparator.comparing(d -> round.stream().map(AuditEvent::id)
                        .toList().indexOf(d.eventIds().get(0))))
                .flatMap(d -> d.eventIds().stream()).toList())
                .containsExactlyElementsOf(round.stream().map(AuditEvent::id).toList());
    }

    @Test
    void deliverWhenABatchIsRefusedThenTheCursorStopsAtItsFirstEventAndRedeliveryRepeatsTheSameMessages()
            throws Exception {
        WebhookSink batched = sink(4);
        List<AuditEvent> round = events(10);
        receiver.refusedIds.add(round.get(5).id()); // in the second message: events 4..7

        DeliveryFailure failure = catchThrowableOfType(DeliveryFailure.class,
                () -> batched.deliver(round, Instant.now().plusSeconds(60)));
        assertThat(failure.delivered()).isEqualTo(4);
        assertThat(failure.getMessage()).contains("HTTP 503");

        receiver.refusedIds.clear();
        assertThat(batched.deliver(round.subList(4, 10), Instant.now().plusSeconds(60))).isEqualTo(6);

        List<WebhookReceiver.Delivery> got = receiver.at("/hook");
        assertThat(got).allSatisfy(d -> assertThat(d.signatureValid()).isTrue());
        assertThat(got.stream().flatMap(d -> d.eventIds().stream()).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(round.stream().map(AuditEvent::id).toList());
        Map<String, String> bodies = new HashMap<>();
        for (WebhookReceiver.Delivery d : got) {
            assertThat(bodies.putIfAbsent(d.id(), d.body())).as("a redelivery has the same body").isIn(null, d.body());
        }
    }
}
