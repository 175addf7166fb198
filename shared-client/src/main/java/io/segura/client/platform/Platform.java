// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.util.Map;

/**
 * One CI platform as a job sees it (DESIGN §10, §12): how to recognise it from the environment, how to obtain the
 * job's identity exactly as the platform documents it, how to mask a value in the job log natively, how to hand a
 * value to later steps, and how to describe the run. Implementations are small and stateless; all I/O goes through
 * the {@link JobEnvironment} they are given, so each can be tested against a simulator of its platform.
 */
public interface Platform {

    /** Stable name, also accepted by {@code SEGURA_PLATFORM}: {@code github-actions}, {@code gitlab}, … */
    String name();

    /** Whether the current job runs on this platform (e.g. {@code GITHUB_ACTIONS=true}). */
    boolean detect(JobEnvironment env);

    /**
     * The job's identity for the broker: an OIDC token minted for {@code audience}, or client credentials where
     * the platform has no OIDC.
     *
     * @throws PlatformException with a message that says what to add when a prerequisite is missing
     *                           (e.g. {@code permissions: id-token: write})
     */
    Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException;

    /**
     * Registers {@code value} with the platform's own log masker, before the value is written anywhere. Returns
     * {@code false} where the platform cannot mask values at run time (GitLab, CircleCI, Bitbucket, Tekton): the
     * caller must then run the consumer under {@code segura-cli exec}, which masks the output itself.
     */
    boolean maskNatively(JobEnvironment env, String value) throws IOException;

    /**
     * Makes {@code name=value} available to later steps of the job the platform's way (GitHub {@code GITHUB_ENV}
     * heredoc, Azure {@code ##vso[task.setvariable …;issecret=true]}, a 0600 file elsewhere).
     *
     * @return a short human-readable note of where the value went, never the value
     */
    String export(JobEnvironment env, String name, String value) throws IOException;

    /**
     * Fails now when {@link #export} would refuse {@code value} (Azure DevOps: a multi-line secret variable without
     * {@code System.UnsafeAllowMultilineSecret}), so the caller can check every value before it masks or exports
     * any and a refused value leaves no other variable half set. Most platforms accept every value.
     *
     * @throws IOException with a message that names the variable and the setting or alternative to use
     */
    default void checkExportable(JobEnvironment env, String name, String value) throws IOException {
    }

    /** Platform, run and repository facts for {@code whoami} and audit context — never a token or secret. */
    Map<String, String> describe(JobEnvironment env);
}
