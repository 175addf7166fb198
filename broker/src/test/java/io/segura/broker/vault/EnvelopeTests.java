// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EnvelopeTests {

    static final MasterKey KEK = MasterKey.fromBase64(Base64.getEncoder().encodeToString(MasterKeyTests.bytes(32, 1)));
    static final MasterKey OTHER = MasterKey.fromBase64(Base64.getEncoder().encodeToString(MasterKeyTests.bytes(32, 2)));
    static final String VALUE = "s3cr3t-välue\nline2";

    private final Envelope envelope = new Envelope(KeyRing.of(KEK), new SecureRandom());

    @Test
    void openWhenSealedThenRoundTrips() {
        SealedValue s = envelope.seal("db/prod/password", 3, VALUE);
        assertThat(s.kekId()).isEqualTo(KEK.id());
        assertThat(s.nonce()).hasSize(12);
        assertThat(s.wrappedDek()).hasSize(12 + 32 + 16);
        assertThat(new String(s.ciphertext(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t");
        assertThat(envelope.open("db/prod/password", 3, s)).isEqualTo(VALUE);
    }

    @Test
    void sealWhenSameValueTwiceThenFreshNonceAndDekButSameFingerprint() {
        SealedValue a = envelope.seal("a", 1, VALUE);
        SealedValue b = envelope.seal("a", 1, VALUE);
        assertThat(a.nonce()).isNotEqualTo(b.nonce());
        assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
        assertThat(a.wrappedDek()).isNotEqualTo(b.wrappedDek());
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).hasSize(32);
        assertThat(Envelope.fingerprint(OTHER, VALUE)).isNotEqualTo(a.fingerprint());
    }

    @Test
    void openWhenMovedToAnotherPathOrVersionThenFails() {
        SealedValue s = envelope.seal("db/prod/password", 3, VALUE);
        assertThatThrownBy(() -> envelope.open("db/prod/password", 4, s))
                .isInstanceOf(VaultIntegrityException.class).hasMessageContaining("db/prod/password@4")
                .message().doesNotContain(VALUE);
        assertThatThrownBy(() -> envelope.open("db/dev/password", 3, s)).isInstanceOf(VaultIntegrityException.class);
    }

    @Test
    void openWhenCiphertextNonceOrWrappedKeyTamperedThenFails() {
        SealedValue s = envelope.seal("p", 1, VALUE);
        byte[] ct = s.ciphertext().clone();
        ct[0] ^= 1;
        byte[] nonce = s.nonce().clone();
        nonce[11] ^= 1;
        byte[] wrapped = s.wrappedDek().clone();
        wrapped[20] ^= 1;
        assertThatThrownBy(() -> envelope.open("p", 1, new SealedValue(s.kekId(), s.wrappedDek(), s.nonce(), ct,
                s.fingerprint()))).isInstanceOf(VaultIntegrityException.class).hasMessageContaining("value");
        assertThatThrownBy(() -> envelope.open("p", 1, new SealedValue(s.kekId(), s.wrappedDek(), nonce,
                s.ciphertext(), s.fingerprint()))).isInstanceOf(VaultIntegrityException.class);
        assertThatThrownBy(() -> envelope.open("p", 1, new SealedValue(s.kekId(), wrapped, s.nonce(),
                s.ciphertext(), s.fingerprint()))).isInstanceOf(VaultIntegrityException.class)
                .hasMessageContaining("wrapped key");
        assertThatThrownBy(() -> envelope.open("p", 1, new SealedValue(s.kekId(), Arrays.copyOf(wrapped, 40),
                s.nonce(), s.ciphertext(), s.fingerprint()))).isInstanceOf(VaultIntegrityException.class);
    }

    @Test
    void openWhenWrongKekThenFails() {
        SealedValue s = envelope.seal("p", 1, VALUE);
        Envelope other = new Envelope(KeyRing.of(OTHER), new SecureRandom());
        assertThatThrownBy(() -> other.open("p", 1, s)).isInstanceOf(VaultIntegrityException.class)
                .hasMessageContaining("not in the key ring");
        // A row relabelled with the other KEK's id is still refused: the wrap is authenticated under the real KEK.
        SealedValue relabelled = new SealedValue(OTHER.id(), s.wrappedDek(), s.nonce(), s.ciphertext(),
                s.fingerprint());
        assertThatThrownBy(() -> other.open("p", 1, relabelled)).isInstanceOf(VaultIntegrityException.class)
                .hasMessageContaining("authentication failed");
    }

    @Test
    void rewrapWhenRingHasNewCurrentThenOpensUnderNewKekOnly() {
        SealedValue old = envelope.seal("p", 2, VALUE);
        Envelope rotating = new Envelope(KeyRing.of(OTHER, KEK), new SecureRandom());
        SealedValue moved = rotating.rewrap("p", 2, old);
        assertThat(moved.kekId()).isEqualTo(OTHER.id());
        assertThat(moved.fingerprint()).isEqualTo(Envelope.fingerprint(OTHER, VALUE));
        assertThat(new Envelope(KeyRing.of(OTHER), new SecureRandom()).open("p", 2, moved)).isEqualTo(VALUE);
        assertThatThrownBy(() -> envelope.open("p", 2, moved)).isInstanceOf(VaultIntegrityException.class);
    }
}
