// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.ssh;

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
public final class OpenSsh {

    public static final Duration DEADLINE = Duration.ofSeconds(90);

    public record Result(int exit, String output) {

        /** Fails (an {@link AssertionError} naming {@code what} and the output) unless the tool exited with 0. */
        public Result requireSuccess(String what) {
            if (exit != 0) {
                throw new AssertionError(what + " exited with " + exit + ": " + output);
            }
            return this;
        }
    }

    private OpenSsh() {
    }

    public static void requireInstalled() {
        for (String tool : List.of("/usr/bin/ssh-keygen", "/usr/bin/ssh", "/usr/sbin/sshd")) {
            if (!Files.exists(Path.of(tool))) {
                throw new AssertionError(tool + " is missing: install openssh-client and openssh-server (.ci/run "
                        + "does)");
            }
        }
    }

    /** Runs {@code command} in {@code dir} with TZ=UTC (ssh-keygen -L prints local time); stdout and stderr merged. */
    public static Result run(Path dir, String... command) {
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
    public static Path keyPair(Path dir, String name, String type, Integer bits) {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f",
                dir.resolve(name).toString()));
        if (bits != null) {
            cmd.add(1, "-b");
            cmd.add(2, bits.toString());
        }
        Result r = run(dir, cmd.toArray(String[]::new));
        r.requireSuccess(cmd.get(0));
        return dir.resolve(name);
    }

    public static String publicLine(Path privateKey) {
        return read(Path.of(privateKey + ".pub")).strip();
    }

    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path write(Path file, String text) {
        try {
            Files.writeString(file, text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ssh-keygen -L -f cert}: the certificate as OpenSSH reads it (signature checked); fails if it cannot. */
    public static String describe(Path dir, Path certificate) {
        Result r = run(dir, "ssh-keygen", "-L", "-f", certificate.toString());
        r.requireSuccess("ssh-keygen -L");
        return r.output();
    }
}
