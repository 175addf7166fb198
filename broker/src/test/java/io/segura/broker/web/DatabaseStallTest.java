// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

/**
 * A database that stops answering — its connections stall (a frozen server, a network dropping packets) or a lock is
 * held elsewhere — gets a 503 with {@code Retry-After} within the broker's deadlines, never a request that hangs, and
 * the broker serves again once the database answers. The stall is real: the broker's PostgreSQL connections go
 * through a loopback proxy that stops forwarding.
 */
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {"segura.database-timeout=1s", "segura.request-timeout=5s"})
class DatabaseStallTest extends BrokerHttpTest {

    @Test
    void exchangeWhenTheDatabaseStallsThen503AndServedAgainOnceItAnswers() {
        session("75", "build"); // JWKS cached, pool warm: what follows waits on the database only
        databaseProxy.stall();
        try {
            exchange(ciToken("75"), "build").expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody().jsonPath("$.error").isEqualTo("temporarily_unavailable");
        } finally {
            databaseProxy.resume();
        }
        assertThat(servedAgain()).isEqualTo(200);
    }

    @Test
    void leaseWhenTheDatabaseStallsThen503DatabaseTimeoutAndServedAgain() {
        putSecret("db/staging/stall", "stall-value-2468");
        String session = session("75", "build");
        databaseProxy.stall();
        try {
            web.get().uri("/api/v2/a2a/secrets/db/staging/stall").headers(h -> h.setBearerAuth(session)).exchange()
                    .expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/database-timeout");
        } finally {
            databaseProxy.resume();
        }
        web.get().uri("/api/v2/a2a/secrets/db/staging/stall").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.secrets[0].value").isEqualTo("stall-value-2468");
    }

    /** A read outside the batched hot path is bounded by the request deadline, and the broker log says which. */
    @Test
    void metadataWhenTheDatabaseStallsThenRequestTimeout503LoggedWithoutTheValue(CapturedOutput output) {
        putSecret("db/staging/stall-meta", "stall-meta-value-1357");
        databaseProxy.stall();
        try {
            web.get().uri("/api/v2/admin/secrets/db/staging/stall-meta").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                    .header(RequestIdFilter.HEADER, "stall-probe-1").exchange()
                    .expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("https://segura.dev/problems/request-timeout")
                    .jsonPath("$.instance").isEqualTo("urn:segura:request:stall-probe-1");
        } finally {
            databaseProxy.resume();
        }
        assertThat(output.getAll()).contains("request stall-probe-1 GET /api/v2/admin/secrets/db/staging/stall-meta "
                + "not answered within 5000 ms").doesNotContain("stall-meta-value-1357");
        web.get().uri("/api/v2/admin/secrets/db/staging/stall-meta").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.current_version").isEqualTo(1);
    }

    @Test
    void writeWhenTheSecretIsLockedElsewhereThen503DatabaseTimeoutAndNothingWritten() throws Exception {
        putSecret("db/staging/locked", "locked-value-1");
        try (Connection operator = PG.database().connect()) {
            operator.setAutoCommit(false);
            try (Statement s = operator.createStatement()) {
                s.execute("SELECT path FROM secrets WHERE path = 'db/staging/locked' FOR UPDATE");
            }
            web.put().uri("/api/v2/admin/secrets/db/staging/locked").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "locked-value-2"))
                    .exchange().expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("https://segura.dev/problems/database-timeout")
                    .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("did not answer in time"));
            operator.rollback();
        }
        web.get().uri("/api/v2/admin/secrets/db/staging/locked").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.current_version").isEqualTo(1);
        web.put().uri("/api/v2/admin/secrets/db/staging/locked").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "locked-value-2"))
                .exchange().expectStatus().isCreated().expectBody().jsonPath("$.version").isEqualTo(2);
    }

    /** Exchanges until one is answered 200 (the stalled conversations drain first), for at most 30 s. */
    private int servedAgain() {
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        int status;
        do {
            status = exchange(ciToken("75"), "build").returnResult(String.class).getStatus().value();
        } while (status != 200 && Instant.now().isBefore(giveUp));
        return status;
    }

}
