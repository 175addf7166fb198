// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.segura.broker.dev.DevMode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Segura broker: {@code java -jar segura-broker.jar} with the environment of DESIGN §9, or
 * {@code java -jar segura-broker.jar --dev} for the embedded dev mode; with {@code -Dsegura.training-run=true} it
 * starts, exercises itself and exits ({@link TrainingRun}).
 */
// The broker builds its own pool and runs Flyway itself from SEGURA_DATABASE_URL (DatabaseConfiguration).
@SpringBootApplication(excludeName = {
        "org.springframework.boot.r2dbc.autoconfigure.R2dbcInitializationAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
public class SeguraBrokerApplication {

    public static void main(String[] args) throws Exception {
        SpringApplication app = new SpringApplication(SeguraBrokerApplication.class);
        String[] rest = args;
        if (Arrays.asList(args).contains(DevMode.FLAG)) {
            rest = Arrays.stream(args).filter(a -> !DevMode.FLAG.equals(a)).toArray(String[]::new);
            Map<String, Object> props;
            try {
                props = DevMode.prepare(Path.of(".segura-dev"), System.getenv(), System.out);
            } catch (DevMode.RefusedException e) {
                System.err.println("segura-broker: " + e.getMessage());
                System.exit(2);
                return;
            }
            // Dev settings win over the environment: dev mode must never open a real database.
            props.forEach((k, v) -> System.setProperty(k, v.toString()));
        }
        boolean training = TrainingRun.requested();
        if (training) {
            TrainingRun.SERVER.forEach(System::setProperty);
        }
        ConfigurableApplicationContext context = app.run(rest);
        if (training) {
            int status = 0;
            try {
                TrainingRun.exercise(context);
            } catch (Exception e) {
                // an archive trained on a broken start would be worse than none: the build or the operator sees it
                System.err.println("segura-broker: " + e.getMessage());
                status = 1;
            }
            int exit = SpringApplication.exit(context);
            System.exit(status != 0 ? status : exit);
        }
    }
}
