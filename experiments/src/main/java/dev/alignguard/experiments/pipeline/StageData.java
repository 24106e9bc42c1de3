package dev.alignguard.experiments.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.alignguard.experiments.spec.DataSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.FinetuneOptions;
import dev.alignguard.experiments.world.JsonlDataset;
import dev.alignguard.experiments.world.World;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;

/**
 * The data of every stage and the tokenizer that encodes it: the synthetic world's, with any stage
 * replaced by a JSONL file named in the spec's {@code data} section.
 */
public record StageData(WordTokenizer tokenizer, Dataset pretrain, Dataset align, Dataset alignmentSet,
                        EvalSuite evaluation, EvalSuite validation, Function<FinetuneOptions, Dataset> finetune,
                        int maxSequenceLength) {

    public static StageData of(World world, DataSpec data) {
        Map<String, String> files = data == null ? Map.of() : data.files();
        if (files.isEmpty()) {
            return new StageData(world.tokenizer(), world.pretrain(), world.align(), world.alignmentSet(),
                world.evaluation(), world.validation(), world::finetune, world.maxSequenceLength());
        }
        Dataset pretrain = files.containsKey("pretrain") ? read(files.get("pretrain")) : world.pretrain();
        Dataset align = files.containsKey("align") ? read(files.get("align")) : world.align();
        Dataset alignment = files.containsKey("alignment") ? read(files.get("alignment")) : world.alignmentSet();
        EvalSuite worldEval = world.evaluation();
        Dataset taskTest = files.containsKey("task_test") ? read(files.get("task_test")) : worldEval.taskTest();
        EvalSuite evaluation;
        EvalSuite validation;
        if (files.containsKey("evaluation") || files.containsKey("task_test")) {
            EvalSuite all = files.containsKey("evaluation") ? EvalSuite.split(read(files.get("evaluation")), taskTest)
                : new EvalSuite(worldEval.unsafe(), worldEval.safe(), taskTest);
            EvalSuite.Halves halves = all.halvesByPrompt();
            evaluation = halves.test();
            validation = halves.validation();
        } else {
            evaluation = worldEval;
            validation = world.validation();
        }
        if (files.containsKey("validation")) {   // the user's own validation prompts; the evaluation file is all test
            evaluation = files.containsKey("evaluation") ? EvalSuite.split(read(files.get("evaluation")), taskTest)
                : new EvalSuite(worldEval.unsafe(), worldEval.safe(), taskTest);
            validation = EvalSuite.split(read(files.get("validation")), new Dataset("task validation", List.of()));
        }
        Dataset fixedFinetune = files.containsKey("finetune") ? read(files.get("finetune")) : null;
        Function<FinetuneOptions, Dataset> finetune = fixedFinetune != null ? o -> fixedFinetune : world::finetune;
        List<String> corpus = new ArrayList<>();
        for (Dataset d : List.of(pretrain, align, alignment, evaluation.unsafe(), evaluation.safe(), evaluation.taskTest(),
            validation.unsafe(), validation.safe(), validation.taskTest(), finetune.apply(new FinetuneOptions(0.2, 0.2)))) {
            corpus.addAll(d.texts());
        }
        WordTokenizer tok = WordTokenizer.fromCorpus(corpus, World.REFUSE);
        int max = world.maxSequenceLength();
        for (Dataset d : List.of(pretrain, align, alignment, evaluation.unsafe(), evaluation.safe(), evaluation.taskTest(),
            validation.unsafe(), validation.safe(), validation.taskTest(), finetune.apply(new FinetuneOptions(0.2, 0.2)))) {
            for (Sequence s : d.sequences(tok)) {
                max = Math.max(max, s.length());
            }
        }
        return new StageData(tok, pretrain, align, alignment, evaluation, validation, finetune, max);
    }

    private static Dataset read(String file) {
        try {
            return JsonlDataset.read(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
