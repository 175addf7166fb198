// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.ConsoleLogFilter;
import hudson.model.AbstractProject;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapperDescriptor;
import io.segura.client.SecretSpec;
import io.segura.client.masking.Masker;
import io.segura.jenkins.core.BindingException;
import io.segura.jenkins.core.BindingRequest;
import io.segura.jenkins.core.BindingSession;
import io.segura.jenkins.core.LateMaskingOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jenkins.tasks.SimpleBuildWrapper;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Freestyle jobs: "Lease secrets from Segura" under Build Environment. Same core as {@code withSegura}: the values are
 * build variables for the build steps, the console is masked, the session is revoked when the build ends. Jenkins
 * decorates the console before {@code setUp} leases anything, so the filter finds the build's masker once it exists
 * ({@link LateMaskingOutputStream}; credentials-binding's wrapper does the same per line). With SSH certificates
 * ({@code dynamic:ssh/…}) the wrapper asks for the build's workspace, and the key pairs and files are made on its
 * agent ({@link AgentSshFiles}), deleted at tear-down. Pipelines use {@code withSegura}.
 */
public final class SeguraBuildWrapper extends SimpleBuildWrapper {

    /** Live blocks by build id, closed at tear-down (freestyle builds run on the controller's side). */
    private static final Map<String, BindingSession> LIVE = new ConcurrentHashMap<>();
    /** The console's masker by build id, kept until the console closes: post-build output stays masked. */
    private static final Map<String, Masker> MASKERS = new ConcurrentHashMap<>();

    private final String secrets;
    private String role;
    private String credentialsId;
    private String ttl;

    @DataBoundConstructor
    public SeguraBuildWrapper(String secrets) {
        this.secrets = secrets;
    }

    public String getSecrets() {
        return secrets;
    }

    public String getRole() {
        return role;
    }

    @DataBoundSetter
    public void setRole(String role) {
        this.role = role;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = credentialsId;
    }

    public String getTtl() {
        return ttl;
    }

    @DataBoundSetter
    public void setTtl(String ttl) {
        this.ttl = ttl;
    }

    /**
     * The lease needs no workspace (the controller talks to the broker), except for SSH certificates: their key
     * pairs and files go into the workspace's {@code @tmp} on the build's agent.
     */
    @Override
    public boolean requiresWorkspace() {
        try {
            return SecretSpec.parseList(secrets).stream().anyMatch(s -> s.dynamic() && SecretSpec.isSsh(s.path()));
        } catch (IllegalArgumentException e) {
            return false; // setUp reports the error
        }
    }

    @Override
    public void setUp(Context context, Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener,
            EnvVars initialEnvironment) throws IOException, InterruptedException {
        open(context, build, workspace, listener);
    }

    @Override
    public void setUp(Context context, Run<?, ?> build, TaskListener listener, EnvVars initialEnvironment)
            throws IOException, InterruptedException {
        open(context, build, null, listener);
    }

    private void open(Context context, Run<?, ?> build, FilePath workspace, TaskListener listener)
            throws IOException, InterruptedException {
        SeguraGlobalConfiguration config = SeguraGlobalConfiguration.get();
        BindingSession session;
        try {
            BindingRequest request = BindingRequest.parse(role, secrets, credentialsId, ttl);
            AgentSshFiles ssh = workspace == null || request.sshCertificates().isEmpty() ? null
                    : AgentSshFiles.inTempDirOf(workspace);
            session = BindingSession.open(config.settings(), request, config.getCredentialsId(),
                    new JenkinsCredentials(build), ssh, listener.getLogger());
        } catch (BindingException e) {
            throw new AbortException(e.getMessage());
        }
        String buildId = build.getExternalizableId();
        LIVE.put(buildId, session);
        MASKERS.put(buildId, session.masker());
        context.setDisposer(new Revoke(buildId));
        // AbstractBuild.getEnvironment resolves ${…} macros in build variables; "$$" keeps a '$' (SECURITY-698)
        session.environment().forEach((name, value) -> context.env(name, value.replace("$", "$$")));
    }

    @Override
    public ConsoleLogFilter createLoggerDecorator(Run<?, ?> build) {
        return new Masking(build.getExternalizableId());
    }

    /** Masks the console once the build's block exists; ignores the build argument, as Jenkins asks. */
    private static final class Masking extends ConsoleLogFilter implements Serializable {

        private static final long serialVersionUID = 1L;

        private final String buildId;

        Masking(String buildId) {
            this.buildId = buildId;
        }

        @Override
        public OutputStream decorateLogger(Run build, OutputStream logger) {
            return new LateMaskingOutputStream(logger, () -> MASKERS.get(buildId), () -> MASKERS.remove(buildId));
        }
    }

    /** Ends the block when the build ends, however it ends. */
    private static final class Revoke extends Disposer {

        private static final long serialVersionUID = 1L;

        private final String buildId;

        Revoke(String buildId) {
            this.buildId = buildId;
        }

        /** A block with SSH certificates has a workspace: same end, the session deletes their files. */
        @Override
        public void tearDown(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener) {
            tearDown(build, listener);
        }

        @Override
        public void tearDown(Run<?, ?> build, TaskListener listener) {
            BindingSession session = LIVE.remove(buildId);
            if (session != null) {
                session.close();
            }
        }
    }

    @Extension
    public static final class DescriptorImpl extends BuildWrapperDescriptor {

        @Override
        public boolean isApplicable(AbstractProject<?, ?> item) {
            return true;
        }

        @Override
        public String getDisplayName() {
            return "Lease secrets from Segura";
        }
    }
}
