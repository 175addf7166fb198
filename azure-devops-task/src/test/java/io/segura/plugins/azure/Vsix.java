// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.azure;

import io.segura.testkit.cli.CliBuild;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The {@code .vsix} the build packaged with tfx (a zip), unpacked as the agent unpacks a task it downloads. */
final class Vsix {

    private Vsix() {
    }

    static Path built() {
        return CliBuild.existing("segura.azure.vsix", "the module's build packages it: ./mvnw -pl azure-devops-task -am"
                + " verify");
    }

    /** Extracts {@code vsix} into {@code dir}; returns {@code dir}. */
    static Path unpack(Path vsix, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(vsix); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = dir.resolve(e.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("zip entry outside the target directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
        return dir;
    }
}
