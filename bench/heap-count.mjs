// Counts a heap snapshot's objects by constructor name (and closures by function name) and prints
// what grew between two snapshots: node bench/heap-count.mjs A.heapsnapshot B.heapsnapshot [min=50]
import { readFileSync } from 'node:fs';
function counts(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields, types = s.snapshot.meta.node_types[0];
  const n = f.length, ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const out = new Map();
  for (let i = 0; i < s.nodes.length; i += n) {
    const t = types[s.nodes[i + ti]];
    if (t !== 'object' && t !== 'closure') continue;
    const k = `${t}:${s.strings[s.nodes[i + ni]]}`.slice(0, 90);
    const e = out.get(k) ?? [0, 0];
    e[0]++; e[1] += s.nodes[i + si];
    out.set(k, e);
  }
  return out;
}
const [a, b, min = 50] = process.argv.slice(2);
const A = counts(a), B = counts(b);
const rows = [];
for (const [k, [c, sz]] of B) { const [c0, sz0] = A.get(k) ?? [0, 0]; if (c - c0 >= Number(min)) rows.push([c - c0, k, c0, c, sz - sz0]); }
rows.sort((x, y) => y[0] - x[0]);
for (const r of rows.slice(0, 40)) console.log(`${String(r[0]).padStart(8)}  ${r[1]}  (${r[2]} -> ${r[3]}, ${r[4]} bytes)`);
