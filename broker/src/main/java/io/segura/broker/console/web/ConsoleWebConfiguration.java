// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console.web;

import io.segura.broker.BrokerSettings;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.console.ConsoleSessions;
import io.segura.broker.console.ConsoleSignOuts;
import io.segura.broker.console.ConsoleStats;
import io.segura.broker.exchange.RateLimiter;
import io.segura.broker.federation.MutableBindingLint;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.policy.PolicyLint;
import io.segura.broker.web.AdminAuthentication;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator console (docs/CONSOLE.md): the single-page app under {@code /console} (built from {@code console/} into
 * the {@code segura-console/} class-path folder), its sign-in endpoints, and the admin views it added.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleWebConfiguration {

    /** Where the console module's build puts the app on the class path. */
    static final String APP = "segura-console/";

    @Bean
    ConsoleSessions consoleSessions(BrokerSettings settings, Environment environment, Clock clock,
            SecureRandom random) {
        // SEGURA_CONSOLE_SESSION_TTL (15m): how long a console sign-in lasts; not renewed by use
        Duration ttl = Binder.get(environment).bind("segura.console-session-ttl", Duration.class)
                .orElse(Duration.ofMinutes(15));
        return new ConsoleSessions(settings.adminToken(), ttl, clock, random);
    }

    @Bean
    ConsoleSignOuts consoleSignOuts(DatabaseClient db, Clock clock) {
        return new ConsoleSignOuts(db, clock);
    }

    @Bean
    ConsoleFilter consoleFilter(ConsoleSessions sessions, ConsoleSignOuts signOuts) {
        return new ConsoleFilter(sessions, signOuts);
    }

    @Bean
    RouterFunction<ServerResponse> consoleRoutes(BrokerSettings settings, ConsoleSessions sessions,
            ConsoleSignOuts signOuts, AuditLog audit, DatabaseClient db, Clock clock, TrustConfig config,
            DeploymentGate gate, JsonMapper json) {
        List<String> warnings = new ArrayList<>(MutableBindingLint.warnings(config));
        warnings.addAll(PolicyLint.warnings(config, gate));
        List<String> lint = List.copyOf(warnings);
        ConsoleHandler console = new ConsoleHandler(sessions, signOuts, audit, new ConsoleStats(db, clock), config,
                () -> lint, new RateLimiter(1.0, 10.0, clock), json);
        Resource index = new ClassPathResource(APP + "index.html");
        RouterFunction<ServerResponse> admin = RouterFunctions.route()
                .GET("/api/v2/admin/overview", console::overview)
                .GET("/api/v2/admin/config", console::config)
                .filter(new AdminAuthentication(settings.adminToken(), audit))
                .build();
        return RouterFunctions.route()
                .GET("/console", request -> ServerResponse.permanentRedirect(URI.create("/console/")).build())
                .GET("/console/", request -> index.exists()
                        ? ServerResponse.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noStore())
                                .bodyValue(index)
                        : ServerResponse.notFound().build())
                .POST("/console/api/session", console::signIn)
                .GET("/console/api/session", console::current)
                .DELETE("/console/api/session", console::signOut)
                .add(RouterFunctions.resources("/console/**", new ClassPathResource(APP)))
                .add(admin)
                .build();
    }
}
