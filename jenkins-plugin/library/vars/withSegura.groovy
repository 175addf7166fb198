// SPDX-License-Identifier: Apache-2.0
import groovy.transform.Field
import io.segura.jenkins.library.SeguraShell

// The CLI release this library version runs when segura-cli is not on the agent's PATH. A release of the library
// pins both; this development version pins none, so it needs segura-cli on the PATH or cliUrl: with cliSha256:.
@Field static final String CLI_URL = ''
@Field static final String CLI_SHA256 = ''

@Field static final List<String> ARGUMENTS = ['role', 'secrets', 'credentialsId', 'idTokenCredentialsId', 'url',
        'audience', 'ttl', 'caCert', 'cliUrl', 'cliSha256']

/**
 * withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client') { sh '…' }
 *
 * Opens one broker session for the block (segura-cli fetch, which leases every secret once and so fails early with
 * the broker's reason), runs every sh of the body under `segura-cli exec --state-file` in that session (exec puts
 * the values in its child's environment and masks the child's output), and revokes the session in a finally.
 */
def call(Map args = [:], Closure body) {
    // an index loop: a CPS program may be serialized inside a loop, and a key set's iterator is not serializable
    List<String> keys = new ArrayList<String>(args.keySet())
    for (int i = 0; i < keys.size(); i++) {
        String key = keys[i]
        if (!ARGUMENTS.contains(key)) {
            error("withSegura: unknown argument '${key}'; the arguments are ${ARGUMENTS.join(', ')}")
        }
    }
    String secrets = specs(args.secrets)
    String url = args.url ?: env.SEGURA_URL
    if (!url) {
        error('withSegura: no broker URL: pass url: \'https://segura.example.com\' or set SEGURA_URL')
    }
    if (args.credentialsId && args.idTokenCredentialsId) {
        error('withSegura: give credentialsId (client credentials) or idTokenCredentialsId (an oidc-provider id'
                + ' token), not both')
    }
    if (!isUnix()) {
        error('withSegura (shared library) needs a Unix agent for now: it runs each sh under segura-cli exec.'
                + ' On Windows use the Segura plugin\'s withSegura step')
    }
    String tmp = pwd(tmp: true)
    String cli = cliCommand(args, tmp)
    String blockDir = tmp + '/segura-' + UUID.randomUUID().toString()
    List<String> vars = ["SEGURA_URL=${url}", "SEGURA_SECRETS=${secrets}",
            "SEGURA_STATE_FILE=${blockDir}/session.json"]
    if (args.role) {
        vars << "SEGURA_ROLE=${args.role}"
    }
    if (args.audience) {
        vars << "SEGURA_AUDIENCE=${args.audience}"
    }
    if (args.ttl) {
        vars << "SEGURA_TTL=${args.ttl}"
    }
    if (args.caCert) {
        vars << "SEGURA_CA_CERT=${args.caCert}"
    }
    withEnv(vars) {
        Map opened = withIdentity(args) {
            quietly('umask 077\nmkdir -p "$(dirname "$SEGURA_STATE_FILE")"\n'
                    + cli + ' fetch --export-env false --state-file "$SEGURA_STATE_FILE"')
        }
        if (opened.status != 0) {
            quietly('rm -rf "$(dirname "$SEGURA_STATE_FILE")"')
            error("withSegura: no session for role '${args.role ?: '(the one that matches)'}' at ${url}"
                    + " (segura-cli exit ${opened.status}: ${exitMeaning(opened.status)}):\n${opened.output}")
        }
        echo("withSegura: session open for role '${args.role ?: '(the one that matches)'}'; each sh in this block"
                + ' runs under segura-cli exec (output masked); the session is revoked when the block ends')
        try {
            body.resolveStrategy = Closure.DELEGATE_FIRST
            body.delegate = new SeguraShell(this, cli, blockDir)
            return body()
        } finally {
            Map revoked = quietly(cli + ' revoke --state-file "$SEGURA_STATE_FILE"\nstatus=$?\n'
                    + 'rm -rf "$(dirname "$SEGURA_STATE_FILE")"\nexit $status')
            if (revoked.status == 0) {
                echo('withSegura: session revoked')
            } else {
                echo("withSegura: warning: could not revoke the session (segura-cli exit ${revoked.status}); it ends"
                        + " at the role's session-ttl:\n${revoked.output}")
            }
        }
    }
}

/** The secret specs as SEGURA_SECRETS: one per line (a String may already hold lines or ';'-separated specs). */
private String specs(Object secrets) {
    if (secrets instanceof CharSequence && secrets.toString().trim()) {
        return secrets.toString()
    }
    if (secrets instanceof List && !secrets.isEmpty()) {
        return secrets.join('\n')
    }
    error('withSegura: secrets is required, e.g. secrets: \'db/prod/password > DB_PASSWORD\' (or a list of specs)')
}

