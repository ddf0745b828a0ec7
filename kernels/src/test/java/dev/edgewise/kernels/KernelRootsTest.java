package dev.edgewise.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two properties that keep C2 from compiling a kernel into slow code, checked on the class files
 * (deterministic, unlike timing or allocation, which depend on what the JIT compiled first):
 * <ul>
 * <li>No method of a kernel class takes or returns a vector. A vector handed to a call C2 leaves
 *     out of line is boxed (a heap object per call).</li>
 * <li>The kernels on the default decode paths are compilations of their own: over C2's
 *     {@code FreqInlineSize} bytecodes, so never inlined into a caller. Inlined into a dispatcher
 *     beside other kernels, a compilation outgrows C2's node budget and the Vector API calls left out
 *     of line run their allocating Java fallbacks: the packed Q4_0 tile did so in one server JVM out
 *     of three (a single stream at 9-18 instead of 60 tok/s).</li>
 * </ul>
 */
class KernelRootsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"QuantKernels", "ElementKernels", "KQuantKernels", "FloatTiles"})
    void noMethodTakesOrReturnsAVector(String className) throws IOException {
        List<String> offending = new ArrayList<>();
        for (MethodModel m : classModel(className).methods()) {
            MethodTypeDesc type = m.methodTypeSymbol();
            if (Stream.concat(Stream.of(type.returnType()), type.parameterList().stream()).anyMatch(KernelRootsTest::isVector)) {
                offending.add(m.methodName().stringValue() + type.displayDescriptor());
            }
        }
        assertThat(offending).as("methods of %s with a vector in their signature", className).isEmpty();
    }

    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({
            "IntegerKernels, int8Tile1",          // packed Q4_0 against one vector: every Q4_0 decode step
            "IntegerKernels, int8Sums4",          // packed Q4_0 against four vectors: prompts and branches
            "KQuantIntegerKernels, q4_KTile1",    // the K-quants on integers (the default): Q4_K_M files
            "KQuantIntegerKernels, q5_KTile1",
            "KQuantIntegerKernels, q6_KTile1",    // the output matrix of Q4_K_M files from 1.5B up
            "Q8Q5IntegerKernels, q8_0Tile1",       // packed Q8_0 against one vector: Q8_0 files, the output matrix of 0.5B Q4_0 files
            "Q8Q5IntegerKernels, q5_0Tile1",       // packed Q5_0: most of a 0.5B Q4_K_M file's layers
            "QuantKernels, q8_0Rows",             // Q8_0 on float activations (--exact-activations, -Dedgewise.int8.blocks=false)
            "ElementKernels, f16Tile1",           // F16 against one vector: F16 files
            "QuantKernels, q5_0Tile1",
            "KQuantKernels, q6_KTile1",
            "VectorKernels, softmaxRows",         // attention's softmax, from a parallel loop's body in every layer
    })
    void decodeKernelsAreCompiledOnTheirOwn(String className, String method) throws IOException {
        int limit = freqInlineSize();
        List<MethodModel> found = classModel(className).methods().stream().filter(m -> m.methodName().equalsString(method)).toList();
        assertThat(found).as("%s.%s", className, method).isNotEmpty();
        for (MethodModel m : found) {
            int length = m.findAttribute(java.lang.classfile.Attributes.code()).map(CodeAttribute::codeLength).orElse(0);
            assertThat(length).as("bytecodes of %s.%s (C2 inlines hot methods up to FreqInlineSize = %d)", className, method, limit)
                    .isGreaterThan(limit);
        }
    }

    @Test
    void freqInlineSizeIsReadFromTheRunningJvm() {
        assertThat(freqInlineSize()).isBetween(35, 10_000);
    }

    private static boolean isVector(ClassDesc type) {
        return !type.isPrimitive() && !type.isArray() && type.packageName().equals("jdk.incubator.vector");
    }

    private static int freqInlineSize() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return Integer.parseInt(hotspot.getVMOption("FreqInlineSize").getValue());
    }

    private static ClassModel classModel(String simpleName) throws IOException {
        try (InputStream in = KernelRootsTest.class.getResourceAsStream(simpleName + ".class")) {
            assertThat(in).as(simpleName + ".class").isNotNull();
            return ClassFile.of().parse(in.readAllBytes());
        }
    }
}
