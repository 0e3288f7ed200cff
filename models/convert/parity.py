"""Compares the converted TorchScript models with TensorFlow.js's output (tfjs_reference.js) on the same frames.
Usage: python3 parity.py EMBEDDING.pt LOGITS.pt TFJS_REF.json FRAME_DIR
Prints JSON: max |difference| of the 1280-d embeddings and of the class probabilities, and top-1 agreement."""
import json, sys
import numpy as np
import torch

emb_model, logit_model = torch.jit.load(sys.argv[1]), torch.jit.load(sys.argv[2])
ref = json.load(open(sys.argv[3]))
emb_diff, prob_diff, agree = 0.0, 0.0, 0
for f in ref["frames"]:
    px = np.fromfile(f"{sys.argv[4]}/{f['frame']}", dtype=np.uint8).reshape(224, 224, 3)
    x = torch.tensor(px, dtype=torch.float32).permute(2, 0, 1).unsqueeze(0) / 255
    with torch.no_grad():
        e = emb_model(x)[0].numpy()
        p = torch.softmax(logit_model(x), 1)[0].numpy()
    emb_diff = max(emb_diff, float(np.abs(e - np.array(f["embedding"])).max()))
    prob_diff = max(prob_diff, float(np.abs(p - np.array(f["probabilities"])).max()))
    agree += int(np.argmax(p) == np.argmax(f["probabilities"]))
print(json.dumps({"frames": len(ref["frames"]), "tfjs": ref["tfjs"], "torch": torch.__version__,
                  "max_abs_diff_embedding": emb_diff, "max_abs_diff_probabilities": prob_diff,
                  "top1_agreement": f"{agree}/{len(ref['frames'])}",
                  "embedding_scale": float(np.abs(np.array([f["embedding"] for f in ref["frames"]])).max())}))
