// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code ssh} dynamic-secret engine (DESIGN §6a): an OpenSSH user-certificate authority.
 *
 * <p>Each engine is a {@link io.segura.broker.dynamic.ssh.SshEngine}, a
 * {@link io.segura.broker.dynamic.DynamicEngine} like the database engines, so requests, leases, audit and revocation
 * take the one shared path ({@code DynamicSecrets}, {@code DynamicRevoker}). It delegates to the
 * {@link io.segura.broker.dynamic.ssh.SshCertificateAuthority}: {@code sign(SshSignRequest)} →
 * {@link io.segura.broker.dynamic.ssh.SignedCertificate} (serial, key id, principals, validity, the
 * {@code …-cert-v01@openssh.com} line), and {@code revoke(engine, serial)} when the lease ends, which only marks the
 * certificate for the KRL: a certificate cannot be revoked early on a host that does not load the KRL, so its
 * validity (the lease's expiry) is the guarantee. {@code sign} refuses with {@link io.segura.broker.Refusal}s (bad or
 * disallowed public key, TTL over {@code max-ttl}, principal the run context cannot fill: 422) and writes its
 * {@code ssh_certificates} row on the caller's transaction if there is one.
 *
 * <p>Formats follow OpenSSH's own specifications: certificates PROTOCOL.certkeys
 * ({@link io.segura.broker.dynamic.ssh.UserCertificate}), revocation lists PROTOCOL.krl
 * ({@link io.segura.broker.dynamic.ssh.KeyRevocationList}), CA keys the {@code openssh-key-v1} private-key format
 * ({@link io.segura.broker.dynamic.ssh.CaKey}); key material through BouncyCastle's lightweight API. CA keys live in
 * the vault store at each engine's {@code ca-key-secret} ({@code SshCaKeys}); only their fingerprints are ever logged.
 *
 * <p>Departures from DESIGN §9's sketch, and why: an engine's name must be {@code ssh/<name>} because {@code <name>}
 * is the CA's URL segment ({@code /api/v2/ssh/<name>/krl}); without {@code extensions} a certificate carries none
 * (least privilege; {@code ssh-keygen}'s default would permit PTY and every forwarding); RSA user keys are signed only
 * when the engine lists {@code ssh-rsa} in {@code key-types}; an RSA CA key is refused (Ed25519 or ECDSA only).
 */
package io.segura.broker.dynamic.ssh;
