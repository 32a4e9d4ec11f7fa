// Lint rules that encode the decisions of docs/core-decisions.md.
import tseslint from "typescript-eslint";

const restrictedPatterns = [
  { regex: "^fp-ts/(?!lib/)", message: 'Import from "fp-ts" (e.g. `import { either } from "fp-ts"`), not a subpath (P11).' },
  { regex: "^@tensorflow/tfjs-core/dist", message: "Deep tfjs-core imports fail in Node ESM (P4); use `tf` from @rl/core." },
];

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/out/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // P11: fp-ts has no exports map; `fp-ts/Either` crashes in Node ESM.
      "no-restricted-imports": [
        "error",
        { patterns: restrictedPatterns },
      ],
      // C9: named exports only.
      "no-restricted-syntax": [
        "error",
        { selector: "ExportDefaultDeclaration", message: "Use named exports (C9)." },
        // C8 / P6: tf.tidy must return tensors, never typed or nested arrays.
        {
          selector: "CallExpression[callee.object.name='tf'][callee.property.name='tidy'] CallExpression[callee.property.name=/^(dataSync|arraySync)$/]",
          message: "Never read data inside tf.tidy (P6): return the tensor and read it outside.",
        },
        {
          selector: "CallExpression[callee.object.name='tf'][callee.property.name='clipByValue']",
          message: "tf.clipByValue returns garbage on wasm when both bounds round to one float32; use clampTensor from @rl/core.",
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // The light install: array-only code loads no TensorFlow.js, so it imports the array layer.
    files: ["packages/credit/src/**/*.ts", "packages/rewards/src/{verifiable,transforms,rubric,evaluation}/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "@rl/core", message: 'Array-only code imports "@rl/core/arrays" (it loads no TensorFlow.js); see docs/core-decisions.md, "The light install".' }],
          patterns: restrictedPatterns,
        },
      ],
    },
  },
);
