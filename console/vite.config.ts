// SPDX-License-Identifier: Apache-2.0
// The console is served by the broker under /console/ (ConsoleWebConfiguration). The Maven build runs `npm run build`
// and packs target/classes/segura-console/ into the console jar, which the broker has on its class path.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  build: {
    outDir: "target/classes/segura-console",
    emptyOutDir: true,
    // one script and one stylesheet, both external: the broker's Content-Security-Policy allows no inline code
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/console/api": "http://127.0.0.1:8080" },
  },
});
