// Every test file starts on the embedded default backend (wasm), quietly.
import { ready } from "@rl/core";

await ready();
