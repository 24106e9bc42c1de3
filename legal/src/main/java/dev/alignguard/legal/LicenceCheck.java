package dev.alignguard.legal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.alignguard.legal.LicenceTable.Category;
import dev.alignguard.legal.LicenceTable.Choice;

/**
 * The build's licence check (run by the legal module at {@code verify}, see its pom): merges every
 * module's third-party list, judges each dependency by {@code legal/licences.tsv}, and compares the
 * NOTICE rendered from the result with the committed one.
 *
 * <p>It fails on a licence name the table does not list, on a dependency that declares no licence,
 * on any licence of the GPL family (unless the table records that the component is offered under
 * another licence too, and which one is used), on table lines about dependencies no module has any
 * more, and on a NOTICE that differs from the rendered one.
 */
public final class LicenceCheck {

    /** The regeneration command, printed wherever NOTICE or a list is out of date. */
    public static final String UPDATE_COMMAND = "./mvnw -B -o -pl legal -am verify -DskipTests -Dlegal.notice=write";

    /** Where each module's list is, relative to the module. */
    static final String LIST = "target/generated-sources/license/third-party.tsv";

    /** How one dependency is licensed, once judged acceptable. */
    public record Verdict(Dependency dependency, List<String> ids, Optional<Choice> choice, Category category) {

        /** The licence(s) as NOTICE shows them. */
        public String licenceText() {
            if (choice.isPresent()) {
                List<String> others = ids.stream().filter(id -> !id.equals(choice.get().id())).toList();
                return choice.get().id() + " (chosen; also offered under " + String.join(", ", others) + ")";
            }
            return String.join(", ", ids);
        }
    }

