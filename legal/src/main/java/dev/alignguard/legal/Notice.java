package dev.alignguard.legal;

import java.util.List;

import dev.alignguard.legal.LicenceCheck.Verdict;
import dev.alignguard.legal.LicenceTable.Category;

/** Renders NOTICE from the judged dependency list: fixed text, then the components by scope. */
public final class Notice {

    private Notice() {
    }

    private record Section(String title, List<String> scopes) {
    }

    private static final List<Section> SECTIONS = List.of(
        new Section("Run time (compile and runtime scope: bundled in the program's jars or needed to run them)",
            List.of("compile", "runtime")),
        new Section("Provided by the platform (provided scope: the Spark installation, for the spark module)",
            List.of("provided")),
        new Section("Build and tests only (test scope: not distributed)",
            List.of("test")));

    public static String render(List<Verdict> verdicts) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
            AlignGuard-J
            Copyright 2026 The AlignGuard-J authors

            This product is licensed under the Apache License, Version 2.0 (see LICENSE).

            It uses the third-party components listed below, each under its own licence (SPDX
            identifiers, https://spdx.org/licenses/). The list is generated from the Maven
            dependency tree of every module by the license-maven-plugin and checked against the
            project's licence policy, legal/licences.tsv; do not edit it by hand. Regenerate it with
              %s

            Other third-party material in the source tree: legal/src/test/resources/cff/schema-1.2.0.json,
            the Citation File Format 1.2.0 schema by the Citation File Format authors, CC-BY-4.0 (used by
            the tests only).

            """.formatted(LicenceCheck.UPDATE_COMMAND));
        List<Verdict> weak = verdicts.stream().filter(v -> v.category() == Category.WEAK_COPYLEFT).toList();
        sb.append("Weak copyleft\n-------------\n");
        sb.append("""
            These components are under licences that keep the component's own source open (LGPL, EPL,
            CDDL, MPL, the GPL with the Classpath exception) but let programs under other licences use
            them as libraries. AlignGuard-J uses them unmodified. [scope] as in the lists below.
            """);
        for (Verdict v : weak) {
            line(sb, v, " [" + v.dependency().scope() + "]");
        }
        for (Section s : SECTIONS) {
            List<Verdict> in = verdicts.stream().filter(v -> s.scopes().contains(v.dependency().scope())).toList();
            sb.append('\n').append(s.title()).append('\n').append("-".repeat(s.title().length())).append('\n');
            if (in.isEmpty()) {
                sb.append("  (none)\n");
            }
            for (Verdict v : in) {
                line(sb, v, "");
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, Verdict v, String suffix) {
        Dependency d = v.dependency();
        sb.append("  ").append(d.name().isEmpty() ? d.artifactId() : d.name())
            .append(" (").append(d.coordinates()).append("): ").append(v.licenceText()).append(suffix).append('\n');
    }
}
