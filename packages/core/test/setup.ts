// Every test file starts on the embedded default backend (wasm), quietly.
import { ready } from "../src/index.js";

await ready();