    /** The dependencies judged acceptable, and what is wrong with the others. */
    public record Result(List<Verdict> accepted, List<String> problems) {

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** What {@link #run} found: the problems (empty when all is well) and a one-line summary. */
    public record Report(List<String> problems, String summary) {
    }

    /** Thrown by {@link #main} when the check fails, so that the build fails (exec:java runs it in-process). */
    public static final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message);
        }
    }

    private LicenceCheck() {
    }

    /** Judges every dependency by the table. */
    public static Result check(List<Dependency> dependencies, LicenceTable table) {
        List<Verdict> accepted = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Dependency d : dependencies) {
            String who = d.coordinates() + " (" + d.scope() + ")";
            List<String> ids = new ArrayList<>();
            var correction = table.correction(d.key());
            if (correction.isPresent()) {
                ids.addAll(correction.get().ids());
            } else {
                boolean unlisted = false;
                for (String name : d.licences()) {
                    Optional<String> id = table.idOf(name);
                    if (id.isEmpty()) {
                        problems.add(who + ": licence \"" + name + "\" is not listed in legal/licences.tsv;"
                            + " read the licence, then add an 'alias' line naming its SPDX id");
                        unlisted = true;
                    } else if (!ids.contains(id.get())) {
                        ids.add(id.get());
                    }
                }
                if (unlisted) {
                    continue;
                }
            }
            if (ids.isEmpty()) {
                problems.add(who + ": its pom declares no licence; find it (the jar's META-INF, the project's"
                    + " site) and add an 'artifact' line to legal/licences.tsv with the evidence");
                continue;
            }
            List<String> forbidden = ids.stream()
                .filter(id -> table.licence(id).category() == Category.FORBIDDEN).toList();
            Optional<Choice> choice = table.choice(d.key());
            if (choice.isPresent() && !ids.contains(choice.get().id())) {
                problems.add(who + ": legal/licences.tsv chooses " + choice.get().id()
                    + ", which it does not offer (it declares " + String.join(", ", ids) + ")");
                continue;
            }
            if (!forbidden.isEmpty() && choice.isEmpty()) {
                String alternatives = ids.size() > forbidden.size()
                    ? "; if it is offered under a choice of these licences, record the one used in a 'choice'"
                        + " line of legal/licences.tsv with the evidence"
                    : "";
                problems.add(who + ": licensed under " + String.join(", ", forbidden) + " (GPL family), which an"
                    + " Apache-2.0 program cannot depend on" + alternatives);
                continue;
            }
            Category category = choice.isPresent()
                ? table.licence(choice.get().id()).category()
                : ids.stream().map(id -> table.licence(id).category()).max(Enum::compareTo).orElseThrow();
            accepted.add(new Verdict(d, List.copyOf(ids), choice, category));
        }
        return new Result(accepted, problems);
    }

    /** The module folders the root pom lists (the legal module included). */
    static List<String> modules(Path root) throws IOException {
        String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>").matcher(pom);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * Runs the whole check on a checkout.
     *
     * @param root  the project's root folder
     * @param write true to write NOTICE instead of comparing it
     */
    public static Report run(Path root, boolean write) throws IOException {
        List<String> problems = new ArrayList<>();
        List<List<Dependency>> lists = new ArrayList<>();
        List<String> modules = modules(root);
        for (String module : modules) {
            Path list = root.resolve(module).resolve(LIST);
            if (!Files.isRegularFile(list)) {
                problems.add(module + ": no third-party list at " + root.relativize(list)
                    + "; build every module: " + UPDATE_COMMAND.replace(" -Dlegal.notice=write", ""));
                continue;
            }
            lists.add(ThirdPartyList.read(list));
        }
        List<Dependency> dependencies = ThirdPartyList.merge(lists);
        LicenceTable table = LicenceTable.read(root.resolve("legal/licences.tsv"));
        Result result = check(dependencies, table);
        problems.addAll(result.problems());
        if (problems.isEmpty()) {
            Set<String> keys = new LinkedHashSet<>();
            dependencies.forEach(d -> keys.add(d.key()));
            for (String key : table.artifactKeys()) {
                if (!keys.contains(key)) {
                    problems.add("legal/licences.tsv: the line about " + key + " is stale (no module depends on it); remove it");
                }
            }
        }
        if (problems.isEmpty()) {
            String notice = Notice.render(result.accepted());
            Path file = root.resolve("NOTICE");
            // A checkout with CRLF line ends (git's autocrlf on Windows) holds the same NOTICE.
            String committed = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n") : "";
            if (write) {
                if (!committed.equals(notice)) {
                    Files.writeString(file, notice, StandardCharsets.UTF_8);
                }
            } else if (!committed.equals(notice)) {
                problems.add("NOTICE is out of date (" + firstDifference(committed, notice)
                    + "); regenerate it with: " + UPDATE_COMMAND);
            }
        }
        long weak = result.accepted().stream().filter(v -> v.category() == Category.WEAK_COPYLEFT).count();
        return new Report(problems, "legal: " + dependencies.size() + " third-party dependencies from " + lists.size() + " modules, "
            + (result.accepted().size() - weak) + " permissive, " + weak + " weak copyleft; "
            + (problems.isEmpty() ? (write ? "NOTICE written" : "NOTICE up to date") : "FAILED"));
    }

    static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "<end of file>";
            String q = i < y.length ? y[i] : "<end of file>";
            if (!p.equals(q)) {
                return "line " + (i + 1) + ": committed \"" + p + "\", expected \"" + q + "\"";
            }
        }
        return "same lines";
    }

    /**
     * {@code LicenceCheck ROOT [check|write]}: checks the checkout at ROOT; {@code write} rewrites
     * NOTICE instead of comparing it. Throws {@link Failure} (exit status 1 from the command line)
     * when the check fails.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !Set.of("check", "write").contains(args[1]))) {
            throw new IllegalArgumentException("usage: LicenceCheck ROOT [check|write]");
        }
        Report report = run(Path.of(args[0]), args.length == 2 && args[1].equals("write"));
        report.problems().forEach(p -> System.err.println("legal: " + p));
        System.out.println(report.summary());
        if (!report.problems().isEmpty()) {
            throw new Failure(report.problems().size() + " licence problem(s), listed above; the policy is legal/licences.tsv");
        }
    }
}
