// Pure helpers of run.mjs (tested in test/lib.test.mjs): failure detection over executed
// notebooks, the standalone HTML page around nbconvert's basic template, the index page, and
// the clean-up of executed notebooks written back as sources.

/** Every failure of an executed notebook: error outputs and stderr streams, with the cell index. */
export function notebookProblems(executed) {
  const problems = [];
  executed.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") {
        const trace = (out.traceback ?? []).join("\n").replace(/\x1b\[[0-9;]*m/g, "");
        problems.push(`cell ${i}: ${out.ename}: ${out.evalue}${trace ? `\n${trace}` : ""}`);
      } else if (out.output_type === "stream" && out.name === "stderr") {
        const text = Array.isArray(out.text) ? out.text.join("") : out.text;
        problems.push(`cell ${i}: stderr: ${text.trim()}`);
      }
    }
  });
  return problems;
}

/**
 * Wraps nbconvert's `basic` body (no CSS, no scripts) in a small standalone page: the `lab`
 * template inlines ~600 KB of CSS per notebook, and Debian's templates point their scripts at
 * file:///usr/share/javascript, which no reader of the docs has.
 */
export function htmlPage(name, body) {
  const title = /<h1[^>]*>([\s\S]*?)<a class="anchor-link"/.exec(body)?.[1] ?? name;
  const css = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.input_area pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:.6rem;overflow-x:auto}
.output_area pre{padding:.2rem .6rem;overflow-x:auto}.output_area{margin:.3rem 0 1.2rem}
.prompt{display:none}table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px}
.highlight .k,.highlight .kd,.highlight .kn,.highlight .kr{color:#8959a8;font-weight:600}
.highlight .s,.highlight .s1,.highlight .s2,.highlight .sb{color:#718c00}.highlight .mi,.highlight .mf{color:#f5871f}
.highlight .c1,.highlight .cm{color:#8e908c;font-style:italic}.highlight .nx{color:#222}
nav{font-size:13px;margin-bottom:1rem}a.anchor-link{display:none}`;
  const nav = `<nav><a href="index.html">@rl notebooks</a> · source: <code>examples/notebooks/${name}.ipynb</code> · executed with the Deno kernel by <code>pnpm notebooks</code></nav>`;
  const clean = body.replace(/<script[^>]*src="file:[^"]*"[^>]*><\/script>/g, "");
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title.replace(/<[^>]+>/g, "")}</title><style>${css}</style></head>\n<body>${nav}\n${clean}\n</body></html>\n`;
}

/** Drops per-run timestamps so a committed notebook changes only when its outputs do. */
export function stripRunMetadata(text) {
  const nb = JSON.parse(text);
  for (const cell of nb.cells) {
    if (cell.metadata) delete cell.metadata.execution;
  }
  if (nb.metadata) delete nb.metadata.papermill;
  return `${JSON.stringify(nb, null, 1)}\n`;
}


/** The index of the exported notebooks: `pages` are `{ file, html }` of each notebook page. */
export function notebookIndexPage(pages) {
  const items = pages.map(({ file, html }) => {
    const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? file;
    return `<li><a href="${file}">${title}</a> <small>(<code>examples/notebooks/${file.replace(/\.html$/, ".ipynb")}</code>)</small></li>`;
  });
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>@rl notebooks</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}</style></head>\n<body><h1>@rl notebooks</h1><p>Executed headlessly with the Deno Jupyter kernel against the packed packages by <code>pnpm notebooks</code> (which also runs them under tslab, type-checking every cell).</p><ul>\n${items.join("\n")}\n</ul></body></html>\n`;
}
