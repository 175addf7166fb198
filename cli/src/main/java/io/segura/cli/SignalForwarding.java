// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes SIGTERM, SIGINT and SIGHUP on to {@code exec}'s child instead of letting them end the JVM, so the CLI
 * outlives the child, collects its exit code and revokes the session. Uses {@code sun.misc.Signal}
 * (module jdk.unsupported), the only signal API the JDK has.
 */
final class SignalForwarding {

    private final Process child;
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private SignalForwarding(Process child) {
        this.child = child;
    }

    static SignalForwarding install(Process child) {
        SignalForwarding f = new SignalForwarding(child);
        for (String name : List.of("TERM", "INT", "HUP")) {
            try {
                Signal s = new Signal(name);
                f.previous.add(Signal.handle(s, f::forward));
                f.signals.add(s);
            } catch (IllegalArgumentException e) {
                // not available here (or reserved by the JVM): leave its default behaviour
            }
        }
        return f;
    }

    private void forward(Signal signal) {
        if (!child.isAlive()) {
            return;
        }
        if (signal.getName().equals("TERM")) {
            // SIGTERM; through the handle, since Process.destroy() would also close the pipes we still drain
            child.toHandle().destroy();
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal.getName(), Long.toString(child.pid()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            child.toHandle().destroy();
        }
    }

    void uninstall() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
