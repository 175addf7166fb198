// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.DynamicCredential;
import io.segura.client.SecretSpec;
import io.segura.client.masking.SecretVariants;
import java.util.List;
import java.util.Locale;

/**
 * Bamboo hides a variable's value in build logs by the variable's <em>name</em>: names containing {@code password}
 * or {@code secret} (in any case — "awsSecretKeyPassword" is masked; Bamboo's {@code PasswordMaskingUtils} also
 * lists {@code passphrase} and {@code sshkey}, PLATFORMS.md §7.2). The task only accepts names with {@code secret}
 * or {@code password}, the two every supported Bamboo version masks, and refuses the rest before it asks the broker
 * for anything: a value under another name would be printed in clear.
 *
 * <p>Bamboo masks the whole value within one log line, so a multi-line value echoed line by line, or a value printed
 * base64- or URL-encoded, would not be hidden. The task therefore adds one extra masked variable per such form
 * (DESIGN §11: the lines and encodings of {@link SecretVariants}), named {@code segura.secret.mask.<NAME>.<n>}.
 *
 * <p>A dynamic database credential's URL and password are secret, so a spec giving either needs such a name too; its
 * {@code username}, {@code host}, {@code port} and {@code database} may go under any name. The URL and password
 * themselves, with their forms, are masked variables in any case ({@code segura.secret.mask.dynamic.<NAME>.<n>}), as
 * {@code segura-cli exec} masks them whichever fields a job binds. An SSH certificate's specs give file paths, a serial
 * and principals, none secret, and take any name; the lines of the private key file made for it are masked variables
 * ({@code segura.secret.mask.ssh.key.<n>}), should a Script task print the file.
 */
public final class BambooMasking {

    /** Shorter forms would mask unrelated text all over the log (DESIGN §11). */
    static final int MINIMUM_FORM_LENGTH = 4;
    static final String FORM_PREFIX = "segura.secret.mask.";

    private BambooMasking() {
    }

    /** Whether Bamboo masks the value of a variable of this name. */
    public static boolean masks(String variableName) {
        String n = variableName.toLowerCase(Locale.ROOT);
        return n.contains("secret") || n.contains("password");
    }

    /**
     * Refuses specs whose variable Bamboo would not mask, naming the spec and the fix.
     *
     * @throws TaskFailure for the first such spec
     */
    static void requireMasked(List<SecretSpec> specs) throws TaskFailure {
        for (SecretSpec s : specs) {
            if (s.dynamic() && SecretSpec.isSsh(s.path())) {
                continue; // file paths, a serial, principals: a certificate proves nothing without its key's file
            }
            if (s.dynamic() && s.field() != null && DynamicCredential.PUBLIC_FIELDS.contains(s.field())) {
                continue; // a user name, host, port or database proves nothing: any name will do
            }
            if (!masks(s.envName())) {
                throw new TaskFailure("Variable " + s.envName() + " (for " + s.ref() + ") would not be masked:"
                        + " Bamboo hides only variables whose names contain \"secret\" or \"password\". Fix: name it"
                        + " so in the task's Secrets field, e.g. \"" + s.ref() + " > " + s.envName() + "_SECRET\".");
            }
        }
    }

    /** The extra forms of {@code value} to register as masked variables: its lines and encodings, not itself. */
    static List<String> extraForms(String value) {
        return SecretVariants.of(value, MINIMUM_FORM_LENGTH).stream().filter(f -> !f.equals(value)).toList();
    }
}
