package dev.alignguard.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.Test;

import scala.Option;

/**
 * The embedded Spark ({@code local[N,F]} as {@link SparkExecutor#configure} sets it up): which ports
 * it listens on, on which interface, and that they refuse a client without the application's secret.
 * Uses Spark's own RPC layer ({@code RpcEnv}, {@code SecurityManager}; Scala-private, public in the
 * bytecode) as the client.
 */
class EmbeddedSecurityTest {

    @Test
    void embeddedSparkListensOnlyOnLoopbackOnTheDriverAndBlockManagerPorts() throws IOException {
        assumeTrue(ListeningSockets.available(), "needs Linux's /proc");
        JavaSparkContext sc = SharedSpark.context();
        sc.parallelize(List.of(1, 2, 3), 2).count(); // everything started
        int driverPort = Integer.parseInt(sc.getConf().get("spark.driver.port"));
        int blockManagerPort = SparkEnv.get().blockManager().blockManagerId().port();
        List<InetSocketAddress> listening = ListeningSockets.ofThisProcess();
        Set<Integer> ports = new TreeSet<>();
        for (InetSocketAddress a : listening) {
            assertTrue(a.getAddress().isLoopbackAddress(), "listening beyond loopback: " + a + " (all: " + listening + ")");
            ports.add(a.getPort());
        }
        assertEquals(new TreeSet<>(List.of(driverPort, blockManagerPort)), ports, "listening: " + listening);
    }

    @Test
    void embeddedSparkIsAuthenticatedAndRefusesAClientWithoutTheSecret() {
        JavaSparkContext sc = SharedSpark.context();
        assertEquals("true", sc.getConf().get("spark.authenticate"));
        assertEquals("true", sc.getConf().get("spark.network.crypto.enabled"));
        var driver = SparkEnv.get().rpcEnv().address();
        // With authentication on, this JVM's client finds the application's secret where Spark keeps it
        // in local mode (the user's Hadoop credentials): it connects. Without, it is refused.
        assertTrue(connects(new SparkConf(false).set("spark.authenticate", "true").set("spark.network.crypto.enabled", "true"),
            driver), "a client with the secret connects");
        Exception refused = assertThrows(Exception.class, () -> connects(new SparkConf(false), driver));
        assertTrue(causes(refused).contains("SASL"), "refused by the authentication handshake: " + causes(refused));
    }

    static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" <- ");
        }
        return b.toString();
    }

    /** Looks up the driver's heartbeat endpoint from a client RpcEnv with this configuration; throws when refused. */
    static boolean connects(SparkConf conf, org.apache.spark.rpc.RpcAddress address) {
        conf.set("spark.rpc.lookupTimeout", "20s").set("spark.rpc.askTimeout", "20s");
        SecurityManager security = new SecurityManager(conf, Option.empty(),
            org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
        RpcEnv client = RpcEnv.create("probe", "127.0.0.1", 0, conf, security, true);
        try {
            client.setupEndpointRef(address, "HeartbeatReceiver");
            return true;
        } finally {
            client.shutdown();
            client.awaitTermination();
        }
    }
}
