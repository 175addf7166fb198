#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The one script behind every step of the orb (commands exec, fetch, revoke and the deploy-gate job), inlined into
# each by `orb pack` from <<include(scripts/segura.sh)>>. It only wires: it checks the parameters (each error names the
# parameter and its fix, exit 2 as the CLI's usage errors), maps them onto the CLI's SEGURA_* variables and runs
# segura-cli, which does the work. Parameters come in as PARAM_* variables set by the step's `environment:`, because
# parameter syntax inside an included script is escaped by the packer.
set -eo pipefail

step="${SEGURA_ORB_STEP:-}"

usage_error() {
  printf 'segura/%s: %s\n' "${step:-step}" "$1" >&2
  exit 2
}

required() {
  [ -n "$2" ] || usage_error "parameter \`$1\` is empty: $3"
}

case "$step" in
  exec | fetch | revoke | deploy-gate) ;;
  *) usage_error "SEGURA_ORB_STEP is '$step': the orb's steps set it to exec, fetch, revoke or deploy-gate" ;;
esac

if ! command -v segura-cli >/dev/null 2>&1; then
  usage_error "segura-cli is not on the PATH: run the job in the orb's executor (executor: segura/default) or add \
the CLI to your image (see the segura-cli README)"
fi

# The broker URL is checked here so that the error names the orb's parameter, not SEGURA_URL.
connect() {
  required url "${PARAM_URL:-}" "set it to the broker's base URL, e.g. url: https://segura.example.com"
  case "$PARAM_URL" in
    https://?* | http://127.0.0.1 | http://127.0.0.1[:/]* | http://localhost | http://localhost[:/]* \
      | http://\[::1\] | http://\[::1\][:/]*) ;;
    *) usage_error "parameter \`url\` is '$PARAM_URL': it must be an https:// URL (http:// only for a broker on \
loopback), e.g. url: https://segura.example.com" ;;
  esac
  if [ -n "${PARAM_TTL:-}" ] && ! [[ "$PARAM_TTL" =~ ^[1-9][0-9]*[smhd]$ ]]; then
    usage_error "parameter \`ttl\` is '$PARAM_TTL': give a duration like 15m (a number and s, m, h or d), or leave \
it empty for the role's maximum"
  fi
  if [ -n "${PARAM_CA_CERT:-}" ] && ! [ -r "$PARAM_CA_CERT" ]; then
    usage_error "parameter \`ca_cert\` names '$PARAM_CA_CERT', which is not a readable file: give the path of a PEM \
file in the job, or leave it empty to trust the system's CAs"
  fi
  export SEGURA_PLATFORM=circleci
  export SEGURA_URL="$PARAM_URL"
  # Empty parameters stay unset: the CLI's defaults apply (the one matching role, audience = url, the role's TTL).
  if [ -n "${PARAM_ROLE:-}" ]; then export SEGURA_ROLE="$PARAM_ROLE"; fi
  if [ -n "${PARAM_AUDIENCE:-}" ]; then export SEGURA_AUDIENCE="$PARAM_AUDIENCE"; fi
  if [ -n "${PARAM_TTL:-}" ]; then export SEGURA_TTL="$PARAM_TTL"; fi
  if [ -n "${PARAM_CA_CERT:-}" ]; then export SEGURA_CA_CERT="$PARAM_CA_CERT"; fi
  if [ -n "${PARAM_SECRETS:-}" ]; then export SEGURA_SECRETS="$PARAM_SECRETS"; fi
}

case "$step" in
  exec)
    connect
    required command "${PARAM_COMMAND:-}" "give the command to run with the secrets, e.g. command: ./deploy.sh"
    # The command runs in bash -eo pipefail like any run step, with the secrets in its environment only and its
    # output masked; segura-cli renews the lease while it runs, revokes the session when it ends and exits with
    # the command's code.
    exec segura-cli exec -- bash -eo pipefail -c "$PARAM_COMMAND"
    ;;
  fetch)
    connect
    required secrets "${PARAM_SECRETS:-}" "list what to fetch, one per line or ';'-separated, e.g. \
secrets: db/prod/password > DB_PASSWORD"
    if [ -n "${SEGURA_STATE_FILE:-}" ] && [ -f "$SEGURA_STATE_FILE" ]; then
      usage_error "segura/fetch already ran in this job and its session is still open ($SEGURA_STATE_FILE): fetch \
every secret in one step, or run segura/revoke before fetching again"
    fi
    if [ -z "${BASH_ENV:-}" ]; then
      usage_error "BASH_ENV is not set: fetch hands the file's location to later steps through \$BASH_ENV, which \
CircleCI sets in every job: run fetch as a step of a CircleCI job"
    fi
    # A private directory outside the checkout, so persist_to_workspace or store_artifacts of the project never
    # picks the values up. segura-cli writes the values to its .segura/segura.env (0600).
    dir="$(mktemp -d "${TMPDIR:-/tmp}/segura.XXXXXXXX")"
    (cd "$dir" && segura-cli fetch --state-file "$dir/session.json")
    # Only locations reach $BASH_ENV, never a value: CircleCI sources it before every later step, where set -x or
    # an SSH rerun would show what it exports.
    {
      printf 'export SEGURA_ENV_FILE=%q\n' "$dir/.segura/segura.env"
      printf 'export SEGURA_STATE_FILE=%q\n' "$dir/session.json"
    } >>"$BASH_ENV"
    echo "segura/fetch: the secrets are in \$SEGURA_ENV_FILE (0600); a step that needs them runs"
    echo "  . \"\$SEGURA_ENV_FILE\""
    echo "segura/fetch: CircleCI cannot mask them there: prefer segura/exec for commands that may print them"
    ;;
  revoke)
    # Whatever happened before (when: always): revoke the session fetch kept, then delete the secrets' file.
    status=0
    if [ -n "${SEGURA_STATE_FILE:-}" ]; then
      segura-cli revoke --state-file "$SEGURA_STATE_FILE" || status=$?
    else
      echo "segura/revoke: no session to revoke (segura/fetch did not run in this job)"
    fi
    if [ -n "${SEGURA_ENV_FILE:-}" ] && [ -f "$SEGURA_ENV_FILE" ]; then
      rm -f "$SEGURA_ENV_FILE"
      rmdir "${SEGURA_ENV_FILE%/*}" "${SEGURA_ENV_FILE%/.segura/*}" 2>/dev/null || true
      echo "segura/revoke: removed the secrets' file"
    fi
    exit "$status"
    ;;
  deploy-gate)
    connect
    # A dry run: exit 0 when the role would release the secrets to this job now, 3 with the reasons when a policy
    # blocks it, 4 when the role refuses this job's identity. Nothing is leased.
    exec segura-cli policy check
    ;;
esac
