// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Segura broker: {@code java -jar segura-broker.jar [--dev]}. */
@SpringBootApplication
public class SeguraBrokerApplication {

    public static void main(String[] args) {
        SpringApplication.run(SeguraBrokerApplication.class, args);
    }
}
