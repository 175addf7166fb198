// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static io.segura.jenkins.core.LiveBroker.VALUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The block ends however the build goes — success, a failing step, an abort (Jenkins interrupts the step's
 * thread) — and the lease ends with it, exactly once; a start that fails half-way leaves no session behind.
 */
@ExtendWith(LiveBroker.Resolver.class)
class RevocationTest {

    static final String SUBJECT = "client:" + LiveBroker.CLIENT_ID;

    BindingSession open(LiveBroker b, BuildLog log) throws Exception {
        return BindingSession.open(b.settings(), BindingRequest.parse("deploy", "db/prod/password > DB_PASSWORD",
                "segura-client", "5m"), null, b.credentials(), log.stream);
    }

    @Test
    void closeWhenBodyFailsThenLeaseRevoked(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        AtomicReference<String> leaseId = new AtomicReference<>();
        assertThatThrownBy(() -> {
            try (BindingSession block = open(b, log)) {
                leaseId.set(block.leaseId());
                throw new IllegalStateException("script returned exit code 1");
            }
        }).hasMessage("script returned exit code 1");
        assertThat(b.active(leaseId.get())).isFalse();
        assertThat(b.lease(leaseId.get())).containsEntry("revoke_reason", "session revoked");
        log.assertNoneOf(VALUES);
    }

    @Test
    void closeWhenBuildAbortedThenRevokedDespiteTheInterrupt(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        AtomicReference<String> leaseId = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        CountDownLatch inBody = new CountDownLatch(1);
        Thread step = new Thread(() -> {
            try (BindingSession block = open(b, log)) {
                leaseId.set(block.leaseId());
                inBody.countDown();
                new CountDownLatch(1).await(); // the body runs until the build is aborted
            } catch (InterruptedException e) {
                // Jenkins' abort: close() has run by now (try-with-resources), with the interrupt flag cleared
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        }, "step");
        step.start();
        inBody.await();
        assertThat(b.active(leaseId.get())).isTrue();
        step.interrupt();
        step.join();
        assertThat(b.active(leaseId.get())).as("active after the abort").isFalse();
        assertThat(interruptKept.get()).as("the abort's interrupt is kept for the caller").isTrue();
    }

    @Test
    void closeWhenInterruptFlagAlreadySetThenStillRevokesAndKeepsTheFlag(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        BindingSession block = open(b, log);
        Thread.currentThread().interrupt();
        try {
            block.close();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(b.active(block.leaseId())).isFalse();
    }

    @Test
    void closeWhenCalledTwiceThenRevokesOnce(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        BindingSession block = open(b, log);
        block.close();
        block.close();
        assertThat(log.text().split("revoked lease ", -1)).hasSize(2);
        assertThat(b.active(block.leaseId())).isFalse();
    }

    @Test
    void revokeWhenSessionAlreadyRevokedThenNotAnError(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        BindingSession block = open(b, log);
        String token = block.revocationToken();
        block.close();
        String before = log.text();
        assertThat(BindingSession.revoke(b.settings(), token, log.stream)).isTrue();
        assertThat(log.text()).isEqualTo(before);
        assertThat(log.text().contains(token)).as("the session token in the log").isFalse();
    }

    @Test
    void openWhenLeaseRefusedThenSessionRevokedBeforeTheError(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        int revokedBefore = b.broker.events("session.revoked", SUBJECT).size();
        assertThatThrownBy(() -> BindingSession.open(b.settings(), BindingRequest.parse("deploy",
                "db/staging/password > STAGING", "segura-client", null), null, b.credentials(), log.stream))
                .isInstanceOf(BindingException.class);
        assertThat(b.broker.events("session.revoked", SUBJECT)).hasSize(revokedBefore + 1);
    }
}
