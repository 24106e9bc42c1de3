package dev.alignguard.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the secret may come from, and what each master gets (no Spark context is started here). */
class SparkSecurityTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    SparkConf apply(SparkConf conf, Map<String, String> env, List<String> commandLine) {
        return SparkSecurity.apply(conf, env, commandLine, new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    String warnings() {
        return warnings.toString(StandardCharsets.UTF_8);
    }

    Path secretFile(String content, String perms) throws IOException {
        Path f = dir.resolve("secret");
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void embeddedModeIsAuthenticatedAndEncryptedWithSparksOwnSecret() {
        SparkConf conf = apply(SparkExecutor.configureWithoutSecurity(new SparkConf(false), 2), Map.of(), List.of());
        assertEquals("local[2,2]", conf.get("spark.master"));
        assertEquals("true", conf.get("spark.authenticate"));
        assertEquals("true", conf.get("spark.network.crypto.enabled"));
        assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"));
        assertFalse(conf.contains(SparkSecurity.SECRET_KEY), "local mode: Spark makes a secret per application");
    }

    @Test
    void aStandaloneMasterGetsTheSecretFromTheFileOrTheVariable() throws IOException {
        Path file = secretFile(SECRET + "\n", "rw-------");
        SparkConf fromFile = apply(new SparkConf(false).setMaster("spark://10.0.0.1:7077"),
            Map.of(SparkSecurity.SECRET_FILE_ENV, file.toString()), List.of());
        assertEquals(SECRET, fromFile.get(SparkSecurity.SECRET_KEY));
        assertEquals("true", fromFile.get("spark.authenticate"));
        assertEquals("true", fromFile.get("spark.network.crypto.enabled"));
        SparkConf fromVariable = apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(SparkSecurity.SECRET_ENV, SECRET),
            List.of());
        assertEquals(SECRET, fromVariable.get(SparkSecurity.SECRET_KEY));
        SparkConf fromProperties = apply(new SparkConf(false).setMaster("spark://h:7077").set(SparkSecurity.SECRET_KEY, SECRET),
            Map.of(), List.of());
        assertEquals(SECRET, fromProperties.get(SparkSecurity.SECRET_KEY), "spark-defaults.conf or --properties-file");
    }

    @Test
    void aStandaloneMasterWithoutASecretStopsSayingHowToSetOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(), List.of()));
        assertTrue(e.getMessage().contains(SparkSecurity.SECRET_FILE_ENV) && e.getMessage().contains("spark.authenticate=false"),
            e.getMessage());
    }

    @Test
    void runningUnauthenticatedIsAnExplicitChoiceWithAWarning() {
        SparkConf conf = apply(new SparkConf(false).setMaster("spark://h:7077").set("spark.authenticate", "false"), Map.of(),
            List.of());
        assertEquals("false", conf.get("spark.authenticate"));
        assertFalse(conf.contains("spark.network.crypto.enabled"));
        assertTrue(warnings().contains("WARNING: spark.authenticate=false"), warnings());
    }

    @Test
    void yarnAndKubernetesMakeTheirOwnSecret() {
        for (String master : List.of("yarn", "k8s://https://api:6443")) {
            SparkConf conf = apply(new SparkConf(false).setMaster(master), Map.of(), List.of());
            assertEquals("true", conf.get("spark.authenticate"), master);
            assertEquals("true", conf.get("spark.network.crypto.enabled"), master);
            assertFalse(conf.contains(SparkSecurity.SECRET_KEY), master);
        }
    }

    @Test
    void aSecretOnTheCommandLineIsRefused() {
        for (String arg : List.of("-Dspark.authenticate.secret=" + SECRET,
            "org.apache.spark.deploy.SparkSubmit --conf spark.authenticate.secret=" + SECRET + " app.jar")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(SparkSecurity.SECRET_ENV, SECRET),
                    List.of("-Xss8m", arg)));
            assertTrue(e.getMessage().contains("command line") && !e.getMessage().contains(SECRET), e.getMessage());
        }
        apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(SparkSecurity.SECRET_ENV, SECRET),
            List.of("-Dspark.authenticate.secret.file=/etc/spark/secret")); // a path is not a secret
    }

    @Test
    void aSecretFileOthersCanReadOrAWeakSecretIsRefused() throws IOException {
        Path open = secretFile(SECRET, "rw-r--r--");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(SparkSecurity.SECRET_FILE_ENV, open.toString()),
                List.of()));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Path shortOne = secretFile("abc\n", "rw-------");
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
            () -> apply(new SparkConf(false).setMaster("spark://h:7077"), Map.of(SparkSecurity.SECRET_FILE_ENV, shortOne.toString()),
                List.of()));
        assertTrue(s.getMessage().contains("at least 16"), s.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
            () -> apply(new SparkConf(false).setMaster("spark://h:7077"),
                Map.of(SparkSecurity.SECRET_FILE_ENV, shortOne.toString(), SparkSecurity.SECRET_ENV, SECRET), List.of()));
        assertTrue(both.getMessage().contains("set one"), both.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> apply(new SparkConf(false).setMaster("spark://h:7077"),
                Map.of(SparkSecurity.SECRET_FILE_ENV, dir.resolve("nope").toString()), List.of()));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void sparkMainRefusesTheSecretAsAConfOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            SparkMain.Run run = new SparkMain.Run();
            run.conf.put(SparkSecurity.SECRET_KEY, SECRET);
            run.call();
        });
        assertTrue(e.getMessage().contains(SparkSecurity.SECRET_FILE_ENV) && !e.getMessage().contains(SECRET), e.getMessage());
    }
}
