package dev.edgewise.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The tests' Spark: local mode, 2 task threads, a failed task tried up to 4 times ({@code local[2,4]}),
 * one session for every test class of the JVM (Spark allows one context per JVM).
 */
final class LocalSpark {
    private LocalSpark() {}

    static SparkSession session() {
        return SparkSession.builder()
                .master("local[2,4]")
                .appName("edgewise-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }
}
