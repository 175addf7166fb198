// SPDX-License-Identifier: Apache-2.0
package io.segura.client.ssh;

import java.io.IOException;
import java.util.Map;

/**
 * Where an SSH certificate's key is made and its key and certificate files are kept: the machine where the job's
 * {@code ssh} runs. {@link SshCertificateFiles} is the one implementation of the files; a caller that runs elsewhere
 * (the Jenkins controller, whose block's steps run on an agent) runs it there through this interface.
 */
public interface CertificateFiles {

    /** {@link SshCertificateFiles#keyToCertify}: the request fields ({@code public_key}) for {@code name}. */
    Map<String, String> keyToCertify(String name) throws IOException, InterruptedException;

    /** {@link SshCertificateFiles#writeCertificate}: the {@code key} and {@code certificate} paths. */
    Map<String, String> writeCertificate(String name, String certificate) throws IOException, InterruptedException;
}
