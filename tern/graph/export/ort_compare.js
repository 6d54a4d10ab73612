// Runs a `tern export --example PREFIX` model in onnxruntime (the npm
// package onnxruntime-node, found through NODE_PATH) and compares its output
// with Tern's: prints the max relative error and exits 1 above the tolerance.
//   node ort_compare.js MODEL.onnx PREFIX [rtol]
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, prefix, rtolArg] = process.argv.slice(2);
  const rtol = Number(rtolArg || 1e-4);
  const meta = JSON.parse(fs.readFileSync(prefix + '.json', 'utf8'));
  const raw = fs.readFileSync(prefix + '.input.bin');
  const data = meta.input_dtype === 'i64'
    ? new BigInt64Array(raw.buffer, raw.byteOffset, raw.length / 8)
    : new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const session = await ort.InferenceSession.create(model);
  const feeds = {[meta.input]: new ort.Tensor(meta.input_dtype === 'i64' ? 'int64' : 'float32', data, meta.input_shape)};
  const got = (await session.run(feeds))[meta.output];
  const wantRaw = fs.readFileSync(prefix + '.output.bin');
  const want = new Float32Array(wantRaw.buffer, wantRaw.byteOffset, wantRaw.length / 4);
  if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(meta.output_shape)) {
    console.log(`shape: onnxruntime [${got.dims}] vs tern [${meta.output_shape}]`);
    process.exit(1);
  }
  // Relative to the output's scale, so near-zero logits do not dominate.
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; ++i) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; ++i) err = Math.max(err, Math.abs(got.data[i] - want[i]));
  if (!(scale > 0)) {
    console.log(`${model}: Tern's output is all zeros, nothing to compare`);
    process.exit(1);
  }
  const rel = err / scale;
  // For a classifier ([N, classes]): whether both pick the same class.
  let agree = '';
  let same = true;
  if (meta.output_shape.length === 2) {
    const [n, k] = meta.output_shape;
    const argmax = (a, r) => { let b = 0; for (let j = 1; j < k; ++j) if (a[r * k + j] > a[r * k + b]) b = j; return b; };
    let hits = 0;
    for (let r = 0; r < n; ++r) hits += argmax(got.data, r) === argmax(want, r) ? 1 : 0;
    agree = `, predictions agree ${hits}/${n}`;
    same = hits === n;
  }
  console.log(`${model}: max |onnxruntime - tern| / max |tern| = ${rel.toExponential(2)} (${want.length} values)${agree}`);
  process.exit(rel <= rtol && same ? 0 : 1);
}
main().catch((e) => { console.log(String(e)); process.exit(1); });
