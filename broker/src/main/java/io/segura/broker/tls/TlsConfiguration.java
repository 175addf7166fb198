// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Server TLS from {@code SEGURA_TLS_*} (PEM files, reloaded without a restart) and the client-certificate check of
 * the token endpoint. Without {@code SEGURA_TLS_CERT} the server is whatever Spring's {@code SERVER_SSL_*} make it
 * (plain http by default), and client certificates are whatever its trust store let through the handshake.
 */
@Configuration(proxyBeanMethods = false)
public class TlsConfiguration {

    @Bean
    TlsSettings tlsSettings(Environment env) {
        return TlsSettings.from(env);
    }

    @Bean
    @ConditionalOnProperty(prefix = "segura.tls", name = "cert")
    ServerTls serverTls(TlsSettings settings, Clock clock, Environment env) {
        for (String spring : List.of("server.ssl.key-store", "server.ssl.certificate", "server.ssl.bundle")) {
            if (env.getProperty(spring) != null) {
                throw new IllegalStateException("both SEGURA_TLS_CERT and " + spring.toUpperCase()
                        .replace('.', '_').replace('-', '_') + " are set: configure server TLS one way (SEGURA_TLS_*"
                        + " reloads its PEM files; SERVER_SSL_* does not)");
            }
        }
        return new ServerTls(settings, clock);
    }

    @Bean
    @ConditionalOnProperty(prefix = "segura.tls", name = "cert")
    SslBundleRegistrar seguraServerBundle(ServerTls tls) {
        return tls::register;
    }

    /**
     * Serves the bundle. Ordered last so it wins over Boot's {@code SERVER_SSL_*} customizer; skipped when
     * {@code server.ssl.enabled=false} is set explicitly (the training run serves plain http on loopback).
     */
    @Bean
    @ConditionalOnProperty(prefix = "segura.tls", name = "cert")
    WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory> seguraServerTls(TlsSettings settings,
            SslBundles bundles, Environment env) {
        return new ServerTlsCustomizer(settings, bundles, env);
    }

    @Bean
    ClientCertificateCheck clientCertificateCheck(TlsSettings settings, ObjectProvider<ServerTls> tls,
            Clock clock) {
        ServerTls served = tls.getIfAvailable();
        if (served != null && settings.clientCa() != null) {
            return new ClientCertificateCheck(served::clientAuthorities, clock);
        }
        return ClientCertificateCheck.handshakeVerified(clock);
    }

    private record ServerTlsCustomizer(TlsSettings settings, SslBundles bundles, Environment env)
            implements WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableReactiveWebServerFactory factory) {
            if ("false".equalsIgnoreCase(env.getProperty("server.ssl.enabled"))) {
                return;
            }
            Ssl ssl = Ssl.forBundle(ServerTls.BUNDLE);
            // "want", never "need": jobs that authenticate by OIDC token or client secret present no certificate
            ssl.setClientAuth(settings.clientCa() == null ? Ssl.ClientAuth.NONE : Ssl.ClientAuth.WANT);
            factory.setSsl(ssl);
            factory.setSslBundles(bundles);
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
