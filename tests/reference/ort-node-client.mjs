// An independent ONNX Runtime client (onnxruntime-node, the same ORT release driven from Node.js)
// for conformance checks of `edgecam infer`: same raw input bytes in, raw outputs out.
//   node ort-node-client.mjs MODEL OUTDIR NAME=FILE.bin@D,D,D,D ...
// Inputs are float32 little-endian. Writes OUTDIR/<name>.bin (name with odd characters as '_')
// and OUTDIR/outputs.json ({ outputs: [{ name, file, elementType, shape }] }).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const cache = process.env.EDGECAM_CACHE || join(process.env.HOME, '.cache', 'edgecam');
const require = createRequire(join(cache, 'node', 'package.json'));
const ort = require('onnxruntime-node');

const [model, outDir, ...specs] = process.argv.slice(2);
if (!model || !outDir || specs.length === 0) {
  console.error('usage: node ort-node-client.mjs MODEL OUTDIR NAME=FILE.bin@D,D,... ...');
  process.exit(2);
}
const feeds = {};
for (const spec of specs) {
  const eq = spec.indexOf('=');
  const at = spec.lastIndexOf('@');
  const name = spec.slice(0, eq);
  const file = spec.slice(eq + 1, at);
  const dims = spec.slice(at + 1).split(',').map(Number);
  const bytes = readFileSync(file);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  feeds[name] = new ort.Tensor('float32', data, dims);
}
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, logSeverityLevel: 3 });
const results = await session.run(feeds);
mkdirSync(outDir, { recursive: true });
const outputs = [];
for (const name of session.outputNames) {
  const t = results[name];
  const file = name.replace(/[^A-Za-z0-9._-]/g, '_') + '.bin';
  writeFileSync(join(outDir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  outputs.push({ name, file, elementType: t.type, shape: t.dims });
}
writeFileSync(join(outDir, 'outputs.json'), JSON.stringify({ model, outputs }, null, 2));
