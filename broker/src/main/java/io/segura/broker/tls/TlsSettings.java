// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.core.env.PropertyResolver;

/**
 * Server TLS from PEM files, reloaded when they change ({@code SEGURA_TLS_*}; README "TLS and mTLS clients").
 *
 * @param cert           {@code SEGURA_TLS_CERT}: the server certificate chain, leaf first (PEM)
 * @param key            {@code SEGURA_TLS_KEY}: its private key (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted)
 * @param clientCa       {@code SEGURA_TLS_CLIENT_CA}: CA certificates (PEM) that issue the mTLS client certificates;
 *                       set, the server asks every client for a certificate ("want", never "need")
 * @param reloadInterval {@code SEGURA_TLS_RELOAD_INTERVAL} (10 s): how often the three files are compared with what
 *                       is served
 */
public record TlsSettings(Path cert, Path key, Path clientCa, Duration reloadInterval) {

    public TlsSettings {
        reloadInterval = reloadInterval == null ? Duration.ofSeconds(10) : reloadInterval;
        if (reloadInterval.isNegative() || reloadInterval.isZero()) {
            throw new IllegalArgumentException("SEGURA_TLS_RELOAD_INTERVAL must be a positive duration (e.g. 10s),"
                    + " got " + reloadInterval);
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("SEGURA_TLS_CERT and SEGURA_TLS_KEY go together: set both or neither");
        }
        if (clientCa != null && cert == null) {
            throw new IllegalArgumentException("SEGURA_TLS_CLIENT_CA needs server TLS: set SEGURA_TLS_CERT and"
                    + " SEGURA_TLS_KEY too");
        }
    }

    /**
     * The settings from the environment ({@code SEGURA_TLS_*} or {@code segura.tls.*}). Read directly rather than
     * through {@code @ConfigurationProperties}: with none of them set, Boot's binder creates the record through its
     * constructor's parameter names, and a test JVM once failed every context on that (the names were reported
     * missing at run time though the class file carries them); a plain read cannot fail that way.
     */
    public static TlsSettings from(PropertyResolver env) {
        return new TlsSettings(path(env, "segura.tls.cert"), path(env, "segura.tls.key"),
                path(env, "segura.tls.client-ca"), env.getProperty("segura.tls.reload-interval", Duration.class));
    }

    private static Path path(PropertyResolver env, String key) {
        String value = env.getProperty(key);
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    public boolean enabled() {
        return cert != null;
    }
}
