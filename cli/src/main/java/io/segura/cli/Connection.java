// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.ClientConfig;
import io.segura.client.ConfigException;
import io.segura.client.Identities;
import io.segura.client.Session;
import io.segura.client.platform.Identity;
import io.segura.client.platform.JobEnvironment;
import io.segura.client.platform.LocalDev;
import io.segura.client.platform.Platform;
import io.segura.client.platform.PlatformException;
import io.segura.client.platform.Platforms;
import java.io.IOException;
import java.util.Objects;

/** The pieces every broker-facing command needs: configuration, platform, job environment and client. */
final class Connection {

    final CliContext ctx;
    final ClientConfig config;
    final JobEnvironment job;
    final Platform platform;
    final BrokerClient client;

    private Connection(CliContext ctx, ClientConfig config, JobEnvironment job, Platform platform,
            BrokerClient client) {
        this.ctx = ctx;
        this.config = config;
        this.job = job;
        this.platform = platform;
        this.client = client;
    }

    static Connection open(CliContext ctx) throws ConfigException, IOException {
        Objects.requireNonNull(ctx, "ctx cannot be null");
        ClientConfig config = ctx.config();
        java.net.http.HttpClient http = BrokerClient.httpClient(config);
        JobEnvironment job = ctx.jobEnvironment(http);
        Platform platform;
        try {
            platform = Platforms.detect(job);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (!(platform instanceof LocalDev) && "http".equals(config.url().getScheme())) {
            // the broker's client may have no usable TLS (see BrokerClient.httpClient); a CI token endpoint needs it
            job = ctx.jobEnvironment();
        }
        return new Connection(ctx, config, job, platform, BrokerClient.create(config, http));
    }

    Identity identity() throws IOException, PlatformException {
        return Identities.resolve(config, platform, job);
    }

    /** The job's identity exchanged for a session of {@code SEGURA_ROLE} (or {@code --role}). */
    Session session() throws IOException, PlatformException, BrokerException, InterruptedException {
        return client.exchange(identity(), config.role());
    }

    String adminToken() throws ConfigException {
        if (config.adminToken() == null) {
            throw new ConfigException("SEGURA_ADMIN_TOKEN is not set: this is an operator command");
        }
        return config.adminToken();
    }
}
