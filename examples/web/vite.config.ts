import { defineConfig } from "vite";

// The @rl packages resolve to their built dist/ (the default export condition; build them first:
// `npx turbo run build --filter=@rl/web-example^...`).
export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
  preview: { host: "127.0.0.1" },
  server: { host: "127.0.0.1" },
});
