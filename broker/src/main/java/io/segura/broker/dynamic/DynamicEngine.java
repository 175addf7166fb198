// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A dynamic-secret engine (DESIGN §6a): creates a credential on demand and revokes it later, by the handle it gave.
 * One instance serves one configured name ({@code db/prod-readonly}).
 *
 * <p>The contract every engine keeps, because {@link DynamicSecrets} and {@link DynamicRevoker} rely on it:
 * <ul>
 *   <li>{@link #issue} either answers a credential that exists, or fails having left nothing behind (it cleans up a
 *       half-created credential itself). A dependency that is down is a {@code Refusal.unavailable} (503).</li>
 *   <li>{@link #revoke} is idempotent: revoking what is already gone succeeds. The revoker may repeat it after a
 *       crash between the engine's success and the broker's commit.</li>
 *   <li>The {@link RevocationHandle} holds no secret (it is stored in plain text); errors never quote one.</li>
 * </ul>
 *
 * <p>Extension point: an engine kind (the database engines in {@code dynamic.database}, the SSH CA in
 * {@code dynamic.ssh}) implements this and is registered in {@link DynamicEngines}.
 */
public interface DynamicEngine {

    /** The name jobs request and roles list, e.g. {@code db/prod-readonly}. */
    String name();

    /** The engine kind as written in the trust config: {@code postgresql}, {@code mysql}, … */
    String kind();

    /** The lease TTL when the request names none (still capped like any TTL). */
    Duration defaultTtl();

    /** The longest lease this engine grants; a request over it (or over the role's max-lease-ttl) is refused. */
    Duration maxTtl();

    Mono<IssuedCredential> issue(DynamicRequest request);

    Mono<Void> revoke(RevocationHandle handle);
}
