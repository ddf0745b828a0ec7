package dev.edgewise.engine;

import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Activated LoRA against the fixture dumps (README §10): both adapter forms, teacher-forced through
 * {@link Model#logits(int[], int, List)}, held to the base-model conformance tolerances against the
 * exact and the llama.cpp references. Rows before the invocation must also equal the base model's
 * own logits, and the adapter must change the rows from it on.
 */
class AloraReferenceTest {

    static Stream<ReferenceDump> dumps() throws IOException {
        List<ReferenceDump> all = ReferenceDump.all(Fixtures.root(), "lora/ref").stream().filter(ReferenceDump::alora).toList();
        assertThat(all).as("aLoRA dumps").hasSizeGreaterThanOrEqualTo(2);
        return all.stream();
    }

    @TestFactory
    Stream<DynamicTest> aloraDumpsMatchBothReferences() throws IOException {
        return dumps().flatMap(d -> Stream.of(false, true).map(peft -> DynamicTest.dynamicTest(d.name() + (peft ? " (PEFT)" : " (GGUF)"), () -> {
            ReferenceDump.Applied applied = d.lora().getFirst();
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) ((List<Object>) d.json().get("lora")).getFirst();
            int[] invocation = ((List<?>) entry.get("alora_invocation_tokens")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            int firstAdapted = ((Number) entry.get("alora_first_adapted_row")).intValue();
            int[] tokens = d.sequence();
            try (Model model = Model.load(d.model(), ReferenceLogitsTest.exactOptions())) {
                Path path = peft ? applied.peft() : applied.gguf();
                LoraAdapter adapter = model.loadAdapter(path, AdapterPrecision.F32);
                assertThat(adapter.activated()).isTrue();
                assertThat(adapter.invocationTokens()).containsExactly(invocation);
                assertThat(AdapterActivation.invocationStart(d.ints("prompt_tokens"), invocation)).isEqualTo(firstAdapted);
                List<ScaledAdapter> set = List.of(new ScaledAdapter(adapter, applied.userScale()));

                LogitsTrace trace = model.logits(tokens, 0, set);
                ReferenceLogitsTest.check(d, trace);

                // rows before the invocation are the base model's (up to the float rounding of other batch tiles), later ones are not
                LogitsTrace base = model.logits(tokens, 0);
                double before = 0, after = Double.MAX_VALUE;
                for (int r = 0; r < tokens.length; r++) {
                    double diff = 0;
                    for (int v = 0; v < d.vocab(); v++) diff = Math.max(diff, Math.abs(trace.rows()[r][v] - base.rows()[r][v]));
                    if (r < firstAdapted) before = Math.max(before, diff);
                    else after = Math.min(after, diff);
                }
                assertThat(before).as("%s: max |aLoRA - base| on rows before %d", d.name(), firstAdapted).isLessThan(1e-4);
                assertThat(after).as("%s: min over adapted rows of max |aLoRA - base|", d.name()).isGreaterThan(1.0);
            }
        })));
    }
}
