// Node ESM resolve hook for the kill -9 children: tfjs-core's ESM files use extension-less
// imports, which Node cannot resolve; retry them with ".js" (what bundlers do).
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const relative = specifier.startsWith(".") || specifier.includes("/dist/");
    if (e?.code === "ERR_MODULE_NOT_FOUND" && !specifier.endsWith(".js") && relative) return next(`${specifier}.js`, context);
    if (e?.code === "ERR_UNSUPPORTED_DIR_IMPORT" && relative) {
      try {
        return await next(`${specifier}.js`, context);
      } catch {
        return next(`${specifier}/index.js`, context);
      }
    }
    throw e;
  }
}
