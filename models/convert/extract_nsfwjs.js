// Extracts nsfwjs@4.4.0's MobileNetV2 (a TensorFlow.js layers model shipped as JavaScript modules) into
//   OUT/topology.json  the Keras model config, plus the weight manifest with byte offsets into weights.bin
//   OUT/weights.bin    every tensor dequantised as TensorFlow.js does it (q * scale + min in double, then float32)
// Usage: node extract_nsfwjs.js PACKAGE_DIR OUT_DIR   (PACKAGE_DIR: the unpacked npm tarball's "package" folder)
'use strict';
const fs = require('fs');
const path = require('path');
const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) { console.error('usage: node extract_nsfwjs.js PACKAGE_DIR OUT_DIR'); process.exit(2); }
const dir = path.join(pkg, 'dist', 'models', 'mobilenet_v2');
const load = (f) => { const m = require(path.resolve(dir, f)); return m.default || m; };
const model = load('model.min.js');
const manifest = model.weightsManifest;
if (manifest.length !== 1 || manifest[0].paths.length !== 1) throw new Error('expected one weight group in one shard');
const bytes = Buffer.from(load(manifest[0].paths[0] + '.min.js'), 'base64');

const specs = manifest[0].weights;
let inOffset = 0, outFloats = 0;
const index = [];
for (const w of specs) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (!w.quantization || w.quantization.dtype !== 'uint8') throw new Error(w.name + ': expected uint8 quantisation');
  index.push({ name: w.name, shape: w.shape, offset: outFloats, count: n });
  inOffset += n;
  outFloats += n;
}
if (inOffset !== bytes.length) throw new Error(`decoded ${bytes.length} bytes, manifest needs ${inOffset}`);
const floats = new Float32Array(outFloats);
let p = 0;
for (const w of specs) {
  const { scale, min } = w.quantization;
  const n = w.shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; ++i, ++p) floats[p] = bytes[p] * scale + min;  // double arithmetic, stored as float32
}
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'weights.bin'), Buffer.from(floats.buffer));
fs.writeFileSync(path.join(out, 'topology.json'), JSON.stringify({ model_config: model.modelTopology.model_config,
  keras_version: model.modelTopology.keras_version, weights: index, quantized_bytes: bytes.length }));
console.log(`${specs.length} tensors, ${bytes.length} quantised bytes -> ${out}`);
