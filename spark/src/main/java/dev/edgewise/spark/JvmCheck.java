package dev.edgewise.spark;

/** Checks that a JVM about to load a model can run Edgewise's Vector API kernels. */
final class JvmCheck {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private JvmCheck() {}

    /**
     * @throws IllegalStateException naming the JVM options to add, when the Vector API module is not
     *                               in the boot layer ({@code --add-modules jdk.incubator.vector})
     */
    static void requireVectorModule() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            throw new IllegalStateException("Edgewise needs the JVM option '--add-modules " + VECTOR_MODULE + "' on every JVM that runs a model"
                    + " (this one, Java " + Runtime.version().feature() + ", lacks it): add it to spark.executor.extraJavaOptions"
                    + " (and to spark.driver.extraJavaOptions in local mode, or to the JVM's own options)");
        }
    }
}
