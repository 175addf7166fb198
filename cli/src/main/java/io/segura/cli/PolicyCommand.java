// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import io.segura.client.Evaluation;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import io.segura.client.platform.Identity;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code segura-cli policy check}: the deployment gate's dry run ({@code POST /api/v2/policy/evaluate}). */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Deployment gate commands.",
        subcommands = PolicyCommand.Check.class,
        footer = {"", "Example:", "  segura-cli policy check --role deploy-prod --secret db/prod/password"})
final class PolicyCommand implements Runnable {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Would the role release these secrets to this job now? Prints role checks and violations as tables. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Dry run: would the role release these secrets to this job's token (or to --claims)?",
                "Exits 0 when allowed, 3 when a policy blocks, 4 when the role refuses the identity."},
            footer = {"", "Examples:", "  SEGURA_ROLE=deploy-prod segura-cli policy check --secret db/prod/password",
                "  segura-cli policy check --role deploy-prod --claims claims.json --secret db/prod/password"})
    static final class Check implements Callable<Integer> {

        @ParentCommand
        PolicyCommand policy;

        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Mixin
        LeaseOptions leasing;

        @Option(names = "--secret", paramLabel = "SPEC", description = "path[@version]; repeatable")
        List<String> secrets = new ArrayList<>();

        @Option(names = "--claims", paramLabel = "FILE",
                description = "a JSON file of claims to evaluate instead of this job's token (operators)")
        Path claims;

        @Override
        public Integer call() throws Exception {
            CliContext ctx = leasing.apply(policy.root.ctx, connection);
            PrintWriter out = spec.commandLine().getOut();
            Connection c = Connection.open(ctx);
            List<SecretSpec> specs = Specs.merge(c.config.secrets(), secrets);
            String r = c.config.role();
            // the deployment gate judges static secrets; a dynamic secret is the role's `dynamic` list's business
            List<String> refs = Specs.statics(specs).stream().map(SecretSpec::ref).toList();
            Evaluation e;
            if (claims != null) {
                Map<String, Object> claimSet;
                try {
                    claimSet = Json.parseObject(Files.readString(ctx.workDir().resolve(claims),
                            StandardCharsets.UTF_8));
                } catch (JsonException ex) {
                    throw new ConfigException("--claims " + claims + ": " + ex.getMessage());
                }
                if (c.config.adminToken() == null) {
                    throw new ConfigException("--claims is an operator dry run: set SEGURA_ADMIN_TOKEN");
                }
                e = c.client.evaluate(null, claimSet, r, refs, c.config.adminToken());
            } else if (c.config.adminToken() != null) {
                // an operator evaluating this job's identity: expected values are shown
                Identity id = c.identity();
                if (!(id instanceof Identity.OidcToken)) {
                    throw new ConfigException("policy check needs an OIDC token (or --claims); client credentials"
                            + " cannot be evaluated");
                }
                e = c.client.evaluate(((Identity.OidcToken) id).jwt(), null, r, refs, c.config.adminToken());
            } else {
                // a CI job: its own session for the role (a refused role is exit 4 from the exchange), the dry run
                // of that role, then the session is revoked — nothing is leased
                Session session = c.client.exchange(c.identity(), r);
                try {
                    e = c.client.evaluate(session, refs);
                } finally {
                    c.client.revoke(session);
                }
            }
            out.println("decision: " + e.decision());
            if (!e.roleChecks().isEmpty()) {
                out.println();
                out.println("Role checks:");
                Tables.objects(out, e.roleChecks(), List.of("claim", "expected", "actual", "ok"));
            }
            if (!e.violations().isEmpty()) {
                out.println();
                out.println("Violations:");
                Tables.violations(out, e.violations());
            }
            e.warnings().forEach(w -> out.println("warning: " + w));
            out.flush();
            if (e.allowed()) {
                return ExitCodes.OK;
            }
            boolean roleRefused = e.roleChecks().stream().anyMatch(rc -> Boolean.FALSE.equals(rc.get("ok")));
            return roleRefused && e.violations().isEmpty() ? ExitCodes.AUTH : ExitCodes.BLOCKED_BY_POLICY;
        }
    }
}
