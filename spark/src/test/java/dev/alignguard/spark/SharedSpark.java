package dev.alignguard.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One embedded Spark context (local[2,2]: two slots, two attempts per task) for every test in the fork. */
final class SharedSpark {

    private static JavaSparkContext context;

    private SharedSpark() {
    }

    static synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = SparkExecutor.configure(new SparkConf().setAppName("alignguard-spark-tests")
                .setMaster("local[2,2]"), 2);
            context = new JavaSparkContext(conf);
            Runtime.getRuntime().addShutdownHook(new Thread(context::stop));
        }
        return context;
    }
}