/** The identity for the session's exchange only: the body's steps never see it. */
private Map withIdentity(Map args, Closure exchange) {
    Map result
    if (args.credentialsId) {
        withCredentials([usernamePassword(credentialsId: args.credentialsId, usernameVariable: 'SEGURA_CLIENT_ID',
                passwordVariable: 'SEGURA_CLIENT_SECRET')]) {
            result = exchange()
        }
    } else if (args.idTokenCredentialsId) {
        withCredentials([string(credentialsId: args.idTokenCredentialsId, variable: 'SEGURA_ID_TOKEN')]) {
            result = exchange()
        }
    } else {
        result = exchange()
    }
    return result
}

/**
 * The shell words that start segura-cli: the one on the agent's PATH, else the pinned release jar (or cliUrl:
 * with cliSha256:) downloaded into the workspace's temp directory and checked against its SHA-256 before any use.
 */
private String cliCommand(Map args, String tmp) {
    boolean download = args.cliUrl || args.cliSha256
    if (!download && sh(script: 'command -v segura-cli >/dev/null 2>&1', returnStatus: true) == 0) {
        return 'segura-cli'
    }
    String url = args.cliUrl ?: CLI_URL
    String sha = (args.cliSha256 ?: CLI_SHA256).toString().toLowerCase()
    if (!url || !sha) {
        error('withSegura: segura-cli is not on this agent\'s PATH and this library version pins no CLI release:'
                + ' put segura-cli on the PATH, or pass cliUrl: with cliSha256: (the jar\'s SHA-256)')
    }
    if (!(sha ==~ /[0-9a-f]{64}/)) {
        error("withSegura: cliSha256 must be 64 hex digits (a SHA-256), not '${sha}'")
    }
    String jar = tmp + '/segura-cli/segura-cli-' + sha + '.jar'
    Map got
    withEnv(["SEGURA_CLI_URL=${url}", "SEGURA_CLI_SHA256=${sha}", "SEGURA_CLI_JAR=${jar}"]) {
        got = quietly(downloadScript())
    }
    if (got.status != 0) {
        error("withSegura: could not get segura-cli from ${url}:\n${got.output}")
    }
    return '"${JAVA_HOME:+$JAVA_HOME/bin/}java" -jar ' + SeguraShell.quote(jar)
}

/** Downloads SEGURA_CLI_URL to SEGURA_CLI_JAR unless a copy with the right checksum is there; 3 on a mismatch. */
private String downloadScript() {
    return '''\
set -e
sum() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d ' ' -f 1; }
if [ -f "$SEGURA_CLI_JAR" ] && [ "$(sum "$SEGURA_CLI_JAR")" = "$SEGURA_CLI_SHA256" ]; then exit 0; fi
mkdir -p "$(dirname "$SEGURA_CLI_JAR")"
part="$SEGURA_CLI_JAR.part.$$"
rm -f "$part"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 3 -o "$part" "$SEGURA_CLI_URL" || { echo "download failed (curl exit $?)"; rm -f "$part"; exit 5; }
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$part" "$SEGURA_CLI_URL" || { echo "download failed (wget exit $?)"; rm -f "$part"; exit 5; }
else
  echo "neither curl nor wget is on this agent's PATH"; exit 2
fi
actual="$(sum "$part")"
if [ "$actual" != "$SEGURA_CLI_SHA256" ]; then
  rm -f "$part"
  echo "SHA-256 mismatch, refused: the download has $actual, the pinned checksum is $SEGURA_CLI_SHA256"
  exit 3
fi
mv -f "$part" "$SEGURA_CLI_JAR"
'''
}

/**
 * Runs a script whose own output is diagnostics (never a secret value: fetch and revoke print none), and returns
 * [status: exit code, output: stdout and stderr] instead of failing the build, so the caller can say what failed.
 */
private Map quietly(String script) {
    // +x: Jenkins runs sh with -xe; the trace of this plumbing would bury the CLI's message
    // the empty echo ends output that lacks a final newline, so the status is always a line of its own
    String out = sh(script: 'set +ex\n(\n' + script + '\n) 2>&1\nstatus=$?\necho\necho "segura-status=$status"',
            returnStdout: true)
    List<String> lines = out.readLines()
    int status = lines ? (lines[-1] - 'segura-status=') as int : 1
    // fetch's advice to use exec is what this library does for every sh: leave it out
    List<String> shown = []
    for (int i = 0; i < lines.size() - 1; i++) {
        if (!lines[i].contains('cannot mask values in its log')) {
            shown << lines[i]
        }
    }
    return [status: status, output: shown.join('\n').trim()]
}

private String exitMeaning(int status) {
    switch (status) {
        case 2: return 'usage or configuration'
        case 3: return 'blocked by policy'
        case 4: return 'authentication or authorization refused'
        case 5: return 'broker unavailable'
        default: return 'failed'
    }
}
