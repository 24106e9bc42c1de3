package dev.alignguard.legal;

import java.util.List;

/**
 * One third-party dependency as the license-maven-plugin lists it (one line of a module's
 * {@code target/generated-sources/license/third-party.tsv}, see {@code src/license/third-party.tsv.ftl}).
 *
 * @param groupId   Maven group
 * @param artifactId Maven artifact
 * @param version   resolved version
 * @param scope     Maven scope in the module that lists it (compile, runtime, provided, test)
 * @param name      the project's name from its pom
 * @param url       the project's url from its pom ("" when none)
 * @param licences  licence names exactly as the pom declares them (empty when it declares none)
 */
public record Dependency(String groupId, String artifactId, String version, String scope, String name,
                         String url, List<String> licences) {

    public Dependency {
        licences = List.copyOf(licences);
    }

    /** {@code groupId:artifactId}, the key of {@code artifact} and {@code choice} lines in the licence table. */
    public String key() {
        return groupId + ":" + artifactId;
    }

    /** {@code groupId:artifactId:version}. */
    public String coordinates() {
        return key() + ":" + version;
    }
}
