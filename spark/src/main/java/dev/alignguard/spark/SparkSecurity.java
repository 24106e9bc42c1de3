package dev.alignguard.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.spark.SparkConf;

/**
 * Authentication and encryption for the Spark executor, on by default.
 *
 * <p>A standalone master and its workers run whatever a client that reaches their ports submits,
 * and a driver's ports accept executors; Spark authenticates these connections only when
 * {@code spark.authenticate} is on, with one shared secret per cluster (standalone) or per
 * application (YARN, Kubernetes, local). {@link #apply} turns it on, with AES encryption of RPC and
 * block transfers ({@code spark.network.crypto.enabled}), for every master:
 * <ul>
 *   <li><b>embedded</b> ({@code local[...]}): Spark makes a random secret for the application; the
 *       driver's two ports (RPC, block manager) are bound to 127.0.0.1 and refuse a client without it
 *       (another user of the machine, say);</li>
 *   <li><b>standalone</b> ({@code spark://}, {@code local-cluster}): the cluster's secret, read from
 *       the file named by {@value #SECRET_FILE_ENV} (it must not be readable by group or others) or
 *       from the variable {@value #SECRET_ENV}, or set in a properties file ({@code spark-defaults.conf},
 *       {@code --properties-file}); without one the run stops with a message saying how to set it, unless
 *       {@code spark.authenticate=false} is given, which runs unauthenticated with a warning;</li>
 *   <li><b>YARN, Kubernetes</b>: Spark makes the secret per application and hands it to the executors.</li>
 * </ul>
 * The secret is never taken from the command line ({@code --conf spark.authenticate.secret=...} or
 * {@code -Dspark.authenticate.secret=...}: every user of the machine can read a command line): such
 * a run stops with a message. Settings given explicitly ({@code --conf}, properties files) win over
 * these defaults, except that encryption without authentication is not possible in Spark.
 */
public final class SparkSecurity {

    /** The environment variable naming a file that holds the cluster's secret (first line, trimmed). */
    public static final String SECRET_FILE_ENV = "ALIGNGUARD_SPARK_SECRET_FILE";

    /** The environment variable holding the cluster's secret itself. */
    public static final String SECRET_ENV = "ALIGNGUARD_SPARK_SECRET";

    /** Spark's secret setting. */
    public static final String SECRET_KEY = "spark.authenticate.secret";

    /** The shortest secret accepted (16 characters; {@code openssl rand -hex 32} gives 64). */
    public static final int MIN_SECRET_CHARS = 16;

    /** The longest secret file read (4 KiB). */
    static final int MAX_SECRET_FILE_BYTES = 4096;

    private SparkSecurity() {
    }

    /**
     * Sets authentication and encryption on {@code conf} for its master (see the class comment),
     * taking the secret from {@code env}; {@code commandLine} is this JVM's arguments, checked for a
     * secret; warnings go to {@code err}.
     *
     * @throws IllegalArgumentException naming what to do: a secret on the command line, both or neither
     *                                  variable for a standalone master, a secret file that others can
     *                                  read, a secret that is too short
     */
    public static SparkConf apply(SparkConf conf, Map<String, String> env, List<String> commandLine, PrintStream err) {
        for (String arg : commandLine) {
            if (arg.contains(SECRET_KEY + "=")) {
                throw new IllegalArgumentException(SECRET_KEY + " was given on the command line, where every user of this"
                    + " machine can read it (ps, /proc); put the secret in a file only you can read (chmod 600) and set "
                    + SECRET_FILE_ENV + "=FILE, or set " + SECRET_ENV + " (or spark.authenticate.secret in a properties file)");
            }
        }
        String master = conf.get("spark.master", "local").trim();
        boolean explicitOff = conf.contains("spark.authenticate") && !conf.getBoolean("spark.authenticate", false);
        if (explicitOff) {
            err.println("WARNING: spark.authenticate=false: Spark's connections are not authenticated; anyone who can reach"
                + " the driver's or the cluster's ports can run code in them (spark/README.md, Security)");
            return conf;
        }
        String secret = secret(env);
        if (isStandalone(master)) {
            if (secret != null) {
                conf.set(SECRET_KEY, secret);
            } else if (!conf.contains(SECRET_KEY)) {
                throw new IllegalArgumentException("the standalone master " + master + " needs the cluster's shared secret"
                    + " (spark.authenticate; the master and workers must have the same one): write it to a file only you can"
                    + " read and set " + SECRET_FILE_ENV + "=FILE, or set " + SECRET_ENV + "; or pass --conf"
                    + " spark.authenticate=false to run unauthenticated (spark/README.md, Security)");
            }
        }
        conf.set("spark.authenticate", "true");
        conf.setIfMissing("spark.network.crypto.enabled", "true");
        if (!conf.getBoolean("spark.network.crypto.enabled", false)) {
            err.println("WARNING: spark.network.crypto.enabled=false: Spark's connections are authenticated but not"
                + " encrypted");
        }
        return conf;
    }

    /** {@link #apply} with this process's environment, JVM arguments and command, warnings to stderr. */
    public static SparkConf apply(SparkConf conf) {
        return apply(conf, System.getenv(), commandLine(), System.err);
    }

    /** This JVM's options and its main class with arguments (what {@code ps} shows). */
    static List<String> commandLine() {
        List<String> args = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        String command = System.getProperty("sun.java.command");
        if (command != null) {
            args.add(command);
        }
        return args;
    }

    /** Whether Spark wants the secret in the configuration for this master: standalone and local-cluster. */
    static boolean isStandalone(String master) {
        String m = master.toLowerCase(Locale.ROOT);
        return m.startsWith("spark://") || m.startsWith("local-cluster");
    }

    /** The secret from the environment, or null when neither variable is set. */
    static String secret(Map<String, String> env) {
        String file = blankToNull(env.get(SECRET_FILE_ENV));
        String value = blankToNull(env.get(SECRET_ENV));
        if (file != null && value != null) {
            throw new IllegalArgumentException("both " + SECRET_FILE_ENV + " and " + SECRET_ENV + " are set; set one");
        }
        String secret = file != null ? readSecretFile(Path.of(file)) : value == null ? null : value.strip();
        if (secret != null && secret.length() < MIN_SECRET_CHARS) {
            throw new IllegalArgumentException("the Spark secret" + (file != null ? " in " + file : " in " + SECRET_ENV)
                + " has " + secret.length() + " characters; use at least " + MIN_SECRET_CHARS
                + " (e.g. openssl rand -hex 32)");
        }
        return secret;
    }

    /** The first line of the file, trimmed; refused when group or others may read it, empty, or large. */
    static String readSecretFile(Path file) {
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new IllegalArgumentException("the Spark secret file " + file + " (" + SECRET_FILE_ENV + ") can be"
                        + " read by other users; chmod 600 " + file);
                }
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_SECRET_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_SECRET_FILE_BYTES) {
                throw new IllegalArgumentException("the Spark secret file " + file + " is over " + MAX_SECRET_FILE_BYTES
                    + " bytes; it should hold one line, the secret");
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            String secret = (nl < 0 ? text : text.substring(0, nl)).strip();
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("the Spark secret file " + file + " is empty");
            }
            return secret;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the Spark secret file " + file + " (" + SECRET_FILE_ENV + ") does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Spark secret file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
