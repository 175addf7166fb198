// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import io.segura.client.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code segura-cli admin …}: broker operations for operators (needs {@code SEGURA_ADMIN_TOKEN}). */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Broker operations (operator).",
        subcommands = AdminCommand.Rekey.class,
        footer = {"", "Example:", "  segura-cli admin rekey --status"})
final class AdminCommand implements Runnable {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Starts the master-key rotation, or shows or waits for its progress. */
    @Command(name = "rekey", mixinStandardHelpOptions = true,
            description = {"Re-wrap every secret's data key under the broker's current master key (operator; needs"
                + " SEGURA_ADMIN_TOKEN). The broker works online, page by page; a replica that dies is taken over.",
                "Name the key you mean with --key-file (its id is computed here; the key is never sent) or"
                + " --expect-key-id: a broker whose current key differs refuses (exit 2).",
                "Exit 0 started/running/done, 1 the rotation failed (with --wait or --status), 2 refused or usage,"
                + " 4 admin token refused, 5 broker unavailable."},
            footer = {"", "Examples:",
                "  segura-cli admin rekey --key-file /run/secrets/segura-master-key --wait",
                "  segura-cli admin rekey --expect-key-id 3f9a0c6e1b2d4e5f",
                "  segura-cli admin rekey --status",
                "  segura-cli admin rekey --status --json"})
    static final class Rekey implements Callable<Integer> {

        private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
        private static final byte[] ID_LABEL = "segura kek id v1\0".getBytes(StandardCharsets.US_ASCII);

        @ParentCommand
        AdminCommand admin;

        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--key-file", paramLabel = "FILE",
                description = "the new master key (base64 of 32 bytes, as in SEGURA_MASTER_KEY_FILE); only its id"
                        + " leaves this machine")
        Path keyFile;

        @Option(names = "--expect-key-id", paramLabel = "ID",
                description = "the id (16 hex characters) of the key to rotate to")
        String expectKeyId;

        @Option(names = "--status", description = "show the progress only; start nothing")
        boolean status;

        @Option(names = "--wait", description = "follow the progress until the rotation is done or failed")
        boolean await;

        @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "2",
                description = "seconds between progress reads with --wait (default ${DEFAULT-VALUE})")
        int pollSeconds;

        @Option(names = "--json", description = "print the broker's status answer as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (pollSeconds < 1) {
                throw new ConfigException("--poll must be at least 1 second, got " + pollSeconds);
            }
            String expected = null;
            if (!status) {
                if ((keyFile == null) == (expectKeyId == null)) {
                    throw new ConfigException("give --key-file FILE or --expect-key-id ID (the key to rotate to),"
                            + " or --status");
                }
                expected = keyFile != null ? keyId(keyFile) : expectKeyId.strip();
                if (!KEY_ID.matcher(expected).matches()) {
                    throw new ConfigException("--expect-key-id must be 16 lowercase hex characters, got \""
                            + expected + "\"");
                }
            } else if (keyFile != null || expectKeyId != null) {
                throw new ConfigException("--status starts nothing: drop --key-file / --expect-key-id");
            }
            Connection c = Connection.open(connection.apply(admin.root.ctx));
            String token = c.adminToken();
            Map<String, Object> view;
            if (expected != null) {
                view = c.client.startRekey(token, expected);
                if (!json) {
                    out.println(Boolean.TRUE.equals(view.get("started"))
                            ? (Boolean.TRUE.equals(view.get("resumed")) ? "restarted" : "started")
                                    + " master-key rotation " + view.get("job_id")
                            : "master-key rotation " + view.get("job_id") + " is already running");
                }
            } else {
                view = c.client.rekeyStatus(token);
            }
            Object lastDone = null;
            while (await && "running".equals(view.get("state"))) {
                if (!json && !Objects.equals(lastDone, view.get("done"))) {
                    out.println(describe(view));
                    out.flush();
                    lastDone = view.get("done");
                }
                Thread.sleep(pollSeconds * 1000L);
                view = c.client.rekeyStatus(token);
            }
            out.println(json ? Json.write(view) : describe(view));
            out.flush();
            return "failed".equals(view.get("state")) ? ExitCodes.FAILED : ExitCodes.OK;
        }

        /** One line an operator can act on. */
        static String describe(Map<String, Object> view) {
            Object broker = view.get("broker");
            String current = broker instanceof Map<?, ?> m ? String.valueOf(m.get("current_key_id")) : "?";
            String counts = view.get("done") + " of " + view.get("total") + " versions re-wrapped under key "
                    + view.get("target_key_id");
            String left = "; " + view.get("remaining") + " still under older keys " + view.get("remaining_by_key");
            return switch (String.valueOf(view.get("state"))) {
                case "none" -> "no master-key rotation has run; the broker's current key is " + current + left;
                case "running" -> "master-key rotation " + view.get("job_id") + ": running, " + counts + left
                        + (view.get("worker") == null ? " (waiting for a broker to claim it)"
                                : " (worker " + view.get("worker") + ")");
                case "done" -> "master-key rotation " + view.get("job_id") + ": done, " + counts
                        + (Long.valueOf(0).equals(number(view.get("remaining")))
                                ? "; no version is left under an older key: the old key may be removed from"
                                        + " SEGURA_MASTER_KEY_PREVIOUS"
                                : left + " (written after it finished: start it again)");
                case "failed" -> "master-key rotation " + view.get("job_id") + ": FAILED after " + counts + ": "
                        + view.get("error") + ". Fix it, then run segura-cli admin rekey again to resume";
                default -> Json.write(view);
            };
        }

        private static Long number(Object o) {
            return o instanceof Number n ? n.longValue() : null;
        }

        /**
         * The broker's key id of the master key in {@code file}: the first 16 hex characters of
         * SHA-256("segura kek id v1\0" || key), the same one-way id the broker stores with each version.
         */
        static String keyId(Path file) throws ConfigException {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new ConfigException("--key-file: cannot read " + file + " (" + e.getClass().getSimpleName()
                        + ")");
            }
            byte[] key;
            try {
                key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
                        : Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // the decoder's message quotes a character of the key: never repeat it
                throw new ConfigException("--key-file " + file + " is not valid base64 (expected base64 of 32"
                        + " bytes)");
            }
            try {
                if (key.length != 32) {
                    throw new ConfigException("--key-file " + file + " must decode to exactly 32 bytes, got "
                            + key.length);
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(ID_LABEL);
                sha.update(key);
                return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is unavailable", e);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        }
    }
}
