// SPDX-License-Identifier: Apache-2.0
/**
 * OIDC federation (DESIGN §3, §14): turns a CI job's ID token into a {@link io.segura.broker.federation.VerifiedToken}
 * with a normalized run context, or a precise refusal.
 *
 * <pre>
 *  raw token ─► TokenVerifier ─ size ─ JWS parse ─ iss (exact / anchored pattern) ─ alg allowlist
 *                    │                                                   │
 *                    │        IssuerKeys.Source ◄── kid ─────────────────┘
 *                    │          cached KeySet ── hit ──► signature ─ exp ─ nbf ─ iat ─ lifetime ─ aud ─ sub
 *                    │          miss ─► single-flight refresh (≤ 1 per 30 s) ─► discovery ─► JWKS     │
 *                    │                     outage, nothing cached ─► IssuerUnavailableException (503)  │
 *                    └──────────────────────────────────────────────── ReplayStore (jti) ◄─────────────┘
 *                                                                           │
 *                                                        PresetMapping ─► RunContext ─► VerifiedToken
 * </pre>
 *
 * <table>
 *   <caption>Caches (per broker replica, DESIGN §15)</caption>
 *   <tr><th>cache</th><th>key</th><th>lifetime</th><th>purpose</th></tr>
 *   <tr><td>{@code IssuerKeys}</td><td>issuer name (+ matched {@code iss} for issuer-pattern issuers, at most
 *       256)</td><td>15 min, then refreshed in the background; kept through outages; unknown kid refreshes at
 *       most once per 30 s</td><td>signing keys with ready verifiers</td></tr>
 *   <tr><td>{@code jti_replay} table</td><td>(issuer name, jti)</td><td>token exp + clock skew, then
 *       {@code purgeExpired}</td><td>single use across all replicas</td></tr>
 * </table>
 *
 * <p>Refusal messages ({@link io.segura.broker.federation.TokenRejectedException}) quote only the token's own values;
 * configured audiences, issuer patterns, limits and keys never appear in them.
 */
package io.segura.broker.federation;
