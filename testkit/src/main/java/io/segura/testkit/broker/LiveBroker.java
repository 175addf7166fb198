// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.broker;

import io.segura.testkit.oidc.IssuerSimulator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The end-to-end tests' fixture: an {@link IssuerSimulator} and a {@link BrokerLauncher broker process} trusting it,
 * started once for a test class and closed after it (broker first, so its last JWKS fetch still finds the issuer).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LiveBroker live = LiveBroker.configuredBy(issuerUrl -> "issuers:\n  - name: ci\n    issuer: " + issuerUrl ...)
 *         .secret("db/prod/password", PASSWORD);
 * ... live.issuer().mint(claims) ... live.broker().url() ...
 * }</pre>
 * The broker's database is owned by the test class's simple name. Registered as a static field, it starts before the
 * class's own {@code @BeforeAll} methods run.
 */
public final class LiveBroker implements BeforeAllCallback, AfterAllCallback {

    /** The trust YAML for a broker trusting the simulator at {@code issuerUrl}; may read files, hence throws. */
    @FunctionalInterface
    public interface TrustConfig {
        String forIssuer(String issuerUrl) throws Exception;
    }

    private final TrustConfig config;
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private IssuerSimulator issuer;
    private BrokerLauncher broker;

    private LiveBroker(TrustConfig config) {
        this.config = config;
    }

    /** A fixture whose trust YAML is {@code config} applied to the simulator's issuer URL. */
    public static LiveBroker configuredBy(TrustConfig config) {
        return new LiveBroker(Objects.requireNonNull(config, "config cannot be null"));
    }

    /** A secret written through the admin API once the broker is up. */
    public LiveBroker secret(String path, String value) {
        secrets.put(path, value);
        return this;
    }

    public IssuerSimulator issuer() {
        return Objects.requireNonNull(issuer, "the issuer starts before all tests of the class");
    }

    public BrokerLauncher broker() {
        return Objects.requireNonNull(broker, "the broker starts before all tests of the class");
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner(context.getRequiredTestClass().getSimpleName())
                .config(config.forIssuer(issuer.issuer())).start();
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            broker.putSecret(secret.getKey(), secret.getValue());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (IssuerSimulator i = issuer; BrokerLauncher b = broker) {
            // try-with-resources closes b, then i, each even if the other fails
        }
    }
}
