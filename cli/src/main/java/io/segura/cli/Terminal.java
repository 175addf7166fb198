// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard output is an interactive terminal, where {@code get} and {@code export} refuse to print. */
final class Terminal {

    private Terminal() {
    }

    /**
     * Refuses to print secret values to a terminal (where they stay on screen, in scroll-back and in screen
     * recordings) unless the user said {@code --reveal}; checked before anything is leased.
     */
    static void guard(CliContext ctx, boolean reveal, String command) throws io.segura.client.ConfigException {
        if (!reveal && ctx.outIsTerminal().getAsBoolean()) {
            throw new io.segura.client.ConfigException(command + " refuses to print secrets to a terminal: add"
                    + " --reveal to show them anyway, or hand them over without displaying them:"
                    + " `segura-cli exec -- CMD`, `segura-cli export --output FILE`, or redirect to a pipe or file");
        }
    }

    /**
     * Linux: what file descriptor 1 is ({@code /dev/pts/N}, {@code /dev/ttyN}). Elsewhere, and as a second
     * opinion: the JDK's console, which exists (JDK 17) or {@code isTerminal()} (JDK 22+, where a console always
     * exists) only when stdin and stdout are both terminals.
     */
    static boolean stdoutIsTerminal() {
        try {
            String fd1 = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            if (fd1.startsWith("/dev/pts/") || fd1.startsWith("/dev/tty") || fd1.equals("/dev/console")) {
                return true;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // no /proc (macOS, Windows): the console decides
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK < 22: a console exists only on a terminal
        }
    }
}
