// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gitlab4j.api.GitLabApi;
import org.gitlab4j.api.GitLabApiException;

/**
 * GitLab project or group CI/CD variables through gitlab4j-api (with {@link GitLabVariablesApi} for the attributes it
 * lacks). A variable whose {@code hidden} flag must change is deleted and created again: GitLab sets hidden only at
 * creation. Errors keep the status, GitLab's message and {@code Retry-After}, with the value cut out should GitLab
 * ever echo it.
 */
final class GitLabTarget implements TargetClient {

    private final SyncSpec spec;
    private final GitLabApi api;
    private final GitLabVariablesApi variables;

    GitLabTarget(SyncSpec spec, String token, Duration timeout) throws RemoteFailure {
        this.spec = spec;
        // PRIVATE-TOKEN header: personal, project or group access tokens.
        this.api = new GitLabApi(spec.url(), token);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        api.setRequestTimeout(millis, millis);
        try {
            this.variables = new GitLabVariablesApi(api, spec.group() != null,
                    spec.group() != null ? spec.group() : spec.project());
        } catch (GitLabApiException e) {
            api.close();
            throw failure(e, "open", null);
        }
    }

    @Override
    public RemoteSnapshot read() throws RemoteFailure {
        try {
            List<RemoteVariable> out = new ArrayList<>();
            for (GitLabVariable v : variables.list()) {
                boolean hidden = Boolean.TRUE.equals(v.getHidden());
                out.add(new RemoteVariable(v.getKey(), v.getEnvironmentScope() == null ? "*" : v.getEnvironmentScope(),
                        hidden ? null : v.getValue(),
                        new VariableFlags(Boolean.TRUE.equals(v.getMasked()), hidden,
                                Boolean.TRUE.equals(v.getProtected()), Boolean.TRUE.equals(v.getRaw()),
                                v.getVariableType() == org.gitlab4j.api.models.Variable.Type.FILE, false)));
            }
            return new RemoteSnapshot(out, null);
        } catch (GitLabApiException e) {
            throw failure(e, "list variables", null);
        }
    }

    @Override
    public String write(DesiredVariable desired, RemoteVariable current) throws RemoteFailure {
        try {
            if (current == null) {
                variables.create(desired);
            } else if (current.flags().hidden() != desired.flags().hidden()) {
                variables.delete(current.key(), current.environmentScope());
                variables.create(desired);
            } else {
                variables.update(desired);
            }
            return null;
        } catch (GitLabApiException e) {
            throw failure(e, "write " + desired.key(), desired.value());
        }
    }

    @Override
    public String delete(RemoteVariable variable) throws RemoteFailure {
        try {
            variables.delete(variable.key(), variable.environmentScope());
            return null;
        } catch (GitLabApiException e) {
            if (e.getHttpStatus() == 404) {
                return null; // already gone: the goal of a delete
            }
            throw failure(e, "delete " + variable.key(), null);
        }
    }

    private RemoteFailure failure(GitLabApiException e, String action, String value) {
        String message;
        if (e.getHttpStatus() == 0) {
            Throwable cause = e;
            boolean timedOut = false;
            for (Throwable t = e; t != null; t = t.getCause()) {
                cause = t;
                timedOut |= t instanceof java.net.SocketTimeoutException;
            }
            message = timedOut ? "GitLab " + spec.url() + " did not answer " + action + " in time"
                    : "GitLab " + spec.url() + " unreachable (" + cause.getClass().getSimpleName() + ", " + action
                            + ")";
        } else {
            String remote = e.hasValidationErrors() ? validation(e.getValidationErrors()) : e.getMessage();
            message = "GitLab answered " + e.getHttpStatus() + " to " + action + ": " + redact(remote, value);
        }
        String retry = e.getHeaders() == null ? null : e.getHeaders().getFirst("Retry-After");
        return RemoteFailure.fromStatus(e.getHttpStatus(), message, RemoteFailure.retryAfter(retry));
    }

    private static String validation(Map<String, List<String>> errors) {
        StringBuilder sb = new StringBuilder();
        errors.forEach((field, list) -> sb.append(sb.length() == 0 ? "" : "; ").append(field).append(' ')
                .append(String.join(", ", list)));
        return sb.toString();
    }

    private static String redact(String text, String value) {
        if (text == null) {
            return "(no message)";
        }
        String out = value == null || value.isEmpty() ? text : text.replace(value, "***");
        return out.length() > 400 ? out.substring(0, 400) + "…" : out;
    }

    @Override
    public void close() {
        api.close();
    }
}
