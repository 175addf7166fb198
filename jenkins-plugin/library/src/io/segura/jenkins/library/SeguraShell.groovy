// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.library

/**
 * The delegate of a {@code withSegura} body ({@code Closure.DELEGATE_FIRST}): the body's {@code sh} calls land here
 * and run under {@code segura-cli exec --state-file …}, in the block's session. Only exec's children ever hold a
 * secret value, and exec masks their stdout and stderr (so {@code returnStdout} is masked too). Every other name in
 * the body resolves as usual (owner: the Jenkinsfile), so other steps run unchanged — and without secrets.
 *
 * Written for CPS: no closures handed to Java methods, the constructor calls no steps, state is serializable.
 */
class SeguraShell implements Serializable {

    private static final long serialVersionUID = 1L

    /** The {@code withSegura} script: its {@code sh}/{@code writeFile}/{@code error} are the real steps. */
    private final def steps
    /** The shell words that start the CLI, e.g. {@code segura-cli} or {@code java -jar '/…/segura-cli-….jar'}. */
    private final String cli
    /** Where each shebang script is written before exec runs it (the block's private temp directory). */
    private final String scriptDir
    private int scripts

    SeguraShell(def steps, String cli, String scriptDir) {
        this.steps = steps
        this.cli = cli
        this.scriptDir = scriptDir
    }

    /** {@code sh 'script'}: the string form. */
    def sh(CharSequence script) {
        return sh([script: script])
    }

    /** {@code sh script: …, returnStdout: …, returnStatus: …, encoding: …, label: …}: every other key passes through. */
    def sh(Map args) {
        if (args.script == null) {
            steps.error('withSegura: sh needs a script (sh \'…\' or sh script: \'…\')')
        }
        Map wrapped = [:]
        wrapped.putAll(args)
        wrapped.script = wrap(args.script.toString())
        return steps.sh(wrapped)
    }

    /** Not yet: see the README. Refused rather than run unmasked (it would get no secrets either). */
    def bat(Object args) {
        steps.error('withSegura (shared library): bat is not supported yet; run the block on a Unix agent, or use'
                + ' the Segura plugin\'s withSegura step, which masks every step')
    }

    /**
     * The outer script Jenkins runs: exec in the block's session, the user's script as its child. A plain script
     * runs as Jenkins runs it ({@code sh -xe}, so its trace, with expanded values, goes through exec's masker); a
     * {@code #!} script is written to a 0700 file and executed directly, as Jenkins does.
     */
    private String wrap(String script) {
        String exec = cli + ' exec --state-file "$SEGURA_STATE_FILE" --'
        if (!script.startsWith('#!')) {
            return exec + ' sh -xe -c ' + quote(script)
        }
        scripts++
        String file = scriptDir + '/script-' + scripts + '.sh'
        steps.writeFile(file: file, text: script)
        return 'chmod 700 ' + quote(file) + '\n' + exec + ' ' + quote(file)
    }

    /** POSIX single quotes: the script reaches exec's child byte for byte. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'"
    }
}
