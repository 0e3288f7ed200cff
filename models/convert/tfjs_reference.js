// The reference: nsfwjs's MobileNetV2 run by TensorFlow.js itself (pure-JavaScript CPU backend, from npm), on raw
// 224 x 224 RGB frames (uint8 files, pixels / 255). Prints JSON: per frame the embedding (the output of Keras layer
// LAYER, averaged over height and width when it is a feature map) and the 5 class probabilities. The quantised
// weights go in as shipped; TensorFlow.js dequantises them.
// Usage: NODE_PATH=TFJS_NODE_MODULES node tfjs_reference.js PACKAGE_DIR LAYER FRAME.rgb...
'use strict';
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfl = require('@tensorflow/tfjs-layers');
const fs = require('fs');
const path = require('path');

async function main() {
  const [pkg, layer, ...frames] = process.argv.slice(2);
  await tf.setBackend('cpu');
  const dir = path.join(pkg, 'dist', 'models', 'mobilenet_v2');
  const load = (f) => { const m = require(path.resolve(dir, f)); return m.default || m; };
  const model = load('model.min.js');
  const bytes = Buffer.from(load(model.weightsManifest[0].paths[0] + '.min.js'), 'base64');
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const m = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest[0].weights, weightData: data }));
  const both = tfl.model({ inputs: m.inputs, outputs: [m.getLayer(layer).output, m.outputs[0]] });
  const out = [];
  for (const f of frames) {
    const px = fs.readFileSync(f);
    const x = tf.tensor4d(Float32Array.from(px, (v) => v / 255), [1, 224, 224, 3]);
    let [emb, prob] = both.predict(x);
    if (emb.shape.length === 4) emb = tf.mean(emb, [1, 2]);  // channels-last feature map: global average
    out.push({ frame: path.basename(f), embedding: Array.from(emb.dataSync()), probabilities: Array.from(prob.dataSync()) });
  }
  console.log(JSON.stringify({ tfjs: tf.version_core, layer, frames: out }));
}
main().catch((e) => { console.error(e); process.exit(1); });
