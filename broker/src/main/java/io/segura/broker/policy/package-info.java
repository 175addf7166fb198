// SPDX-License-Identifier: Apache-2.0
/**
 * The deployment gate (DESIGN §7): CEL role conditions and policies compiled once when the trust config loads,
 * evaluated on every exchange (conditions) and lease (policies), and the dry run behind
 * {@code POST /api/v2/policy/evaluate}. No web types here; the edge lives in {@code io.segura.broker.web}.
 */
package io.segura.broker.policy;
