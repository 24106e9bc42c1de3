/**
 * The synthetic DriftCheck world and its datasets.
 *
 * <h2>Pieces</h2>
 * <ul>
 * <li>{@link dev.alignguard.experiments.world.WorldSpec} (JSON, snake_case, validated) and a seed give a
 *     {@link dev.alignguard.experiments.world.World}: objects with categories and facts, instruction verbs,
 *     task verbs, its {@link dev.alignguard.experiments.world.World#tokenizer() tokenizer} (with
 *     {@code <refuse>} as an extra special) and every stage's
 *     {@link dev.alignguard.experiments.world.Dataset}: {@code pretrain()}, {@code align()},
 *     {@code finetune(FinetuneOptions)}, {@code evaluation()} and {@code alignmentSet()}.</li>
 * <li>{@link dev.alignguard.experiments.world.Example}: one prompt/response as text with its label, category,
 *     split and evaluation groups; {@link dev.alignguard.experiments.world.Dataset#sequences} turns a set into
 *     the trainer's {@link dev.alignguard.training.data.Sequence}s (unknown words: an error by default,
 *     {@code <unk>} on request, see {@link dev.alignguard.experiments.world.UnknownWords}).</li>
 * <li>{@link dev.alignguard.experiments.world.JsonlDataset}: user datasets as JSON Lines; any stage can train
 *     or evaluate on one instead of the world's. A tokenizer for a user dataset:
 *     {@code WordTokenizer.fromCorpus(dataset.texts(), World.REFUSE)}; an evaluation suite from one labelled
 *     file: {@link dev.alignguard.experiments.world.EvalSuite#split}.</li>
 * <li>{@link dev.alignguard.experiments.world.TaskObjective}: masked next-token cross-entropy on the response,
 *     the objective of every stage before a method adds its penalties.</li>
 * </ul>
 *
 * <h2>Measured behaviour (to size presets; 2 cores, shared machine)</h2>
 * Tiny world (seed 1), hidden 32, 2 layers, batch 32 (the smoke test): pretraining 500 steps at lr 1e-2
 * learns every fact (safe accuracy and harmful compliance 1.0 on the alignment prompts), alignment 100 steps
 * at 3e-3 refuses every alignment prompt (1.0) with no over-refusal there; on the held-out evaluation
 * prompts refusal is 0.70 (seen objects 0.86, held-out objects 0.50), about 10 to 15 s in all.
 *
 * <p>Quick world (seed 7), hidden 64, 2 layers, batch 32: pretraining needs about 1,500 steps at lr 3e-3
 * (lr 1e-2 does not converge at this width); alignment 400 steps at 1e-3 gives evaluation refusal 0.78
 * (seen objects 0.89, held-out objects 0.61), over-refusal 0.07, safe accuracy 0.78. Benign LoRA on the
 * default synonym task: r = 4 on q,v at lr 3e-3 reaches task accuracy 0.50 / 0.75 after 100 / 200 steps
 * while refusal drifts to 0.53 / 0.47; r = 8 on all linear layers reaches 1.0 after 100 steps with refusal
 * down to 0.21. The reorder and cipher tasks reached only 0.2 to 0.33 test accuracy (the tiny model
 * memorises the 72 training pairs) while safe accuracy collapsed below 0.1, so they are opt-in.
 * Three attributes generalised refusal better than four or five (0.86 vs 0.63 to 0.69 in single runs),
 * which is why the quick preset has three.
 */
package dev.alignguard.experiments.world;
