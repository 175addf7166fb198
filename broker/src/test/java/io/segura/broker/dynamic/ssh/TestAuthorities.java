// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.federation.RunContext;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Fixtures of the SSH CA tests: engines read from real trust-config YAML, an authority over a real database. */
final class TestAuthorities {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final MasterKey KEK = MasterKey.fromBase64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    /** A GitHub Actions run of repository {@code acme/app} (id 74) on main. */
    static final RunContext CTX = new RunContext("github-actions", "acme/app", "74", "acme", "1", "refs/heads/main",
            null, "prod", "acme/app/.github/workflows/deploy.yml@refs/heads/main", "9001", "push", false, "octocat",
            "583231");

    private TestAuthorities() {
    }

    /** The {@code dynamic.ssh} engines of {@code yaml} (the lines under {@code ssh:}, indented by 4). */
    static List<SshEngineSpec> engines(String sshEntries) {
        return TrustConfigLoader.parse("dynamic:\n  ssh:\n" + sshEntries, "test.yaml").dynamic().ssh();
    }

    static SecretStore secrets(MigratedDatabase db) {
        return new SecretStore(db.db(), db.tx(), KeyRing.of(KEK));
    }

    static SshCertificateAuthority authority(MigratedDatabase db, List<SshEngineSpec> engines, Clock clock) {
        return new SshCertificateAuthority(engines, secrets(db), new AuditLog(db.db(), new SimpleMeterRegistry()),
                db.tx(), new SshCertificateStore(db.db()), clock, new SecureRandom());
    }
}
