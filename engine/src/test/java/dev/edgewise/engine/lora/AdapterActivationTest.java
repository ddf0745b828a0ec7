package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.edgewise.engine.lora.AdapterActivation.invocationStart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PEFT's activated-LoRA boundary rule, and how it assigns adapter slots to rows. */
class AdapterActivationTest {
    static final int A = 7, B = 8, C = 9;
    static final ModelConfig CONFIG = SyntheticAdapter.smallConfig();
    static LoraAdapter alora, plain, otherAlora;

    @BeforeAll
    static void setUp() {
        alora = LoraAdapter.synthetic(CONFIG, 2, 4, 1, AdapterPrecision.F32, new int[]{A, B});
        otherAlora = LoraAdapter.synthetic(CONFIG, 2, 4, 2, AdapterPrecision.F32, new int[]{C});
        plain = LoraAdapter.synthetic(CONFIG, 2, 4, 3, AdapterPrecision.F32);
    }

    @AfterAll
    static void tearDown() {
        alora.close();
        otherAlora.close();
        plain.close();
    }

    @Test
    void theLastOccurrenceOfTheWholeSequenceStartsTheAdaptedRows() {
        assertThat(invocationStart(new int[]{A, B, 1, 2, A, B, 3}, new int[]{A, B})).isEqualTo(4);
        assertThat(invocationStart(new int[]{1, 2, A, B}, new int[]{A, B})).as("at the very end").isEqualTo(2);
        assertThat(invocationStart(new int[]{A, B, 1}, new int[]{A, B})).as("at the very start").isZero();
        assertThat(invocationStart(new int[]{A, B}, new int[]{A, B})).as("the whole prompt").isZero();
    }

    @Test
    void overlappingAndPartialMatchesDoNotHideAnOccurrence() {
        // llama-server's backward scan misses this one (a failed partial match skips the token); PEFT finds it
        assertThat(invocationStart(new int[]{1, A, B, B}, new int[]{A, B})).isEqualTo(1);
        assertThat(invocationStart(new int[]{A, A, B, 2}, new int[]{A, B})).isEqualTo(1);
        assertThat(invocationStart(new int[]{A, A, A}, new int[]{A, A})).as("overlapping occurrences: the last start").isEqualTo(1);
        assertThat(invocationStart(new int[]{A, B, A, B, A}, new int[]{A, B, A})).isEqualTo(2);
    }

    @Test
    void anAbsentSequenceIsNotFound() {
        assertThat(invocationStart(new int[]{1, 2, 3}, new int[]{A, B})).isEqualTo(-1);
        assertThat(invocationStart(new int[]{1, 2, A}, new int[]{A, B})).as("a prefix at the end is no occurrence").isEqualTo(-1);
        assertThat(invocationStart(new int[]{B}, new int[]{A, B})).as("shorter than the sequence").isEqualTo(-1);
        assertThat(invocationStart(new int[0], new int[]{A})).isEqualTo(-1);
    }

    @Test
    void slotsFollowTheRule() {
        List<List<ScaledAdapter>> registered = new ArrayList<>();
        AdapterActivation on = AdapterActivation.of(List.of(new ScaledAdapter(alora, 1f)), new int[]{1, 2, A, B, 3}, s -> {
            registered.add(s);
            return 5;
        });
        assertThat(on.state()).isEqualTo(AdapterActivation.State.FROM_INVOCATION);
        assertThat(on.start()).isEqualTo(2);
        assertThat(new int[]{on.slotAt(0), on.slotAt(1), on.slotAt(2), on.slotAt(3), on.slotAt(4)}).containsExactly(-1, -1, 5, 5, 5);
        assertThat(on.generatedSlot()).isEqualTo(5);
        assertThat(on.invocationMissing()).isFalse();
        assertThat(registered).hasSize(1);

        AdapterActivation off = AdapterActivation.of(List.of(new ScaledAdapter(alora, 1f)), new int[]{1, A, 2, B}, s -> 5);
        assertThat(off.state()).isEqualTo(AdapterActivation.State.INVOCATION_ABSENT);
        assertThat(off.invocationMissing()).isTrue();
        assertThat(new int[]{off.slotAt(0), off.slotAt(3), off.generatedSlot()}).containsOnly(-1);

        AdapterActivation always = AdapterActivation.of(List.of(new ScaledAdapter(plain, 1f)), new int[]{1, 2}, s -> 3);
        assertThat(new int[]{always.slotAt(0), always.slotAt(1), always.generatedSlot()}).containsOnly(3);
        assertThat(always.state()).isEqualTo(AdapterActivation.State.ALWAYS);

        assertThat(AdapterActivation.of(List.of(), new int[]{1}, s -> 9)).isEqualTo(AdapterActivation.NONE);
        assertThat(AdapterActivation.NONE.slotAt(0)).isEqualTo(-1);
        assertThat(AdapterActivation.NONE.generatedSlot()).isEqualTo(-1);
    }

    @Test
    void anActivatedLoraIsAlwaysAloneInARequest() {
        for (List<ScaledAdapter> set : List.of(
                List.of(new ScaledAdapter(alora, 1f), new ScaledAdapter(plain, 1f)),
                List.of(new ScaledAdapter(plain, 1f), new ScaledAdapter(alora, 1f)),
                List.of(new ScaledAdapter(alora, 1f), new ScaledAdapter(otherAlora, 1f)))) {
            assertThatThrownBy(() -> AdapterActivation.of(set, new int[]{A, B, C}, s -> {
                throw new AssertionError("an invalid set must not be registered");
            })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("activated LoRA").hasMessageContaining("cannot be combined with other adapters");
        }
        // two plain adapters add up as before
        AdapterActivation two = AdapterActivation.of(List.of(new ScaledAdapter(plain, 1f), new ScaledAdapter(plain, 0.5f)), new int[]{1}, s -> 0);
        assertThat(two.state()).isEqualTo(AdapterActivation.State.ALWAYS);
    }

    @Test
    void theAdapterKnowsItsInvocation() {
        assertThat(alora.activated()).isTrue();
        assertThat(alora.invocationTokens()).containsExactly(A, B);
        assertThat(plain.activated()).isFalse();
        assertThat(plain.invocationTokens()).isEmpty();
        assertThat(alora.toString()).contains("aLoRA invocation [7, 8]");
        assertThatThrownBy(() -> LoraAdapter.synthetic(CONFIG, 2, 4, 1, AdapterPrecision.F32, new int[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty aLoRA invocation");
    }
}
