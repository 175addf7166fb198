// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real OpenSSH tools (ssh-keygen, ssh) run as child processes, bounded by a generous deadline. */
final class OpenSsh {

    static final Duration DEADLINE = Duration.ofSeconds(90);

    record Result(int exit, String output) {
    }

    private OpenSsh() {
    }

    static void requireInstalled() {
        for (String tool : List.of("/usr/bin/ssh-keygen", "/usr/bin/ssh", "/usr/sbin/sshd")) {
            assertThat(Path.of(tool)).as(tool + " is missing: install openssh-client and openssh-server (.ci/run "
                    + "does)").exists();
        }
    }

    /** Runs {@code command} in {@code dir} with TZ=UTC (ssh-keygen -L prints local time); stdout and stderr merged. */
    static Result run(Path dir, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("TZ", "UTC");
        pb.environment().remove("SSH_AUTH_SOCK");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command[0] + " did not finish within " + DEADLINE);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A new key pair {@code dir/name} (private, 0600) and {@code dir/name.pub}, made by ssh-keygen. */
    static Path keyPair(Path dir, String name, String type, Integer bits) {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f",
                dir.resolve(name).toString()));
        if (bits != null) {
            cmd.add(1, "-b");
            cmd.add(2, bits.toString());
        }
        Result r = run(dir, cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        return dir.resolve(name);
    }

    static String publicLine(Path privateKey) {
        return read(Path.of(privateKey + ".pub")).strip();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String text) {
        try {
            Files.writeString(file, text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ssh-keygen -L -f cert}: the certificate as OpenSSH reads it (signature checked); fails if it cannot. */
    static String describe(Path dir, Path certificate) {
        Result r = run(dir, "ssh-keygen", "-L", "-f", certificate.toString());
        assertThat(r.exit()).as("ssh-keygen -L: " + r.output()).isZero();
        return r.output();
    }
}
