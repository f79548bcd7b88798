/** The `minilm` resource type: all-MiniLM-L6-v2 run in process (minilm.ts). */
import { object, optional, string } from '../../schemas/config-schema.js';
import { defineResource } from '../resource.js';
import { createMiniLmEmbedder } from './minilm.js';

export const miniLmResource = defineResource({
  type: 'minilm',
  role: 'embedder',
  summary: 'all-MiniLM-L6-v2 (quantized ONNX, 384 dimensions) run in process: offline and deterministic.',
  config: object({
    model_dir: optional(
      string({
        description:
          'Directory holding the model files. Default: the shared model cache (`$AURA_MODEL_DIR`, else under `~/.cache/aura-streams/models/`), filled on first use or by `aura fetch-model` (see README.md, "Quick start").',
      }),
    ),
  }),
  create: (config, context) => createMiniLmEmbedder({ cacheDir: config.model_dir, log: context.log }),
});
