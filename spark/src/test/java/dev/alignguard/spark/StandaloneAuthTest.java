package dev.alignguard.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.DeployMessages;
import org.apache.spark.deploy.master.Master;
import org.apache.spark.deploy.worker.Worker;
import org.apache.spark.rpc.RpcAddress;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import scala.Option;
import scala.reflect.ClassTag$;

/**
 * A standalone cluster with authentication and encryption, in this JVM on 127.0.0.1 (random ports):
 * a master and two workers started through their Java entry points, one worker with the cluster's
 * secret and one with another. The worker with the secret registers, the other does not; a client
 * with the secret gets the master's state, a client with another secret or none is refused. The
 * settings are the ones spark/README.md tells a cluster's properties file to hold. It runs in a JVM of
 * its own (surefire execution {@code standalone-auth}) with {@code SPARK_LOCAL_IP=127.0.0.1}, the
 * only way to bind the master's and workers' web UIs to loopback.
 */
@Timeout(120)
class StandaloneAuthTest {

    static final String SECRET = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c";
    static final String OTHER = "0000000000000000aaaaaaaaaaaaaaaa";

    @TempDir
    static Path dir;

    static final List<RpcEnv> STARTED = new ArrayList<>();
    static RpcAddress master;
    static RpcAddress worker;
    static RpcAddress intruder;

    /** What the master's and workers' properties file holds (spark/README.md, Security). */
    static SparkConf daemonConf(String secret) {
        SparkConf conf = new SparkConf(false)
            .set("spark.authenticate", "true")
            .set("spark.network.crypto.enabled", "true")
            .set("spark.master.rest.enabled", "false")
            .set("spark.ui.killEnabled", "false")
            .set("spark.rpc.lookupTimeout", "20s")
            .set("spark.rpc.askTimeout", "20s");
        return secret == null ? conf : conf.set(SparkSecurity.SECRET_KEY, secret);
    }

    @BeforeAll
    static void cluster() {
        assumeTrue("127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP")), "runs in the standalone-auth execution");
        RpcEnv m = Master.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, daemonConf(SECRET))._1();
        STARTED.add(m);
        master = m.address();
        String url = "spark://" + master.hostPort();
        // the intruder starts first, so it has tried to register by the time the good worker has
        RpcEnv bad = Worker.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, 1, 256, new String[] {url},
            dir.resolve("intruder").toString(), Option.empty(), daemonConf(OTHER), Option.empty());
        STARTED.add(bad);
        intruder = bad.address();
        RpcEnv good = Worker.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, 1, 256, new String[] {url},
            dir.resolve("worker").toString(), Option.empty(), daemonConf(SECRET), Option.empty());
        STARTED.add(good);
        worker = good.address();
    }

    @AfterAll
    static void stop() {
        for (RpcEnv env : STARTED) {
            env.shutdown();
        }
        for (RpcEnv env : STARTED) {
            env.awaitTermination();
        }
    }

    /** The master's state as a client with this configuration sees it; throws when the master refuses the client. */
    static DeployMessages.MasterStateResponse state(SparkConf conf) {
        SecurityManager security = new SecurityManager(conf, Option.empty(),
            org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
        RpcEnv client = RpcEnv.create("client", "127.0.0.1", 0, conf, security, true);
        try {
            return client.setupEndpointRef(master, "Master").askSync(DeployMessages.RequestMasterState$.MODULE$,
                ClassTag$.MODULE$.apply(DeployMessages.MasterStateResponse.class));
        } finally {
            client.shutdown();
            client.awaitTermination();
        }
    }

    @Test
    void onlyTheWorkerWithTheSecretRegisters() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        DeployMessages.MasterStateResponse s = state(daemonConf(SECRET));
        while (s.workers().length == 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            s = state(daemonConf(SECRET));
        }
        List<String> workers = Arrays.stream(s.workers()).map(w -> w.hostPort() + " " + w.state()).toList();
        assertEquals(List.of(worker.hostPort() + " ALIVE"), workers, "the intruder was " + intruder.hostPort());
    }

    @Test
    void aClientWithAnotherSecretOrNoneIsRefused() {
        state(daemonConf(SECRET)); // the same client code with the secret is let in
        Exception other = assertThrows(Exception.class, () -> state(daemonConf(OTHER)));
        Exception none = assertThrows(Exception.class, () -> state(new SparkConf(false).set("spark.rpc.lookupTimeout", "20s")));
        assertTrue(EmbeddedSecurityTest.causes(none).contains("SASL"), EmbeddedSecurityTest.causes(none));
        assertTrue(other.getMessage() != null, EmbeddedSecurityTest.causes(other));
    }

    @Test
    void theMasterAndWorkersListenOnlyOnLoopback() throws Exception {
        assumeTrue(ListeningSockets.available(), "needs Linux's /proc");
        List<InetSocketAddress> listening = ListeningSockets.ofThisProcess();
        List<Integer> ports = listening.stream().map(InetSocketAddress::getPort).toList();
        assertTrue(ports.containsAll(List.of(master.port(), worker.port(), intruder.port())),
            "the master's and workers' RPC ports among " + listening);
        for (InetSocketAddress a : listening) {
            assertTrue(a.getAddress().isLoopbackAddress(), "listening beyond loopback: " + a + " (all: " + listening + ")");
        }
    }
}
