/**
 * ONNX export of a fitted ensemble: one graph holding the preprocessing of every member, every member, and the
 * combiner (weighted average, or the stacking meta-model), for any ONNX runtime (checked against onnxruntime).
 *
 * Inputs: one per feature of the training schema, named as the feature: double [N, 1] for numeric features (NaN for
 * a missing value), string [N, 1] for categorical ones ("" for a missing value; a category unseen in training is
 * treated as by our own predictor). Outputs: classification `label` (string [N], argmax, ties to the first class)
 * and `probabilities` (double [N, k], classes in the bundle's order); regression `prediction` (double [N]).
 * Everything is computed in float64, so the outputs match `EnsembleModel.predictMatrix` to rounding (the test
 * checks 1e-5 on every shared dataset; the measured maximum is in results/onnx.json). Layout: docs/bundle-format.md.
 */
import type { EnsembleModel } from '../../serving/ensemble-model.js';
import { memberInputColumns } from '../../ensemble/stacking-model.js';
import { libraryVersion } from '../../util/version.js';
import { DataType, GraphBuilder } from './graph.js';
import { memberGraph } from './members.js';
import { OnnxInputs } from './preprocess.js';

/** The ensemble as ONNX protobuf bytes (write them to a `.onnx` file). */
export function exportOnnx(model: EnsembleModel): Uint8Array {
  const g = new GraphBuilder();
  const inputs = new OnnxInputs(g, model.schema);
  const k = model.nOutputs;
  const byId = new Map(model.members.map((m) => [m.id, m]));
  const memberOutputs = model.combiner.memberIds.map((id) => {
    const member = byId.get(id)!;
    const models = member.models.map((m) => memberGraph(g, inputs, m));
    return average(g, models);
  });
  const combined = combine(g, model, memberOutputs, k);
  if (model.task === 'regression') {
    g.output(g.node('Reshape', [combined, g.int64s([-1])]), 'prediction', DataType.DOUBLE, []);
  } else {
    const index = g.node('ArgMax', [combined], { attributes: { axis: 1, keepdims: 0 } });
    const label = g.node('LabelEncoder', [index], {
      domain: 'ai.onnx.ml',
      attributes: { keys_int64s: model.classes.map((_, i) => i), values_strings: [...model.classes], default_string: '' },
    });
    g.output(label, 'label', DataType.STRING, []);
    g.output(combined, 'probabilities', DataType.DOUBLE, [k]);
  }
  return g.finish(
    {
      task: model.task,
      target: model.targetName,
      classes: JSON.stringify(model.classes),
      features: JSON.stringify(model.schema),
      metric: model.metric,
      method: model.method,
      deployment: model.deployment?.form ?? 'exact',
      library_version: libraryVersion(),
    },
    `auto-ensemble ${model.method} ensemble of ${model.members.length} members (${model.task}, target '${model.targetName}')`,
  );
}

/** Mean of a member's models (fold models), summed in model order and divided as `averageModels` does. */
function average(g: GraphBuilder, models: readonly string[]): string {
  if (models.length === 1) return models[0]!;
  let sum = models[0]!;
  for (const m of models.slice(1)) sum = g.node('Add', [sum, m]);
  return g.node('Mul', [sum, g.doubles([1 / models.length])]);
}

function combine(g: GraphBuilder, model: EnsembleModel, members: readonly string[], k: number): string {
  const combiner = model.combiner;
  if (combiner.kind === 'weights') {
    let acc: string | undefined;
    members.forEach((p, j) => {
      const term = g.node('Mul', [p, g.doubles([combiner.weights[j]!])]);
      acc = acc === undefined ? term : g.node('Add', [acc, term]);
    });
    return acc!;
  }
  const stacking = combiner.model;
  if (stacking.featureMean !== undefined) throw new Error('ONNX export: a stacking model on the original features cannot be exported');
  const columns = memberInputColumns(k);
  const picked = members.map((p) => (columns.length === k ? p : g.node('Gather', [p, g.int64s(columns)], { attributes: { axis: 1 } })));
  const X = picked.length === 1 ? picked[0]! : g.node('Concat', picked, { attributes: { axis: 1 } });
  const z = g.node('Add', [
    g.node('MatMul', [X, g.doubles(stacking.coefficients, [stacking.inputWidth, stacking.nOutputs])]),
    g.doubles(stacking.intercepts),
  ]);
  return stacking.learner === 'logistic' ? g.node('Softmax', [z], { attributes: { axis: 1 } }) : z;
}
