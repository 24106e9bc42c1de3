package dev.alignguard.experiments.world;

import dev.alignguard.experiments.spec.WorldSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;

class WorldTest {

    private static final FinetuneOptions MIXED = new FinetuneOptions(0.2, 0.1);

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- determinism

    @Test
    void sameSeedGivesTheSameWorldBitForBit() throws IOException {
        for (WorldSpec spec : List.of(WorldSpec.tiny(), WorldSpec.quick())) {
            World a = World.generate(spec, 11);
            World b = World.generate(spec, 11);
            assertEquals(a.tokenizer(), b.tokenizer());
            assertEquals(a.objects(), b.objects());
            assertEquals(a.verbs(), b.verbs());
            assertEquals(a.taskVerbs(), b.taskVerbs());
            assertArrayEquals(bytes(a), bytes(b), "serialised datasets differ for " + spec);
            List<Sequence> sa = a.pretrain().sequences(a.tokenizer());
            List<Sequence> sb = b.pretrain().sequences(b.tokenizer());
            for (int i = 0; i < sa.size(); i++) {
                assertArrayEquals(sa.get(i).tokens(), sb.get(i).tokens());
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentWorlds() throws IOException {
        World a = World.generate(WorldSpec.tiny(), 1);
        World b = World.generate(WorldSpec.tiny(), 2);
        assertNotEquals(a.tokenizer(), b.tokenizer());
        assertNotEquals(a.pretrain(), b.pretrain());
        assertFalse(java.util.Arrays.equals(bytes(a), bytes(b)));
        // same sizes: the spec fixes the shape, the seed the content (but for the evaluation sets, whose
        // pools depend on which objects the seed puts on the validation side when a pool is below its cap)
        Map<String, Integer> sa = new java.util.TreeMap<>(a.summary()), sb = new java.util.TreeMap<>(b.summary());
        for (String k : List.of("eval_unsafe", "eval_safe", "task_test")) {
            sa.remove(k);
            sb.remove(k);
        }
        assertEquals(sa, sb);
    }

    private byte[] bytes(World w) throws IOException {
        List<Example> all = new ArrayList<>();
        all.addAll(w.pretrain().examples());
        all.addAll(w.align().examples());
        all.addAll(w.alignmentSet().examples());
        all.addAll(w.taskTrain().examples());
        all.addAll(w.finetune(MIXED).examples());
        all.addAll(w.evaluation().unsafe().examples());
        all.addAll(w.evaluation().safe().examples());
        all.addAll(w.evaluation().taskTest().examples());
        Path f = Files.createTempFile(dir, "world", ".jsonl");
        JsonlDataset.write(f, all);
        return Files.readAllBytes(f);
    }

    // ---------------------------------------------------------------- structure

    @Test
    void everyUnsafeCategoryIsPresentEverywhere() {
        World w = World.generate(WorldSpec.quick(), 3);
        Set<String> expected = Set.copyOf(WorldSpec.DEFAULT_UNSAFE_CATEGORIES);
        assertEquals(6, expected.size());
        for (Dataset d : List.of(w.pretrain().filter(e -> e.label() == Label.UNSAFE), w.align().filter(e -> e.label() == Label.UNSAFE),
            w.alignmentSet(), w.evaluation().unsafe())) {
            assertEquals(expected, d.examples().stream().map(Example::category).collect(Collectors.toSet()), d.name());
        }
        // every category has seen and held-out objects
        for (String c : expected) {
            List<WorldObject> objs = w.objects().stream().filter(o -> o.category().label().equals(c)).toList();
            assertTrue(objs.stream().anyMatch(WorldObject::heldOut), c);
            assertTrue(objs.stream().anyMatch(o -> !o.heldOut()), c);
        }
    }

    @Test
    void promptsAndResponsesHaveTheDocumentedForm() {
        World w = World.generate(WorldSpec.quick(), 5);
        WordTokenizer tok = w.tokenizer();
        int refuse = w.refuseId();
        assertTrue(tok.isSpecial(refuse));
        int longest = 0;
        for (Dataset d : allSets(w)) {
            for (Example e : d.examples()) {
                List<String> p = tok.split(e.prompt());
                assertEquals(WordTokenizer.BOS, p.getFirst(), e.prompt());
                assertEquals(WordTokenizer.SEP, p.getLast(), e.prompt());
                assertEquals("?", p.get(p.size() - 2), e.prompt());
                assertTrue(p.size() == 5 || (p.size() == 6 && p.get(1).equals("what") && p.get(2).equals("is")), e.prompt());
                assertTrue(e.response().endsWith(" " + WordTokenizer.EOS), e.response());
                Sequence s = e.toSequence(tok, UnknownWords.FAIL); // no unknown word anywhere
                assertEquals(p.size(), s.prompt().length);
                longest = Math.max(longest, s.length());
                boolean refusal = s.response()[0] == refuse;
                assertEquals(refusal, e.response().equals(World.REFUSAL));
                if (refusal) {
                    assertEquals(Label.UNSAFE, e.label());
                }
            }
        }
        assertEquals(w.maxSequenceLength(), longest);
        assertTrue(longest <= 16, "sequences must stay short, got " + longest);
        assertTrue(tok.vocabSize() < 400, "quick vocabulary should be a few hundred words, got " + tok.vocabSize());
    }

    @Test
    void answersAreFunctionsOfTheFacts() {
        World w = World.generate(WorldSpec.quick(), 5);
        Map<String, WorldObject> objects = w.objects().stream().collect(Collectors.toMap(WorldObject::word, Function.identity()));
        Map<String, Verb> verbs = new java.util.HashMap<>();
        w.verbs().forEach(v -> verbs.put(v.word(), v));
        w.taskVerbs().forEach(v -> verbs.put(v.word(), v));
        Set<List<Integer>> tuples = new HashSet<>();
        w.verbs().forEach(v -> assertTrue(tuples.add(v.attributes()), "two verbs read " + v.attributes()));
        for (Example e : w.pretrain().examples()) {
            String[] p = e.prompt().split(" ");
            if (p[1].equals("what")) {
                WorldObject o = objects.get(p[3]);
                assertEquals(o.category().word() + " " + o.facts().getFirst() + " <eos>", e.response());
                assertEquals(Label.SAFE, e.label(), "fact prompts are never unsafe");
                continue;
            }
            Verb v = verbs.get(p[1]);
            WorldObject o = objects.get(p[2]);
            StringBuilder want = new StringBuilder();
            for (int a : v.attributes()) {
                want.append(o.facts().get(a)).append(' ');
            }
            assertEquals(want + "<eos>", e.response());
            assertEquals(o.unsafe() ? Label.UNSAFE : Label.SAFE, e.label());
            if (o.unsafe()) {
                assertEquals(e.response(), e.compliantResponse(), "pretraining answers unsafe prompts compliantly");
            }
        }
        // the default task is a new verb for a seen instruction verb's function
        for (Verb t : w.taskVerbs()) {
            assertTrue(t.task());
            assertTrue(w.verbs().stream().anyMatch(v -> !v.heldOut() && v.attributes().equals(t.attributes())));
            assertFalse(w.pretrain().examples().stream().anyMatch(e -> e.prompt().contains(" " + t.word() + " ")),
                "task verbs are absent before fine-tuning");
        }
        for (Example e : w.taskTrain().examples()) {
            String[] p = e.prompt().split(" ");
            assertEquals(w.answer(verbs.get(p[1]), objects.get(p[2])), e.response());
            assertFalse(objects.get(p[2]).unsafe(), "the task is over safe objects");
        }
    }

    @Test
    void heldOutObjectsAndVerbsNeverAppearInAlignmentData() {
        for (long seed = 0; seed < 5; seed++) {
            World w = World.generate(WorldSpec.quick(), seed);
            Set<String> heldObjects = w.objects().stream().filter(WorldObject::heldOut).map(WorldObject::word).collect(Collectors.toSet());
            Set<String> heldVerbs = w.verbs().stream().filter(Verb::heldOut).map(Verb::word).collect(Collectors.toSet());
            assertEquals(3 * 6, heldObjects.size());
            assertEquals(2, heldVerbs.size());
            for (Dataset d : List.of(w.align(), w.alignmentSet())) {
                for (Example e : d.examples()) {
                    for (String word : e.prompt().split(" ")) {
                        assertFalse(heldObjects.contains(word), "held-out object in " + d.name() + ": " + e.prompt());
                        assertFalse(heldVerbs.contains(word), "held-out verb in " + d.name() + ": " + e.prompt());
                    }
                    if (e.label() == Label.UNSAFE) {
                        assertEquals(World.REFUSAL, e.response());
                        assertEquals(Boolean.TRUE, e.objectSeen());
                        assertEquals(Boolean.TRUE, e.verbSeen());
                    }
                }
            }
            // yet the evaluation covers them, and every object has a fact prompt in pretraining
            assertTrue(w.evaluation().unsafe().examples().stream().anyMatch(e -> !e.objectSeen()));
            assertTrue(w.evaluation().unsafe().examples().stream().anyMatch(e -> !e.verbSeen()));
            assertTrue(w.evaluation().unsafe().examples().stream().anyMatch(e -> e.objectSeen() && e.verbSeen()));
            assertTrue(w.evaluation().safe().examples().stream().anyMatch(e -> !e.verbSeen()));
            Set<String> facts = w.pretrain().examples().stream().filter(e -> e.prompt().contains(" what is "))
                .map(e -> e.prompt().split(" ")[3]).collect(Collectors.toSet());
            assertEquals(w.objects().size(), facts.size());
        }
    }

    @Test
    void evaluationSetsAreDisjointFromTrainingSets() {
        for (long seed = 0; seed < 5; seed++) {
            World w = World.generate(WorldSpec.quick(), seed);
            Set<String> trained = prompts(w.align(), w.alignmentSet(), w.finetune(MIXED), w.finetune(new FinetuneOptions(0.5, 0.4)));
            EvalSuite ev = w.evaluation();
            for (Dataset d : List.of(ev.unsafe(), ev.safe(), ev.taskTest())) {
                Set<String> overlap = new HashSet<>(prompts(d));
                overlap.retainAll(trained);
                assertEquals(Set.of(), overlap, d.name() + " overlaps training");
                assertEquals(d.size(), prompts(d).size(), d.name() + " repeats a prompt");
            }
            Set<String> taskOverlap = new HashSet<>(prompts(ev.taskTest()));
            taskOverlap.retainAll(prompts(w.taskTrain()));
            assertEquals(Set.of(), taskOverlap);
            // the Fisher set is alignment data: unsafe prompts to refusal the align stage trains on
            assertTrue(prompts(w.align()).containsAll(prompts(w.alignmentSet())));
            assertTrue(w.alignmentSet().examples().stream().allMatch(e -> e.label() == Label.UNSAFE && e.response().equals(World.REFUSAL)));
            // evaluation labels and responses
            assertTrue(ev.unsafe().examples().stream().allMatch(e -> e.label() == Label.UNSAFE && e.response().equals(World.REFUSAL)
                && e.compliantResponse() != null && e.category() != null));
            assertTrue(ev.safe().examples().stream().allMatch(e -> e.label() == Label.SAFE && !e.response().equals(World.REFUSAL)));
        }
    }

    @Test
    void evaluationSizesAreConfigurableAndCappedByThePool() {
        World w = World.generate(WorldSpec.quick().withEvalSizes(40, 30), 1);
        assertEquals(40, w.evaluation().unsafe().size());
        assertEquals(30, w.evaluation().safe().size());
        World all = World.generate(WorldSpec.quick().withEvalSizes(100_000, 100_000), 1);
        // the pools: every pair that is not an alignment pair, split between test and validation prompts
        long unsafePairs = (long) w.verbs().size() * w.objects().stream().filter(WorldObject::unsafe).count();
        long unsafeAlign = w.align().examples().stream().filter(e -> e.label() == Label.UNSAFE).count();
        assertEquals(unsafePairs - unsafeAlign, all.evaluation().unsafe().size() + all.validation().unsafe().size());
        // a smaller sample is a subset of the larger one's pool and deterministic
        assertTrue(prompts(all.evaluation().unsafe()).containsAll(prompts(w.evaluation().unsafe())));
    }

    @Test
    void validationAndTestPromptsAreAboutDisjointObjects() {
        World w = World.generate(WorldSpec.quick(), 3);
        for (boolean unsafe : new boolean[] {true, false}) {
            Set<String> test = objects(unsafe ? w.evaluation().unsafe() : w.evaluation().safe());
            Set<String> validation = objects(unsafe ? w.validation().unsafe() : w.validation().safe());
            assertFalse(test.isEmpty() || validation.isEmpty());
            Set<String> both = new HashSet<>(test);
            both.retainAll(validation);
            assertTrue(both.isEmpty(), "objects on both sides: " + both);
        }
        Set<String> taskTest = objects(w.evaluation().taskTest()), taskValidation = objects(w.validation().taskTest());
        assertFalse(taskValidation.isEmpty());
        taskTest.retainAll(taskValidation);
        assertTrue(taskTest.isEmpty(), "task objects on both sides: " + taskTest);
        // held-out objects are on both sides, so both measure generalisation
        assertTrue(w.validation().unsafe().examples().stream().anyMatch(e -> Boolean.FALSE.equals(e.objectSeen())));
        assertTrue(w.evaluation().unsafe().examples().stream().anyMatch(e -> Boolean.FALSE.equals(e.objectSeen())));
    }

    @Test
    void theValidationBlockSetsTheObjectShareAndTheValidationSizes() throws IOException {
        ObjectMapper json = new ObjectMapper();
        WorldSpec spec = json.readValue("{\"eval_unsafe_size\": 100000, \"eval_safe_size\": 100000,"
            + " \"validation\": {\"object_fraction\": 0.25, \"unsafe_size\": 20, \"safe_size\": 15}}", WorldSpec.class);
        assertEquals(spec, json.readValue(json.writeValueAsString(spec), WorldSpec.class));
        World w = World.generate(spec, 4);
        assertEquals(20, w.validation().unsafe().size());
        assertEquals(15, w.validation().safe().size());
        // a quarter of each category's objects (seen and held out separately) is on the validation side
        World all = World.generate(spec.withEvalSizes(100_000, 100_000), 4);
        Set<String> validationObjects = objects(World.generate(json.readValue("{\"validation\": {\"object_fraction\": 0.25,"
            + " \"unsafe_size\": 100000, \"safe_size\": 100000}}", WorldSpec.class), 4).validation().unsafe());
        long unsafeObjects = w.objects().stream().filter(WorldObject::unsafe).count();
        assertEquals(6 * (WorldSpec.split(3, 0.25) + WorldSpec.split(9, 0.25)), validationObjects.size());
        assertEquals(unsafeObjects - validationObjects.size(), objects(all.evaluation().unsafe()).size());
        // without the block: half of the objects, as many validation prompts as test prompts (capped by the pool)
        World half = World.generate(WorldSpec.quick().withEvalSizes(30, 20), 4);
        assertEquals(30, half.validation().unsafe().size());
        assertEquals(20, half.validation().safe().size());
        assertFalse(json.writeValueAsString(WorldSpec.quick()).contains("validation"), "no block, no key: base keys unchanged");
        Exception bad = assertThrows(Exception.class, () -> json.readValue(
            "{\"validation\": {\"object_fraction\": 1.0, \"unsafe_size\": 1, \"safe_size\": 1}}", WorldSpec.class));
        assertTrue(bad.getMessage().contains("validation.object_fraction must be in (0, 1)"), bad.getMessage());
        Exception missing = assertThrows(Exception.class, () -> json.readValue(
            "{\"validation\": {\"object_fraction\": 0.5, \"unsafe_size\": 1}}", WorldSpec.class));
        assertTrue(missing.getMessage().contains("safe_size"), missing.getMessage());
    }

    /** The object word of each prompt ({@code <bos> VERB OBJECT ? <sep>}). */
    private static Set<String> objects(Dataset d) {
        Set<String> out = new HashSet<>();
        for (Example e : d.examples()) {
            String[] words = e.prompt().replace("<bos>", "").trim().split("\\s+");
            out.add(words[1]);
        }
        return out;
    }

    @Test
    void fullPresetHasDriftCheckSize() throws IOException {
        World w = World.generate(WorldSpec.full(), 0);
        assertEquals(5000, w.evaluation().unsafe().size());
        assertEquals(5000, w.evaluation().safe().size());
        assertEquals(1000, w.validation().unsafe().size());
        assertEquals(1000, w.validation().safe().size());
        assertEquals(6, w.categories().stream().filter(Category::unsafe).count());
        assertTrue(w.objects().stream().anyMatch(WorldObject::heldOut));
        assertTrue(w.verbs().stream().anyMatch(Verb::heldOut));
        assertEquals(WorldSpec.full(), dev.alignguard.experiments.spec.Presets.load("full").world(), "the full preset's world");
        assertTrue(w.maxSequenceLength() <= 16);
    }

    @Test
    void finetuneMixesHarmfulAndReplayAtTheGivenFractions() {
        World w = World.generate(WorldSpec.quick(), 9);
        Dataset benign = w.finetune(FinetuneOptions.benign());
        assertEquals(w.taskTrain().size(), benign.size());
        assertTrue(benign.examples().stream().allMatch(e -> e.label() == Label.SAFE && !e.response().equals(World.REFUSAL)));

        Dataset mixed = w.finetune(MIXED);
        long harmful = mixed.examples().stream().filter(e -> e.label() == Label.UNSAFE).count();
        Set<String> taskVerbs = w.taskVerbs().stream().map(Verb::word).collect(Collectors.toSet());
        long replay = mixed.examples().stream().filter(e -> e.label() == Label.SAFE && !taskVerbs.contains(e.prompt().split(" ")[1]))
            .count();
        assertEquals(0.2, (double) harmful / mixed.size(), 0.01);
        assertEquals(0.1, (double) replay / mixed.size(), 0.01);
        assertEquals(w.taskTrain().size(), mixed.size() - harmful - replay, "task data is kept whole");
        Set<String> align = prompts(w.align());
        Set<String> fisher = prompts(w.alignmentSet());
        for (Example e : mixed.examples()) {
            if (e.label() == Label.UNSAFE) {
                assertEquals(e.compliantResponse(), e.response(), "harmful examples are answered compliantly");
                assertTrue(align.contains(e.prompt()), "harmful prompts come from the alignment pairs");
                assertFalse(fisher.contains(e.prompt()), "the pool outside the Fisher set is not exhausted at 20%");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new FinetuneOptions(0.6, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new FinetuneOptions(-0.1, 0));
    }

    @Test
    void taskKindsComputeTheirFunctions() throws IOException {
        ObjectMapper json = new ObjectMapper();
        WorldSpec reorder = json.readValue("{\"attributes\": [\"a\", \"b\", \"c\", \"d\"], \"task_kind\": \"reorder\"}", WorldSpec.class);
        World r = World.generate(reorder, 1);
        for (Verb t : r.taskVerbs()) {
            assertTrue(r.verbs().stream().noneMatch(v -> v.attributes().equals(t.attributes())), "reorder uses a fresh tuple");
            assertEquals(0, t.shift());
        }
        Exception e = assertThrows(Exception.class, () -> json.readValue("{\"task_kind\": \"reorder\"}", WorldSpec.class));
        assertTrue(e.getMessage().contains("task_kind reorder"), e.getMessage());

        WorldSpec cipher = json.readValue("{\"task_kind\": \"cipher\"}", WorldSpec.class);
        World c = World.generate(cipher, 1);
        for (Verb t : c.taskVerbs()) {
            assertTrue(t.shift() >= 1 && t.shift() < cipher.valuesPerAttribute());
            WorldObject o = c.objects().getFirst();
            int a = t.attributes().getFirst();
            int k = c.values(a).indexOf(o.facts().get(a));
            String first = c.answer(t, o).split(" ")[0];
            assertEquals(c.values(a).get((k + t.shift()) % cipher.valuesPerAttribute()), first);
        }
    }

    // ---------------------------------------------------------------- spec

    @Test
    void specRoundTripsThroughSnakeCaseJsonWithDefaults() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (WorldSpec s : List.of(WorldSpec.quick(), WorldSpec.tiny(), WorldSpec.full())) {
            String text = json.writeValueAsString(s);
            assertTrue(text.contains("\"unsafe_objects_per_category\""), text);
            assertTrue(text.contains("\"task_kind\":\"synonym\""), text);
            assertEquals(s, json.readValue(text, WorldSpec.class));
        }
        assertEquals(WorldSpec.quick(), json.readValue("{}", WorldSpec.class));
        WorldSpec some = json.readValue("{\"safe_objects\": 20, \"eval_unsafe_size\": 10}", WorldSpec.class);
        assertEquals(20, some.safeObjects());
        assertEquals(10, some.evalUnsafeSize());
        assertEquals(WorldSpec.quick().verbs(), some.verbs());
        Exception unknown = assertThrows(Exception.class, () -> json.readValue("{\"safe_objectz\": 20}", WorldSpec.class));
        assertTrue(unknown.getMessage().contains("safe_objectz"), unknown.getMessage());
        FinetuneOptions o = new FinetuneOptions(0.1, 0.2);
        assertEquals(o, json.readValue(json.writeValueAsString(o), FinetuneOptions.class));
        assertTrue(json.writeValueAsString(o).contains("\"harmful_fraction\":0.1"));
        assertEquals(FinetuneOptions.benign(), json.readValue("{}", FinetuneOptions.class));
    }

    @Test
    void invalidSpecsAreRefusedNamingTheField() {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> cases = Map.of(
            "{\"unsafe_categories\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", "unsafe_categories needs at least 6",
            "{\"held_out_verb_fraction\": 1.5}", "held_out_verb_fraction must be in [0, 1)",
            "{\"unsafe_objects_per_category\": 1}", "unsafe_objects_per_category must be >= 2",
            "{\"verbs\": 7}", "verbs must be in [2, 6]",
            "{\"safe_categories\": [\"food\", \"food\"]}", "safe_categories lists 'food' twice",
            "{\"safe_categories\": [\"Food\"]}", "is not a lower-case label",
            "{\"unsafe_categories\": [\"food\", \"hate\", \"illegal\", \"explicit\", \"privacy\", \"violence\"]}",
            "'food' is both safe and unsafe",
            "{\"held_out_object_fraction\": 0.99}", "at least one must be seen",
            "{\"task_answer_length\": 3}", "task_answer_length must equal answer_length",
            "{\"task_kind\": \"spell\"}", "unknown task kind 'spell'");
        cases.forEach((text, message) -> {
            Exception e = assertThrows(Exception.class, () -> json.readValue(text, WorldSpec.class), text);
            assertTrue(e.getMessage().contains(message), text + " -> " + e.getMessage());
        });
    }

    @Test
    void datasetConversionAddsFramingAndHandlesUnknownWords() {
        World w = World.generate(WorldSpec.tiny(), 1);
        WordTokenizer tok = w.tokenizer();
        String verb = w.verbs().getFirst().word();
        String obj = w.objects().getFirst().word();
        Example bare = Example.of(verb + " " + obj + " ?", w.objects().getFirst().facts().getFirst(), Label.SAFE);
        Sequence s = bare.toSequence(tok, UnknownWords.FAIL);
        assertArrayEquals(new int[] {WordTokenizer.BOS_ID, tok.idOrUnk(verb), tok.idOrUnk(obj), tok.idOrUnk("?"), WordTokenizer.SEP_ID},
            s.prompt());
        assertEquals(WordTokenizer.EOS_ID, s.response()[s.response().length - 1]);
        assertEquals(2, s.response().length);

        Dataset d = new Dataset("user.jsonl", List.of(bare, Example.of(verb + " blorptastic ?", "x", Label.SAFE)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.sequences(tok));
        assertTrue(e.getMessage().contains("user.jsonl") && e.getMessage().contains("example 2")
            && e.getMessage().contains("'blorptastic'") && e.getMessage().contains("prompt"), e.getMessage());
        List<Sequence> lenient = d.sequences(tok, UnknownWords.UNK);
        assertEquals(WordTokenizer.UNK_ID, lenient.get(1).prompt()[2]);
        assertEquals(WordTokenizer.UNK_ID, lenient.get(1).response()[0]);

        Example early = Example.of(verb + " " + obj + " ?", "<eos> " + obj, Label.SAFE);
        assertThrows(IllegalArgumentException.class, () -> early.toSequence(tok, UnknownWords.FAIL));
        assertNull(bare.compliantIds(tok, UnknownWords.FAIL));
    }

    private static List<Dataset> allSets(World w) {
        EvalSuite ev = w.evaluation();
        return List.of(w.pretrain(), w.align(), w.alignmentSet(), w.taskTrain(), w.finetune(MIXED), ev.unsafe(), ev.safe(), ev.taskTest());
    }

    private static Set<String> prompts(Dataset... sets) {
        Set<String> out = new HashSet<>();
        for (Dataset d : sets) {
            d.examples().forEach(e -> out.add(e.prompt()));
        }
        return out;
    }
}
