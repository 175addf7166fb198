// SPDX-License-Identifier: Apache-2.0
/**
 * Log masking for CI jobs (DESIGN §11): {@link io.segura.client.masking.Masker} compiles a set of secrets and their
 * encoded forms ({@link io.segura.client.masking.SecretVariants}) into one immutable multi-pattern automaton;
 * {@link io.segura.client.masking.MaskingOutputStream} applies it to a byte stream, however the secrets are split
 * across writes. JDK only, no dependencies, so it loads in any CI server's class loader.
 */
package io.segura.client.masking;
