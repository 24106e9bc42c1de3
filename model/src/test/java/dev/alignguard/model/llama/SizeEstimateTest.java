package dev.alignguard.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 11, item 2: sizes are estimated from the config before anything is allocated; overflows are named. */
class SizeEstimateTest {

    @Test
    void theParameterCountIsTheSumOfTheTensorsAModelHas() {
        LlamaConfig c = new LlamaConfig(83, 16, 40, 3, 4, 2, 13, 1e-5, 10000.0);
        long sum = LlamaModel.parameterShapes(c).values().stream().mapToLong(s -> (long) s[0] * s[1]).sum();
        assertEquals(sum, SizeEstimate.of(c).parameters());
        assertEquals(4 * sum, SizeEstimate.of(c).weightBytes());
        assertEquals(16 * sum, SizeEstimate.of(c).fullTrainingBytes());
    }

    @Test
    void aLlamaTwoSevenBConfigHasItsKnownParameterCount() {
        LlamaConfig c = new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 4096, 1e-5, 10000.0);
        assertEquals(6_738_415_616L, SizeEstimate.of(c).parameters(), "Llama-2-7B's published count");
    }

    @Test
    void aMillionLayersAreCountedWithoutAllocatingThem() {
        LlamaConfig c = new LlamaConfig(100, 64, 128, 1_000_000, 4, 4, 16, 1e-5, 10000.0);
        long perLayer = 2L * 64 * 64 + 2L * 64 * 64 + 3L * 128 * 64 + 2 * 64;
        assertEquals(1_000_000L * perLayer + 2L * 100 * 64 + 64, SizeEstimate.of(c).parameters());
    }

    @Test
    void tensorsThatOverflowAnIntAreRefusedNamingTheFields() {
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
            () -> SizeEstimate.of(new LlamaConfig(100, 65536, 65536, 1, 4, 4, 16, 1e-5, 10000.0)));
        assertTrue(wide.getMessage().contains("hidden_size x hidden_size = 65536 x 65536 = 4294967296 values")
            && wide.getMessage().contains("intermediate_size x hidden_size = 65536 x 65536")
            && wide.getMessage().contains("at most " + SizeEstimate.MAX_TENSOR_VALUES), wide.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
            () -> SizeEstimate.of(new LlamaConfig(100, 1_000_000_000, 64, 1, 4, 4, 16, 1e-5, 10000.0)));
        assertTrue(huge.getMessage().contains("vocab_size x hidden_size = 100 x 1000000000"), huge.getMessage());
        // just under the limit passes: 23170^2 = 536,848,900 values
        SizeEstimate.of(new LlamaConfig(10, 23170, 64, 1, 5, 5, 16, 1e-5, 10000.0));
    }

    @Test
    void anActivationLargerThanAnArrayIsNamed() {
        SizeEstimate s = SizeEstimate.of(new LlamaConfig(200_000, 64, 128, 1, 4, 4, 4096, 1e-5, 10000.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.activationBytes(4096, 4096));
        assertTrue(e.getMessage().contains("batch 4096 x sequence 4096 x vocab_size 200000 (the logits)"), e.getMessage());
        assertTrue(s.activationBytes(2, 8) > 0);
    }

    @Test
    void theXmxNeededRoundsUpWithAQuarterOfHeadroom() {
        assertEquals("-Xmx5g", SizeEstimate.xmxFor(4L << 30));
        assertEquals("-Xmx1g", SizeEstimate.xmxFor(1));
        assertEquals("25.1 GiB", SizeEstimate.bytes(6_738_415_616L * 4));
    }
}
