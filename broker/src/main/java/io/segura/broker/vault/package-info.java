// SPDX-License-Identifier: Apache-2.0
/**
 * The encrypted vault store (DESIGN §6).
 *
 * <p>Key hierarchy: the {@link io.segura.broker.vault.MasterKey} (KEK, from {@code SEGURA_MASTER_KEY[_FILE]}) never
 * touches a value. Each immutable version gets its own random 256-bit DEK; the value is AES-256-GCM under the DEK
 * (AAD {@code path@version}) and the DEK is AES-256-GCM under the KEK (AAD binding path, version and KEK id), so a row
 * copied to another path or version, or relabelled with another KEK id, fails to open. A fingerprint
 * {@code HMAC-SHA256(HKDF-SHA256(KEK, "segura fingerprint v1"), value)} lets an exposure report that carries the leaked
 * value find its version without decrypting anything. The {@link io.segura.broker.vault.KeyRing} keeps retired KEKs
 * so rows open until a master-key rotation ({@link io.segura.broker.vault.RekeyJobs}) re-wraps them.
 *
 * <p>Values leave this package only inside {@link io.segura.broker.vault.SecretValue}, whose {@code toString()}
 * redacts them; exceptions name paths and versions only.
 */
package io.segura.broker.vault;
