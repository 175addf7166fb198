#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The broker's share of `segura-cli exec -- true`: the same four HTTP calls (dev-issuer token, RFC 8693 exchange,
# lease, revoke) made by curl, plus `true`. startup.sh runs it beside the CLI as the floor no client can beat.
set -eu
U=${SEGURA_URL:?}
T=$(curl -fs -X POST "$U/dev/oidc/token" -d "sub=dev:${USER:-local}" | sed 's/.*"id_token":"\([^"]*\)".*/\1/')
S=$(curl -fs "$U/oauth2/token" -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
  -d subject_token_type=urn:ietf:params:oauth:token-type:jwt -d "subject_token=$T" \
  | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
curl -fs -o /dev/null -X POST "$U/api/v2/a2a/leases" -H "Authorization: Bearer $S" -H 'Content-Type: application/json' \
  -d '{"secrets": ["dev/bench/password"]}'
true
curl -fs -o /dev/null -X POST "$U/oauth2/revoke" -d "token=$S"
