// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.RetryPolicy;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A build whose JVM dies inside the block (for {@link KilledBlockTest}): opens the block as the Jenkins step does,
 * persists the session token as Jenkins persists the step's state (program.dat; there as an encrypted Secret, here
 * a 0600 file), writes what the body prints through the block's masked log, announces {@code IN-BLOCK <lease id>}
 * and then runs "forever" until it is killed.
 *
 * <p>Arguments: broker URL, CA PEM file, state file. The client secret comes in {@code TEST_CLIENT_SECRET}.
 */
public final class BlockInChildJvm {

    private BlockInChildJvm() {
    }

    public static void main(String[] args) throws Exception {
        BrokerSettings settings = BrokerSettings.of(args[0], Files.readString(Path.of(args[1])))
                .withRetry(RetryPolicy.NONE);
        Path state = Path.of(args[2]);
        CredentialLookup credentials = id -> Optional.of(new JobIdentity.ClientSecret(LiveBroker.CLIENT_ID,
                System.getenv("TEST_CLIENT_SECRET")));
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BindingSession block = BindingSession.open(settings, BindingRequest.parse("deploy",
                "db/prod/password > DB_PASSWORD", "segura-client", null), null, credentials, System.err);
        Files.createFile(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(state, List.of(block.revocationToken()));
        OutputStream body = block.mask(stdout);
        body.write(("body: DB_PASSWORD=" + block.environment().get("DB_PASSWORD") + "\n")
                .getBytes(StandardCharsets.UTF_8));
        body.flush();
        stdout.println("IN-BLOCK " + block.leaseId());
        new CountDownLatch(1).await(); // the body runs until the JVM is killed; close() never runs
    }
}
