// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

/**
 * An OAuth 2.0 client for platforms without job OIDC (Bamboo, Jenkins without oidc-provider). Exactly one of
 * {@code secretSha256} (hex SHA-256 of the client secret, used with HTTP Basic) and {@code mtlsSubject}
 * (RFC 2253 subject DN of the client certificate) is set.
 */
public record ClientSpec(String id, String secretSha256, String mtlsSubject, SourceLocation at) {
}
