package dev.alignguard.legal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ThirdPartyListTest {

    @Test
    void readsALineOfThePluginsTemplate() {
        Dependency d = ThirdPartyList.parse(
            "org.glassfish.hk2:hk2-api:3.0.6\tprovided\tHK2 API module\thttps://example.org\tEPL 2.0 | GPL2 w/ CPE", "x:1");
        assertEquals(new Dependency("org.glassfish.hk2", "hk2-api", "3.0.6", "provided", "HK2 API module",
            "https://example.org", List.of("EPL 2.0", "GPL2 w/ CPE")), d);
        assertEquals("org.glassfish.hk2:hk2-api", d.key());
    }

    @Test
    void thePluginsUnknownLicenceMarkerAndAnEmptyFieldMeanNoLicence() {
        assertEquals(List.of(), ThirdPartyList.parse("oro:oro:2.0.8\tprovided\toro\t\tUnknown license", "x:1").licences());
        assertEquals(List.of(), ThirdPartyList.parse("oro:oro:2.0.8\t\toro\t\t", "x:1").licences());
        assertEquals("compile", ThirdPartyList.parse("oro:oro:2.0.8\t\toro\t\t", "x:1").scope());
    }

    @Test
    void malformedLinesAreRefusedWithTheirPlace() {
        var e = assertThrows(IllegalArgumentException.class, () -> ThirdPartyList.parse("a:b:1\tcompile\tname", "list.tsv:7"));
        assertTrue(e.getMessage().startsWith("list.tsv:7: expected 5 tab-separated fields"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ThirdPartyList.parse("a:b\tcompile\tn\tu\tMIT", "list.tsv:2"));
        assertTrue(e.getMessage().contains("groupId:artifactId:version"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ThirdPartyList.parse("a:b:1\tsystem\tn\tu\tMIT", "list.tsv:3"));
        assertTrue(e.getMessage().contains("unknown scope 'system'"), e.getMessage());
    }

    @Test
    void mergingKeepsOneEntryPerVersionWithItsWidestScope() {
        Dependency testScoped = LicenceCheckTest.dependency("a:b:1", "test", "MIT");
        Dependency provided = LicenceCheckTest.dependency("a:b:1", "provided", "MIT");
        Dependency compile = LicenceCheckTest.dependency("a:b:1", "compile", "MIT");
        Dependency other = LicenceCheckTest.dependency("a:b:2", "test", "MIT");
        List<Dependency> merged = ThirdPartyList.merge(List.of(List.of(testScoped, other), List.of(compile), List.of(provided)));
        assertEquals(List.of(compile, other), merged);
        assertEquals(List.of(provided), ThirdPartyList.merge(List.of(List.of(testScoped), List.of(provided))));
    }
}
