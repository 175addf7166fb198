// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HkdfTests {

    private static final HexFormat HEX = HexFormat.of();

    /** RFC 5869 Appendix A, test cases 1 and 3 (3: empty salt and info). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "A.1, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 000102030405060708090a0b0c, f0f1f2f3f4f5f6f7f8f9, 42,"
            + "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5,"
            + "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        "A.3, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, '', '', 42,"
            + "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04,"
            + "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    })
    void deriveWhenRfc5869VectorThenMatches(String name, String ikm, String salt, String info, int length,
            String prk, String okm) {
        byte[] s = salt == null ? new byte[0] : HEX.parseHex(salt);
        byte[] i = info == null ? new byte[0] : HEX.parseHex(info);
        assertThat(HEX.formatHex(Hkdf.extract(s, HEX.parseHex(ikm)))).isEqualTo(prk);
        assertThat(HEX.formatHex(Hkdf.derive(s, HEX.parseHex(ikm), i, length))).isEqualTo(okm);
    }
}
