package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.Example;
import dev.alignguard.experiments.world.FinetuneOptions;
import dev.alignguard.experiments.world.Verb;
import dev.alignguard.experiments.world.World;

/**
 * The tasks of a sequential study, cut from one world without changing it: the world's task verbs,
 * in order, split into {@code count} equal groups; task k is every task example whose verb is in
 * group k (its training pairs, its test pairs, its validation pairs, as the world split them). The
 * world itself is the same as any other study's of the same spec, so nothing else moves.
 */
public final class SequenceTasks {

    /** One task: its verbs and its three splits. */
    public record Task(int number, List<String> verbs, Dataset train, Dataset test, Dataset validation) {

        /** {@code task_1}, ...: how summaries name the task. */
        public String name() {
            return name(number);
        }

        public static String name(int number) {
            return "task_" + number;
        }
    }

    private SequenceTasks() {
    }

    /** The world's task verbs split into {@code count} groups, in order. */
    public static List<List<String>> verbGroups(List<Verb> taskVerbs, int count) {
        if (count < 1 || taskVerbs.size() % count != 0) {
            throw new IllegalArgumentException("cannot split " + taskVerbs.size() + " task verbs into " + count
                + " equal tasks (sequence.tasks must divide world.task_verbs)");
        }
        int per = taskVerbs.size() / count;
        List<List<String>> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(taskVerbs.subList(k * per, (k + 1) * per).stream().map(Verb::word).toList());
        }
        return List.copyOf(out);
    }

    /** The tasks of {@code world}. */
    public static List<Task> of(World world, int count) {
        List<List<String>> groups = verbGroups(world.taskVerbs(), count);
        List<Task> out = new ArrayList<>();
        for (int k = 0; k < groups.size(); k++) {
            Set<String> verbs = new HashSet<>(groups.get(k));
            String name = Task.name(k + 1);
            out.add(new Task(k + 1, groups.get(k), only(world.taskTrain(), verbs, name + " train"),
                only(world.evaluation().taskTest(), verbs, name + " test"),
                only(world.validation().taskTest(), verbs, name + " validation")));
        }
        return List.copyOf(out);
    }

    /**
     * Task k's fine-tuning set: its training examples, plus harmful and replayed examples making up the
     * options' fractions of the set, as {@link World#finetune} mixes them for one task. The extra
     * examples are taken from the world's own mix (cycled), task k's starting k shares in, so each task
     * replays different alignment-stage examples.
     */
    public static Dataset finetune(World world, Task task, FinetuneOptions options) {
        Dataset mixed = world.finetune(options);
        Set<String> taskVerbs = new HashSet<>();
        world.taskVerbs().forEach(v -> taskVerbs.add(v.word()));
        List<Example> harmful = new ArrayList<>();
        List<Example> replay = new ArrayList<>();
        for (Example e : mixed.examples()) {
            if (!taskVerbs.contains(verb(e))) {
                (e.label() == dev.alignguard.experiments.world.Label.UNSAFE ? harmful : replay).add(e);
            }
        }
        int n = task.train().size();
        double total = n / (1 - options.harmfulFraction() - options.replayFraction());
        List<Example> out = new ArrayList<>(task.train().examples().stream().map(e -> e.withSplit(World.SPLIT_FINETUNE)).toList());
        out.addAll(cycle(harmful, (int) Math.round(options.harmfulFraction() * total), task.number()));
        out.addAll(cycle(replay, (int) Math.round(options.replayFraction() * total), task.number()));
        return new Dataset(World.SPLIT_FINETUNE, out);
    }

    /** {@code count} examples of {@code pool} from the {@code number}-th share on, cycling. */
    private static List<Example> cycle(List<Example> pool, int count, int number) {
        List<Example> out = new ArrayList<>();
        if (pool.isEmpty()) {
            return out;
        }
        int start = (number - 1) * count;
        for (int i = 0; i < count; i++) {
            out.add(pool.get((start + i) % pool.size()));
        }
        return out;
    }

    private static Dataset only(Dataset d, Set<String> verbs, String name) {
        return new Dataset(name, d.examples().stream().filter(e -> verbs.contains(verb(e))).toList());
    }

    /** The verb of a {@code <bos> VERB OBJECT ? <sep>} prompt. */
    static String verb(Example e) {
        String[] words = e.prompt().split(" ");
        return words.length > 1 ? words[1] : "";
    }
}
