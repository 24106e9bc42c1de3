package dev.alignguard.experiments.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** The method seam: kinds come from the sealed interface, params are typed, defaults live in one place. */
class MethodCatalogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theKindsAreExactlyThePermittedRecords() {
        assertEquals(List.of("lora", "l2", "ewc", "alignguard", "alignguard_adaptive", "random_subspace", "hard_projection", "safe_lora"),
            MethodCatalog.kinds());
        assertEquals(Method.class.getPermittedSubclasses().length, MethodCatalog.kinds().size());
        Arrays.stream(Method.class.getPermittedSubclasses()).forEach(c -> assertTrue(c.isRecord(), c + " is a record"));
    }

    @Test
    void paramsAreTypedWithDefaults() throws Exception {
        AlignGuard ag = (AlignGuard) MethodCatalog.read("ag", "alignguard",
            JSON.readTree("{\"lambda_t\": 0.001, \"lambda_nc\": 0.1, \"geodesic\": \"literal\", \"stability\": \"kfac\"}"));
        assertEquals(0.001, ag.lambdaT());
        assertEquals(0.1, ag.lambdaNC());
        assertEquals(0.5, ag.alpha(), "the default");
        assertEquals(AlignGuard.Geodesic.LITERAL, ag.geodesic());
        assertEquals(AlignGuard.Stability.KFAC, ag.stability());
        assertEquals(0.3, ag.settings(0.3).lambdaA(), "the swept strength is λA");
        assertEquals(0.1, ag.settings(Double.NaN).lambdaA(), "lambda_a when nothing is swept");
    }

    @Test
    void aMisspelledParameterIsRefusedNamingItAndTheAcceptedKeys() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("my_ag", "alignguard", JSON.readTree("{\"lamda_t\": 0.5}")));
        assertTrue(e.getMessage().contains("my_ag"), e.getMessage());
        assertTrue(e.getMessage().contains("'lamda_t'"), e.getMessage());
        assertTrue(e.getMessage().contains("lambda_t, lambda_nc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("plain", "lora", JSON.readTree("{\"lambda\": 1}")));
        assertTrue(e.getMessage().contains("lora accepts no parameters"), e.getMessage());
    }

    @Test
    void badValuesAndKindsAreRefused() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("ag", "alignguard", JSON.readTree("{\"alpha\": 2}"))).getMessage().contains("alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("ag", "alignguard", JSON.readTree("{\"stability\": \"hessian\"}"))).getMessage()
            .contains("identity, diagonal, kfac"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("x", "magic", null)).getMessage().contains("expected one of [lora"));
    }

    @Test
    void theControlTakesExactlyAlignGuardsParameters() throws Exception {
        Method m = MethodCatalog.read("ctl", "random_subspace", JSON.readTree("{\"lambda_nc\": 0.1}"));
        RandomSubspace r = assertInstanceOf(RandomSubspace.class, m);
        assertEquals(0.1, r.terms().lambdaNC());
        assertEquals(MethodCatalog.parameters(AlignGuard.class).keySet(), MethodCatalog.parameters(RandomSubspace.class).keySet());
        assertEquals(JSON.readTree("{\"lambda_nc\": 0.1}").get("lambda_nc"), MethodCatalog.params(m).get("lambda_nc"));
        assertThrows(IllegalArgumentException.class,
            () -> MethodCatalog.read("ctl", "random_subspace", JSON.readTree("{\"lamda_nc\": 0.1}")));
    }

    @Test
    void paramsRoundTripThroughTheirJson() {
        for (String kind : MethodCatalog.kinds()) {
            Method m = MethodCatalog.read("m", kind, null);
            assertEquals(m, MethodCatalog.read("m", kind, MethodCatalog.params(m)), kind);
            assertEquals(kind, m.kind());
        }
    }

    @Test
    void theListingNamesEveryKindAndParameter() {
        String listing = MethodCatalog.describeAll();
        for (String kind : MethodCatalog.kinds()) {
            assertTrue(listing.contains(kind + " — "), kind);
        }
        assertTrue(listing.contains("lambda_t"), listing);
        assertTrue(listing.contains("stability"), listing);
    }
}
