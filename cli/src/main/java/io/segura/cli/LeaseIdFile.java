// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * {@code --lease-id-file PATH} of {@code fetch} and {@code exec}: the lease ids, no secret, written to a file a CI
 * platform reads as a step output (a Tekton result: {@code $(results.lease-id.path)}). The static secrets' lease
 * first, then each dynamic credential's (each has a lease of its own), comma-separated, no newline: with static
 * secrets only the result is the one id itself, and a Task asking only for a database user still names its lease.
 * The directory is checked before anything is leased, so a wrong path costs no session.
 */
final class LeaseIdFile {

    private final Path file;

    private LeaseIdFile(Path file) {
        this.file = file;
    }

    /** {@code option} resolved against the working directory, or null when the option was not given. */
    static LeaseIdFile of(CliContext ctx, Path option) throws ConfigException {
        if (option == null) {
            return null;
        }
        Path file = ctx.workDir().resolve(option).toAbsolutePath();
        Path dir = file.getParent();
        if (Files.isDirectory(file)) {
            throw new ConfigException("--lease-id-file " + option + " is a directory: give a file path, e.g."
                    + " --lease-id-file /tekton/results/lease-id");
        }
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new ConfigException("--lease-id-file " + option + ": the directory " + dir
                    + " does not exist or is not writable; create it or give a writable path");
        }
        return new LeaseIdFile(file);
    }

    /** Replaces the file with {@code leaseIds}; refuses an id that is not a plain token (it goes into a result). */
    void write(List<String> leaseIds) throws IOException {
        for (String id : leaseIds) {
            // no comma either: the ids are joined by commas
            if (!id.matches("[A-Za-z0-9._:-]+")) {
                throw new IOException("the broker answered a lease id that is not a plain token");
            }
        }
        String leaseId = String.join(",", leaseIds);
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, leaseId, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
