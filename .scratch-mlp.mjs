import { loadDatasetFile } from './dist/src/data/load.js';
import { holdout } from './dist/src/data/split.js';
import { takeRows } from './dist/src/data/dataset.js';
import { mlpFamily } from './dist/src/models/families/mlp.js';
import { currentBackend } from './dist/src/models/neural/backend.js';
const ctx = { seed: 1, signal: new AbortController().signal, deadline: Infinity, backend: process.argv[2] };
for (const name of ['diabetes', 'glass', 'boston', 'credit-g', 'soybean']) {
  const ds = loadDatasetFile(`../shared/datasets/${name}.arff`);
  const f = holdout(ds.nRows, 0.25, 1, ds.target.kind === 'classes' ? ds.target.codes : undefined);
  const tr = takeRows(ds, f.train), te = takeRows(ds, f.test);
  for (const cfg of [{}, { batch_norm: true, max_epochs: 30 }]) {
    const t = performance.now();
    const m = await mlpFamily.fit(tr, cfg, ctx);
    const p = m.predict(te);
    let score;
    if (ds.task === 'regression') { let s=0; for (let i=0;i<te.nRows;i++) s+=(p[i]-te.target.values[i])**2; score = 'rmse ' + Math.sqrt(s/te.nRows).toFixed(3); }
    else { const k = m.nOutputs; let c=0; for (let i=0;i<te.nRows;i++){let b=0;for(let j=1;j<k;j++) if(p[i*k+j]>p[i*k+b]) b=j; if (b===te.target.codes[i]) c++;} score = 'acc ' + (c/te.nRows).toFixed(3); }
    const m2 = await mlpFamily.fit(tr, cfg, ctx);
    const p2 = m2.predict(te);
    console.log(name, JSON.stringify(cfg), score, (performance.now()-t).toFixed(0)+'ms', 'det', p.every((v,i)=>Object.is(v,p2[i])), JSON.stringify(m.serialize().state.training));
  }
}
console.log(await currentBackend());
