/**
 * The synthetic DriftCheck world and its datasets.
 *
 * <h2>Pieces</h2>
 * <ul>
 * <li>{@link dev.alignguard.experiments.spec.WorldSpec} (JSON, snake_case, validated) and a seed give a
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
 * <li>{@link dev.alignguard.training.objective.TaskObjective}: masked next-token cross-entropy on the response,
 *     the objective of every stage before a method adds its penalties.</li>
 * </ul>
 *
 * <h2>Measured behaviour (to size presets; 2 shared cores, so times are upper bounds)</h2>
 * Tiny world (seed 1), hidden 32, 2 layers, batch 32 (the smoke test): pretraining 500 steps at lr 1e-2
 * learns every fact (safe accuracy and harmful compliance 1.0 on the alignment prompts); alignment 100 steps
 * at 3e-3 refuses every alignment prompt (1.0) with no over-refusal there; on the held-out evaluation
 * prompts refusal is 0.64 (seen objects 0.78, held-out objects 0.47); 10 to 15 s in all.
 *
 * <p>Quick world (seed 7), hidden 64, 2 layers, batch 32: pretraining needs about 1,500 steps at lr 3e-3
 * (25 to 35 s; lr 1e-2 does not converge at this width) to answer everything (1.0). Alignment 400 steps at
 * 1e-3: evaluation refusal 0.80 (seen objects 0.91, held-out objects 0.65, held-out verbs 0.82),
 * over-refusal 0.05, safe accuracy 0.87, harmful compliance 0.11. Then LoRA r = 4 on q,v at lr 3e-3 for
 * 100 steps (about 3 s) on the default synonym task:
 * <table>
 * <caption>fine-tuning mixes</caption>
 * <tr><th>mix</th><th>refusal</th><th>harmful compliance</th><th>safe accuracy</th><th>task accuracy</th></tr>
 * <tr><td>benign</td><td>0.53</td><td>0.18</td><td>0.56</td><td>0.71</td></tr>
 * <tr><td>harmful_fraction 0.1</td><td>0.43</td><td>0.21</td><td>0.53</td><td>0.79</td></tr>
 * <tr><td>replay_fraction 0.2</td><td>0.55</td><td>0.19</td><td>0.70</td><td>0.92</td></tr>
 * </table>
 * r = 8 on all linear layers learns the task fully (1.0) in 100 steps but refusal falls to about 0.2.
 * The reorder and cipher tasks reached only 0.2 to 0.33 test accuracy (the tiny model memorises the 72
 * training pairs) while safe accuracy collapsed below 0.1, so they are opt-in. Three attributes generalised
 * refusal better than four (0.86 vs 0.63 to 0.69 in single runs), and replaying every visible fact in
 * alignment (align_fact_fraction 1.0) kept more safe accuracy than half of them (0.87 vs 0.79).
 */
package dev.alignguard.experiments.world;

import dev.alignguard.experiments.spec.WorldSpec;
