package dev.alignguard.legal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class LicenceTableTest {

    @Test
    void theProjectsTableReadsAndResolvesNamesIgnoringCaseAndSpaces() throws IOException {
        LicenceTable t = LicenceCheckTest.projectTable();
        assertEquals(Optional.of("Apache-2.0"), t.idOf("the apache   software license, version 2.0"));
        assertEquals(Optional.of("Apache-2.0"), t.idOf("Apache-2.0"));
        assertEquals(Optional.empty(), t.idOf("GNU Lesser General Public Licence"), "ambiguous: no version");
        assertEquals("LGPL-2.1-or-later", t.correction("org.jfree:jfreechart").orElseThrow().ids().getFirst());
    }

    static IllegalArgumentException refused(String... lines) {
        return assertThrows(IllegalArgumentException.class, () -> LicenceTable.parse(List.of(lines), "t.tsv"));
    }

    @Test
    void inconsistentTablesAreRefused() {
        String apache = "licence\tApache-2.0\tpermissive\tApache License 2.0";
        String gpl = "licence\tGPL-2.0-only\tforbidden\tGNU General Public License v2.0 only";
        assertTrue(refused(apache, gpl, "choice\ta:b\tGPL-2.0-only\tevidence").getMessage()
            .contains("chooses a forbidden licence"));
        assertTrue(refused(apache, "alias\tMIT License\tMIT").getMessage().contains("names unlisted licence MIT"));
        assertTrue(refused(apache, "artifact\ta:b\tApache-2.0\t").getMessage().contains("needs its evidence"));
        assertTrue(refused(apache, "choice\ta:b\tApache-2.0").getMessage().contains("needs its evidence"));
        assertTrue(refused("licence\tX\tfree-ish\tX").getMessage().startsWith("t.tsv:1: unknown category 'free-ish'"));
        assertTrue(refused("exception\ta\tb").getMessage().contains("unknown kind of line"));
    }
}
