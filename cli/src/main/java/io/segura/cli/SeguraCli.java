// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.platform.PlatformException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code segura-cli}: short-lived CI secrets from the Segura broker (DESIGN §10). */
@Command(name = "segura-cli", mixinStandardHelpOptions = true, versionProvider = SeguraCli.Version.class,
        description = {"Short-lived, audited CI secrets from a Segura broker.",
            "Configured by environment (SEGURA_URL, SEGURA_ROLE, SEGURA_SECRETS, … see README) or by flags"
                + " (--url, --ca-cert, --role, --audience, --ttl), a flag winning over its variable."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:a check failed (audit --verify)", "2:usage or configuration error",
            "3:blocked by policy", "4:authentication or authorization refused",
            "5:broker unavailable after retries", "exec:returns the child's exit code instead"},
        footer = {"", "Example:", "  SEGURA_URL=http://127.0.0.1:8080 segura-cli exec --secret 'dev/db/password > DB_PASSWORD'"
            + " -- ./deploy.sh"})
public final class SeguraCli implements Runnable {

    final CliContext ctx;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public SeguraCli(CliContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx cannot be null");
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code = run(CliContext.system(), args);
        releaseHttpSelectors();
        System.exit(code);
    }

    /**
     * Ends java.net.http's selector threads before exiting. HotSpot's exit waits up to 300 ms for threads that sit
     * in native code, and a selector blocked in {@code epoll_wait} is one: that wait was most of {@code exec}'s
     * measured exit time. JDK 17's HttpClient has no {@code close()}; its selector loop ends when interrupted.
     */
    static void releaseHttpSelectors() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")) {
                t.interrupt();
                try {
                    t.join(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Runs one command line against {@code ctx}; returns the exit code. */
    public static int run(CliContext ctx, String... args) {
        return commandLine(ctx, args).execute(args);
    }

    /** The subcommands, in help order. Built on demand: picocli's model of each costs start-up time. */
    private static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("exec", ExecCommand::new);
        m.put("fetch", FetchCommand::new);
        m.put("get", GetCommand::new);
        m.put("export", ExportCommand::new);
        m.put("revoke", RevokeCommand::new);
        m.put("inject", InjectCommand::new);
        m.put("policy", PolicyCommand::new);
        m.put("rotate", RotateCommand::new);
        m.put("audit", AuditCommand::new);
        m.put("admin", AdminCommand::new);
        m.put("sync", SyncCommand::new);
        m.put("whoami", WhoamiCommand::new);
        m.put("completion", CompletionCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    static CommandLine commandLine(CliContext ctx) {
        return commandLine(ctx, null);
    }

    /**
     * The command line for {@code args}: when the first argument names a command, only that command's model is
     * built (a third of a run's picocli time); otherwise (top-level help, {@code help CMD}, a typo) all of them.
     */
    static CommandLine commandLine(CliContext ctx, String[] args) {
        CommandLine cl = new CommandLine(new SeguraCli(ctx));
        String first = args == null || args.length == 0 ? null : args[0];
        if (first != null && COMMANDS.containsKey(first)) {
            cl.addSubcommand(first, COMMANDS.get(first).get());
        } else {
            COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
            cl.addSubcommand("help", new CommandLine.HelpCommand());
        }
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(ctx.out(), StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(ctx.err(), StandardCharsets.UTF_8), true));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> report(ex, cmd.getErr()));
        return cl;
    }

    /** One line (plus a violations table) per failure; the exit code of DESIGN §10. */
    static int report(Exception ex, PrintWriter err) {
        if (ex instanceof BrokerException) {
            BrokerException b = (BrokerException) ex;
            err.println("segura-cli: " + b.getMessage());
            switch (b.kind()) {
                case BLOCKED_BY_POLICY:
                    if (!b.violations().isEmpty()) {
                        err.println("Blocked by policy:");
                        Tables.violations(err, b.violations());
                    }
                    err.flush();
                    return ExitCodes.BLOCKED_BY_POLICY;
                case UNAUTHENTICATED:
                case FORBIDDEN:
                    err.flush();
                    return ExitCodes.AUTH;
                case UNAVAILABLE:
                    err.flush();
                    return ExitCodes.UNAVAILABLE;
                default:
                    err.flush();
                    return ExitCodes.USAGE;
            }
        }
        int code;
        if (ex instanceof ConfigException || ex instanceof IllegalArgumentException) {
            code = ExitCodes.USAGE;
        } else if (ex instanceof PlatformException) {
            code = ExitCodes.AUTH;
        } else if (ex instanceof java.net.ConnectException || ex instanceof java.net.http.HttpTimeoutException) {
            code = ExitCodes.UNAVAILABLE;
        } else if (ex instanceof InterruptedException) {
            code = 130;
        } else {
            code = ExitCodes.FAILED;
        }
        err.println("segura-cli: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
        err.flush();
        return code;
    }

    /** The jar's Implementation-Version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SeguraCli.class.getPackage().getImplementationVersion();
            return new String[] {"segura-cli " + (v == null ? "dev" : v)};
        }
    }
}
